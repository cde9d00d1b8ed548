//! Schools: the district's sites, with the ids other systems know them by.

pub mod api;
pub mod import;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{by_external_id, names, SchoolRow};
