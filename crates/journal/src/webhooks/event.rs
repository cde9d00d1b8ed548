//! An event as subscribers receive it, and which events an endpoint takes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// What an event did, as the last part of its type.
pub const ACTIONS: [&str; 3] = ["created", "updated", "deleted"];
/// The event a ping sends.
pub const PING: &str = "webhook.ping";

/// Whether an endpoint subscribed to `patterns` (space-separated) takes `event`.
pub fn subscribed(patterns: &str, resource: &str, action: &str) -> bool {
    patterns.split(' ').any(|p| {
        p == "*"
            || p.strip_suffix(".*") == Some(resource)
            || p.split_once('.') == Some((resource, action))
    })
}

/// The body of every delivery (Standard Webhooks). Headers: `webhook-id` (this `id`),
/// `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` and the base64
/// HMAC-SHA256, keyed with the endpoint's secret, of `{webhook-id}.{webhook-timestamp}.{body}`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// The event's id, also sent as `webhook-id`; the same on every attempt.
    pub id: String,
    /// `{resource}.{created|updated|deleted}`, or `webhook.ping`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change was written (UTC), or when the ping was asked for.
    pub occurred_at: DateTime<Utc>,
    /// The resource as the API shows it to an administrator: after the write, or as it was
    /// before a deletion. A ping carries `{"webhook_id"}`.
    #[schema(value_type = Object)]
    pub data: Value,
}
