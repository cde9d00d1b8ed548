//! The student-group catalogue: the groups KPI records may be reported for, and which groups
//! together make up another, so suppression can protect a hidden group from subtraction.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other folders and crates may use of this folder's store.
pub use store::GroupRow;

pub use api::routes;
