//! The catalogue of KPI definitions: what a metric means, its unit, which way is better, and
//! how its values combine across schools and student groups.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::DefinitionRow;

pub use api::routes;
