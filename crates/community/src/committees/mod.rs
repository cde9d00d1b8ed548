//! Site councils, communication committees, leadership teams and advisory groups: where
//! families, staff and the community take part in governance.

pub mod access;
pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::seats_by_school;

pub use api::routes;
