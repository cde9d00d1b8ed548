//! Webhook endpoints as a resource, and their deliveries; the outbox and the delivery worker are
//! the journal's.

pub mod api;
pub mod model;

pub use api::all_routes as routes;
pub use journal::webhooks::{delivery, guard, outbox, store};
