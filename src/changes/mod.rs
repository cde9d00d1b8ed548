//! The change feed: every committed write of every resource, in commit order, for clients
//! that keep a copy (`GET /changes?after=<cursor>`). Writes record their change in their own
//! transaction, next to their audit event.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
pub use store::record_from;
