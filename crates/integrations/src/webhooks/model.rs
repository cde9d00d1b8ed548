//! Webhook endpoints: their wire types and rules, the events they may ask for, and the URLs
//! they may name.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};
use validator::Validate;

use super::guard;
use super::store::{self, DeliveryRow, EndpointRow};
use auth::Scope;
pub use journal::webhooks::event::{subscribed, WebhookEvent, ACTIONS, PING};
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

/// Every event type an endpoint may subscribe to: `*`, and for each resource of the change
/// feed `{resource}.*` and `{resource}.{created|updated|deleted}`.
pub fn event_names() -> Vec<String> {
    let mut names = vec!["*".to_owned()];
    for (resource, _) in crate::feed::resources() {
        names.push(format!("{resource}.*"));
        names.extend(ACTIONS.iter().map(|a| format!("{resource}.{a}")));
    }
    names
}

/// An event type an endpoint subscribes to; the document lists every one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventName(pub String);

impl PartialSchema for EventName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "`*` (everything), `{resource}.*`, or `{resource}.{created|updated|deleted}`",
            ))
            .enum_values(Some(event_names()))
            .into()
    }
}

impl ToSchema for EventName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WebhookEventName")
    }
}

/// The writable fields of a webhook endpoint.
///
/// Across fields: `url` is `https`, unless its host is listed in `WEBHOOK_ALLOWED_HOSTS`; a host
/// that is an IP address, or `localhost`, must be public or listed. Events are not repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://sis.district.example.org/hooks/partnerships",
    "events": ["agreement.*", "partner.updated"], "description": "SIS sync"}))]
pub struct WebhookInput {
    /// Where events are POSTed. Redirects are not followed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 2000))]
    #[schema(value_type = String, required = true, min_length = 1,
        max_length = 2000, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/\\s\\x00-\\x1F\\x7F-\\x9F][^\\s\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub url: Option<String>,
    /// The events to receive.
    #[serde(default)]
    #[validate(required, length(min = 1, max = 60))]
    #[schema(value_type = Vec<EventName>, required = true, min_items = 1, max_items = 60)]
    pub events: Option<Vec<EventName>>,
    /// A note on what the endpoint is for, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 500), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 500,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub description: Option<String>,
    /// False pauses deliveries; events still queue, and go out in order when it is true again.
    #[serde(default)]
    #[schema(default = true)]
    pub enabled: Option<bool>,
}

impl WebhookInput {
    fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let Some(url) = &self.url {
            if let Err(message) = guard::parse(url) {
                extra.push(FieldError::new("url", "invalid_url", message));
            }
        }
        let known = event_names();
        let mut seen = std::collections::BTreeSet::new();
        for (i, EventName(name)) in self.events.iter().flatten().enumerate() {
            if !known.contains(name) {
                extra.push(FieldError::new(
                    format!("events[{i}]"),
                    "unknown_event",
                    format!("there is no event {name:?}; see WebhookEventName for the list"),
                ));
            } else if !seen.insert(name) {
                extra.push(FieldError::new(
                    format!("events[{i}]"),
                    "duplicate",
                    format!("{name:?} is listed twice"),
                ));
            }
        }
        check_all(self, extra)
    }
}

