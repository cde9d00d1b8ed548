//! The change feed: every committed write of every resource, in commit order, for clients
//! that keep a copy (`GET /changes?after=<cursor>`). Writes record their change in their own
//! transaction, next to their audit event.

pub mod store;

use crate::Topic;

/// Records a change of `topic` `id` (see [`store::record_from`]) and, for a published topic,
/// queues the webhook events it makes, inside the write's transaction: an acknowledged write is
/// never missing from the feed or from a subscriber's queue.
pub fn record_from(
    conn: &mut platform::db::DbConnection,
    topic: Topic,
    id: &str,
    action: &str,
    shown: &serde_json::Value,
) -> diesel::QueryResult<()> {
    store::record_from(conn, topic.name, id, action, shown)?;
    if topic.published {
        crate::webhooks::outbox::enqueue(conn, topic.name, action, shown)?;
    }
    Ok(())
}
