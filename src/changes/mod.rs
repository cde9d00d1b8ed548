//! The change feed: every committed write of every resource, in commit order, for clients
//! that keep a copy (`GET /changes?after=<cursor>`). Writes record their change in their own
//! transaction, next to their audit event.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
/// Records a change of `resource` `id` (see [`store::record_from`]) and queues the webhook
/// events it makes, inside the write's transaction: an acknowledged write is never missing
/// from the feed or from a subscriber's queue.
pub fn record_from(
    conn: &mut crate::db::DbConnection,
    resource: &str,
    id: &str,
    action: &str,
    shown: &serde_json::Value,
) -> diesel::QueryResult<()> {
    store::record_from(conn, resource, id, action, shown)?;
    crate::webhooks::outbox::enqueue(conn, resource, action, shown)
}
