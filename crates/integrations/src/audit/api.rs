//! `GET /audit-events` (admin).

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{self, AuditFilter, AuditRow};
use auth::Caller;
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::http::paging::{self, PageRequest};

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// `client`, `user`, or `cli` (an operator's admin command).
    pub kind: String,
    /// The client's or user's id (`cli` for a command); empty for an `anonymous` actor.
    pub id: String,
    /// The actor's role when it acted (`admin`, `staff`, …); empty for `anonymous`.
    pub role: String,
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-0000-7000-8000-000000000001",
    "occurred_at": "2026-11-23T20:01:12.654321Z",
    "actor": {"kind": "user", "id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
    "request_id": "0193a1f3-0000-7000-8000-0000000000aa",
    "resource_type": "partner",
    "resource_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "action": "update",
    "changes": {"status": {"old": "prospect", "new": "active"}}
}))]
pub struct AuditEvent {
    /// The event's id (a UUID); ids follow time.
    pub id: String,
    /// When the write happened (UTC).
    pub occurred_at: DateTime<Utc>,
    /// Who acted.
    pub actor: AuditActor,
    /// The `X-Request-Id` of the request that made the write; `null` outside a request.
    pub request_id: Option<String>,
    /// `school`, `partner`, `contact`, `client`, `user`.
    pub resource_type: String,
    /// The id of the resource written (for a failed sign-in, the account named).
    pub resource_id: String,
    /// `create`, `update`, `delete`, `login`, `token_issued`, `sign_in_failed` (actor `anonymous`;
    /// `changes` holds the reason and source address), `identity_bound`, `revoke`, `rotate_secret`.
    pub action: String,
    /// For updates: `{"field": {"old": …, "new": …}}`. Never holds secrets.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        AuditEvent {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor: AuditActor {
                kind: row.actor_kind,
                id: row.actor_id,
                role: row.actor_role,
            },
            request_id: row.request_id,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            action: row.action,
            changes: row.changes.and_then(|c| serde_json::from_str(&c).ok()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Id of the client or user who acted.
    pub actor_id: Option<String>,
    /// Only events on this type of resource (`partner`, `user`, …), matched exactly.
    pub resource_type: Option<String>,
    /// Only events on the resource with this id.
    pub resource_id: Option<String>,
    /// Only events with this action (`create`, `update`, `delete`, `login`, …).
    pub action: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List audit events, oldest first (admin only).
///
/// Only the admin role with a token that kept the `admin` scope (403 otherwise). Every
/// successful write is here, recorded in its own transaction, plus sign-ins, tokens issued and
/// refused sign-ins. Filters combine; there is no `sort`, and the trail cannot be changed.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "A page of audit events", body = paging::Page<AuditEvent>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(None, query.limit, query.cursor.as_deref())?;
    let filter = AuditFilter {
        actor_id: query.actor_id,
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        action: query.action,
        since: query.since,
        until: query.until,
    };
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(
            conn,
            &filter,
            after.as_ref().map(|a| a.id.as_str()),
            limit + 1,
        )?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, |r| Ok(AuditEvent::from(r)))
}
