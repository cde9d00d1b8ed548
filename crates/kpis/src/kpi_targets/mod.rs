//! KPI targets of an agreement: for one KPI and student group, where it starts (baseline) and
//! where the partners mean to take it by when.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
