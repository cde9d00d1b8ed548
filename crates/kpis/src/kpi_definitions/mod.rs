//! The catalogue of KPI definitions: what a metric means, its unit, which way is better, and
//! how its values combine across schools and student groups.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
