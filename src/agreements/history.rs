//! The readable history of an agreement: its versions, what changed between two, and its
//! status transitions.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::access::{load_visible, AgreementPath};
use super::model::Agreement;
use super::store::{self, VersionRow};
use crate::auth::{Caller, Scope};
use crate::db::{self, DbPool};
use crate::error::ApiError;

/// Who recorded a version or a transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recorder {
    pub id: String,
    pub role: String,
}

/// One version in an agreement's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    /// `create`, `update` or `transition`.
    pub action: String,
    pub recorded_by: Recorder,
    pub recorded_at: DateTime<Utc>,
    /// Fields that differ from the previous version (empty for the first).
    pub changed_fields: Vec<String>,
}

/// One version in full: the agreement as it was stored then.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersion {
    pub version: i64,
    pub action: String,
    pub recorded_by: Recorder,
    pub recorded_at: DateTime<Utc>,
    pub agreement: Agreement,
}

/// What changed between two versions: `{"field": {"old": …, "new": …}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    pub from: i64,
    pub to: i64,
    #[schema(value_type = Object)]
    pub changes: Value,
}

/// A status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub note: Option<String>,
    pub by: Recorder,
    pub at: DateTime<Utc>,
}

fn snapshot(row: &VersionRow) -> Result<Value, ApiError> {
    serde_json::from_str(&row.snapshot)
        .map_err(|e| ApiError::Internal(format!("stored snapshot is not valid: {e}")))
}

fn version_not_found() -> ApiError {
    ApiError::not_found("version")
}

/// The versions of an agreement, oldest first.
#[utoipa::path(tag = "agreements", params(AgreementPath),
    responses((status = 200, description = "Every version, oldest first", body = Vec<VersionSummary>)))]
#[get("/agreements/{id}/versions")]
pub async fn list_versions(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let id = path.into_inner().id;
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &id)?;
        Ok(store::versions(conn, &id)?)
    })
    .await?;
    let mut previous: Option<Value> = None;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let current = snapshot(&row)?;
        let changed_fields = match &previous {
            Some(before) => crate::audit::diff(before, &current)
                .and_then(|c| c.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        out.push(VersionSummary {
            version: row.version,
            action: row.action,
            recorded_by: Recorder {
                id: row.actor_id,
                role: row.actor_role,
            },
            recorded_at: row.recorded_at.and_utc(),
            changed_fields,
        });
        previous = Some(current);
    }
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    /// The agreement's id.
    pub id: String,
    /// A version number.
    pub version: i64,
}

/// One past version of an agreement, in full.
#[utoipa::path(tag = "agreements", params(VersionPath),
    responses((status = 200, description = "The agreement as it was", body = AgreementVersion)))]
#[get("/agreements/{id}/versions/{version}")]
pub async fn get_version(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<VersionPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let VersionPath { id, version } = path.into_inner();
    let row = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &id)?;
        store::find_version(conn, &id, version)?.ok_or_else(version_not_found)
    })
    .await?;
    let agreement: Agreement = serde_json::from_str(&row.snapshot)
        .map_err(|e| ApiError::Internal(format!("stored snapshot is not valid: {e}")))?;
    Ok(HttpResponse::Ok().json(AgreementVersion {
        version: row.version,
        action: row.action,
        recorded_by: Recorder {
            id: row.actor_id,
            role: row.actor_role,
        },
        recorded_at: row.recorded_at.and_utc(),
        agreement,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version to compare with; default the one before.
    pub from: Option<i64>,
}

/// What changed between two versions of an agreement.
#[utoipa::path(tag = "agreements", params(VersionPath, DiffQuery),
    responses((status = 200, description = "The changed fields", body = VersionDiff)))]
#[get("/agreements/{id}/versions/{version}/diff")]
pub async fn diff_versions(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<VersionPath>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let VersionPath { id, version } = path.into_inner();
    let from = query.from.unwrap_or(version.saturating_sub(1));
    let (older, newer) = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &id)?;
        let newer = store::find_version(conn, &id, version)?.ok_or_else(version_not_found)?;
        let older = store::find_version(conn, &id, from)?.ok_or_else(version_not_found)?;
        Ok((older, newer))
    })
    .await?;
    let changes = crate::audit::diff(&snapshot(&older)?, &snapshot(&newer)?)
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(HttpResponse::Ok().json(VersionDiff {
        from: older.version,
        to: newer.version,
        changes,
    }))
}

/// The status changes of an agreement, oldest first, with who made them and why.
#[utoipa::path(tag = "agreements", params(AgreementPath),
    responses((status = 200, description = "Every transition, oldest first", body = Vec<Transition>)))]
#[get("/agreements/{id}/transitions")]
pub async fn list_transitions(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let id = path.into_inner().id;
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &id)?;
        Ok(store::transitions(conn, &id)?)
    })
    .await?;
    let out: Vec<Transition> = rows
        .into_iter()
        .map(|r| Transition {
            from: r.from_status,
            to: r.to_status,
            note: r.note,
            by: Recorder {
                id: r.actor_id,
                role: r.actor_role,
            },
            at: r.occurred_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
