//! What district systems wire into: API clients, webhook endpoints and their deliveries, the change feed and the audit trail as read.

pub mod audit;
pub mod changes;
pub mod clients;
pub mod feed;
pub mod webhooks;
