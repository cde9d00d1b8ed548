//! The outbox: a change's webhook events, written in the change's own transaction.

use diesel::QueryResult;
use serde_json::Value;

use super::event::{subscribed, WebhookEvent, PING};
use super::store::{self, NewDelivery, PENDING};
use platform::db::{now, sql::new_id, DbConnection};

/// Queues `{resource}.{action}` for every endpoint subscribed to it. Only published topics
/// make events ([`crate::changes::record_from`] asks).
pub(crate) fn enqueue(
    conn: &mut DbConnection,
    resource: &str,
    action: &str,
    shown: &Value,
) -> QueryResult<()> {
    let event_type = format!("{resource}.{action}");
    for (endpoint, patterns) in store::listening(conn)? {
        if subscribed(&patterns, resource, action) {
            queue(conn, &endpoint, &event_type, shown)?;
        }
    }
    Ok(())
}

/// Queues a ping for one endpoint; the delivery's id.
pub fn ping(conn: &mut DbConnection, endpoint: &str) -> QueryResult<String> {
    // Numbered as changes' events are, so it goes out after those committed before it.
    crate::changes::store::numbering_lock(conn)?;
    queue(
        conn,
        endpoint,
        PING,
        &serde_json::json!({ "webhook_id": endpoint }),
    )
}

fn queue(
    conn: &mut DbConnection,
    endpoint: &str,
    event_type: &str,
    data: &Value,
) -> QueryResult<String> {
    let at = now();
    let id = format!("msg_{}", new_id().replace('-', ""));
    let event = WebhookEvent {
        id: id.clone(),
        event_type: event_type.to_owned(),
        occurred_at: at.and_utc(),
        data: data.clone(),
    };
    let payload = serde_json::to_string(&event)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    store::insert_delivery(
        conn,
        &NewDelivery {
            id: &id,
            endpoint_id: endpoint,
            event_type,
            payload: &payload,
            state: PENDING,
            attempts: 0,
            next_attempt_at: at,
            retry_from: at,
            created_at: at,
        },
    )?;
    Ok(id)
}
