//! The audit trail's read side (`GET /audit-events`); the trail itself is the journal's.

pub mod api;

pub use journal::audit::*;
