//! KPI targets of an agreement: for one KPI and student group, where it starts (baseline) and
//! where the partners mean to take it by when.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::list;

pub use api::routes;
