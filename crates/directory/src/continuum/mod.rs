//! The district's partnership continuum: levels from light involvement to deep engagement.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{all, LevelRow};

pub use api::routes;
