//! The change feed's read side (`GET /changes`); the feed itself is the journal's.

pub mod api;
pub mod model;

pub use api::routes;
pub use journal::changes::*;
