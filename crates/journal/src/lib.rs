//! The journal: what every write leaves behind, in the write's own transaction. The audit trail
//! says who changed what; the change feed numbers every committed change for clients that keep
//! a copy; the webhook outbox queues the events subscribers asked for, and a worker delivers
//! them. It knows no resource: each write names its [`Topic`], and a topic says whether the
//! feed's readers and webhooks are told of it.

pub mod audit;
pub mod changes;
mod topic;
pub mod webhooks;

pub use topic::Topic;