/// A webhook endpoint. Its signing secret is shown once, when it is made.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f5-8c9d-7e0f-a1b2-c3d4e5f6a7b8",
    "url": "https://sis.district.example.org/hooks/partnerships",
    "events": ["agreement.*", "partner.updated"], "description": "SIS sync", "enabled": true,
    "status": "failing", "last_error": "the receiver answered 503 Service Unavailable",
    "last_error_at": "2026-12-01T21:40:02.517390Z", "version": 2,
    "created_at": "2026-11-23T19:20:00.123456Z", "updated_at": "2026-12-01T21:40:02.517390Z"
}))]
pub struct Webhook {
    /// The endpoint's id (a UUID), assigned by the server.
    pub id: String,
    /// Where events are POSTed.
    pub url: String,
    /// The event types subscribed to (see `WebhookEventName`).
    pub events: Vec<String>,
    /// A note on what the endpoint is for; `null` if none.
    pub description: Option<String>,
    /// False while deliveries are paused (events still queue).
    pub enabled: bool,
    /// `active`; `failing` once an event could not be delivered for `WEBHOOK_RETRY_HOURS`
    /// (it turns `active` again with the next delivery that succeeds); `paused` when not enabled.
    pub status: WebhookStatus,
    /// What went wrong with the last event given up on.
    pub last_error: Option<String>,
    /// When that event was given up on (UTC); `null` if never.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the endpoint was registered (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the endpoint last changed, its `status` included (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

platform::text_enum! {
    /// Whether an endpoint is taking events.
    pub enum WebhookStatus {
        Active => "active",
        Failing => "failing",
        Paused => "paused",
    }
}

impl From<EndpointRow> for Webhook {
    fn from(row: EndpointRow) -> Self {
        let status = if !row.enabled {
            WebhookStatus::Paused
        } else if row.failing_since.is_some() {
            WebhookStatus::Failing
        } else {
            WebhookStatus::Active
        };
        Webhook {
            id: row.id,
            url: row.url,
            events: row.events.split(' ').map(str::to_owned).collect(),
            description: row.description,
            enabled: row.enabled,
            status,
            last_error: row.last_error,
            last_error_at: row.last_error_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new webhook endpoint, with the secret that signs its deliveries (shown in this answer
/// only).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f5-8c9d-7e0f-a1b2-c3d4e5f6a7b8",
    "url": "https://sis.district.example.org/hooks/partnerships",
    "events": ["agreement.*", "partner.updated"], "description": "SIS sync", "enabled": true,
    "status": "active", "last_error": null, "last_error_at": null, "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z", "updated_at": "2026-11-23T19:20:00.123456Z",
    "secret": "whsec_W29gjpWI5wLNONUTbtq41JJnwM0rnc2qCu5PnHjzZdo="
}))]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 key: verify `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
}

/// A fresh signing secret, in the Standard Webhooks form.
pub fn new_secret() -> Result<String, ApiError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| ApiError::Internal(format!("no randomness available: {e}")))?;
    Ok(format!("whsec_{}", STANDARD.encode(key)))
}

platform::sort_enum! {
    /// Order of the endpoints: by creation (the default), or by `url`; `-` for descending.
    pub enum WebhookSort default CreatedAt {
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        Url => "url": Name;
        UrlDesc => "-url": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// `GET /webhooks` has no filters beyond paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {}

pub struct Webhooks;

impl Resource for Webhooks {
    const TOPIC: Topic = Topic::unpublished("webhook");
    const READ: Scope = Scope::Admin;
    const WRITE: Scope = Scope::Admin;

    type Row = EndpointRow;
    type Input = WebhookInput;
    type Output = Webhook;
    type Filter = WebhookQuery;
    type Sort = WebhookSort;

    fn represent(row: EndpointRow) -> Result<Webhook, ApiError> {
        Ok(Webhook::from(row))
    }

    fn writable(row: &EndpointRow) -> Result<WebhookInput, ApiError> {
        Ok(WebhookInput {
            url: Some(row.url.clone()),
            events: Some(
                row.events
                    .split(' ')
                    .map(|e| EventName(e.to_owned()))
                    .collect(),
            ),
            description: row.description.clone(),
            enabled: Some(row.enabled),
        })
    }

    fn check(input: &WebhookInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: WebhookInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&EndpointRow>,
        _ctx: &CallerContext,
    ) -> Result<EndpointRow, ApiError> {
        let events: Vec<String> = input
            .events
            .unwrap_or_default()
            .into_iter()
            .map(|EventName(e)| e)
            .collect();
        let (secret, failing_since, last_error, last_error_at, claimed_until, claimed_by) =
            match current {
                Some(c) => (
                    c.secret.clone(),
                    c.failing_since,
                    c.last_error.clone(),
                    c.last_error_at,
                    c.claimed_until,
                    c.claimed_by.clone(),
                ),
                None => (new_secret()?, None, None, None, None, None),
            };
        Ok(EndpointRow {
            id: stamp.id,
            url: input.url.unwrap_or_default(),
            events: events.join(" "),
            description: input.description,
            enabled: input.enabled.unwrap_or(true),
            secret,
            failing_since,
            last_error,
            last_error_at,
            claimed_until,
            claimed_by,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        pipeline::admin_only(ctx, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        _query: WebhookQuery,
        page: &PageRequest,
    ) -> Result<Vec<EndpointRow>, ApiError> {
        Ok(store::page(
            conn,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The change-feed numbering lock, before the row is deleted: a write numbering its
    /// changes may be queueing an event for this endpoint, and must not wait on the deleted row
    /// while this one waits on it.
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _row: &EndpointRow,
    ) -> Result<(), ApiError> {
        Ok(journal::changes::store::numbering_lock(conn)?)
    }

    /// The URL's host is one the district allows: public, or listed.
    fn before_save(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&EndpointRow>,
        after: &EndpointRow,
    ) -> Result<(), ApiError> {
        guard::allowed(&after.url, &ctx.policy.webhook_allowed_hosts)
            .map_err(|message| ApiError::field("url", "url_not_allowed", message))
    }
}

/// What became of an event sent to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "msg_0193d7a24c1e7b3f9a2d5e6f7a8b9c0d", "type": "partner.updated", "state": "pending",
    "attempts": 3, "next_attempt_at": "2026-12-02T07:14:29.663051Z", "last_status": 503,
    "last_error": "the receiver answered 503 Service Unavailable",
    "created_at": "2026-12-02T07:13:18.120004Z", "delivered_at": null
}))]
pub struct Delivery {
    /// The event's `webhook-id`: the same on every attempt, so receivers can drop repeats.
    pub id: String,
    /// The event's type: `{resource}.{created|updated|deleted}`, or `webhook.ping`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `pending` (queued or being retried), `delivered`, or `failed` (given up after
    /// `WEBHOOK_RETRY_HOURS`; redeliver to try again).
    pub state: String,
    /// How many times sending has been tried so far.
    pub attempts: i32,
    /// When it is next tried, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last attempt.
    pub last_status: Option<i32>,
    /// What went wrong at the last attempt; `null` before any attempt and after a success.
    pub last_error: Option<String>,
    /// When the event was queued (UTC).
    pub created_at: DateTime<Utc>,
    /// When the receiver accepted it (UTC); `null` until delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Delivery {
            next_attempt_at: (row.state == store::PENDING).then(|| row.next_attempt_at.and_utc()),
            id: row.id,
            event_type: row.event_type,
            state: row.state,
            attempts: row.attempts,
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: row.created_at.and_utc(),
            delivered_at: row.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// The filters of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(inline)]
    pub state: Option<DeliveryState>,
    /// Deliveries per page, newest first (default 50, at most 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

platform::text_enum! {
    /// A delivery's state.
    pub enum DeliveryState {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

impl DeliveryQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=200).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::Validation(vec![FieldError::query(
                "limit",
                "out_of_range",
                "limit must be between 1 and 200",
            )])),
        }
    }

    pub fn before(&self) -> Result<Option<i64>, ApiError> {
        match &self.cursor {
            None => Ok(None),
            Some(c) if !c.is_empty() && c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(c.parse().ok())
            }
            Some(_) => Err(ApiError::Validation(vec![FieldError::query(
                "cursor",
                "invalid_cursor",
                "cursor must be a next_cursor from this list",
            )])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_their_events() {
        assert!(subscribed("*", "partner", "created"));
        assert!(subscribed(
            "agreement.* partner.updated",
            "partner",
            "updated"
        ));
        assert!(subscribed(
            "agreement.* partner.updated",
            "agreement",
            "deleted"
        ));
        assert!(!subscribed(
            "agreement.* partner.updated",
            "partner",
            "created"
        ));
        assert!(!subscribed("agreement.*", "agreement_x", "created"));
        assert!(!subscribed("partner.created", "partner_contact", "created"));
    }

    #[test]
    fn every_feed_resource_has_events() {
        let names = event_names();
        assert!(names.contains(&"partner.deleted".to_owned()));
        assert!(names.contains(&"kpi_record_batch.*".to_owned()));
        assert!(!names.iter().any(|n| n.starts_with("webhook.")));
    }

    #[test]
    fn secrets_are_standard_webhooks_keys() {
        let secret = new_secret().unwrap();
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, new_secret().unwrap());
    }
}
