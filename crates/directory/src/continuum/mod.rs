//! The district's partnership continuum: levels from light involvement to deep engagement.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
