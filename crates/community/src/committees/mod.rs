//! Site councils, communication committees, leadership teams and advisory groups: where
//! families, staff and the community take part in governance.

pub mod access;
pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
