//! The readable history of an agreement: its versions, what changed between two, and its
//! status transitions.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{load_visible, AgreementPath};
use super::model::Agreement;
use super::store::{self, VersionRow};
use crate::auth::{Caller, Scope};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::resource::history::{self, Recorded, Recorder, VersionDiff, VersionSummary};

/// One version in full: the agreement as it was stored then.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersion {
    /// The version number: the agreement's `version` right after this change.
    pub version: i64,
    /// What recorded it: `create`, `update` or `transition`.
    pub action: String,
    /// Who made the change: a user or client id, and its role.
    pub recorded_by: Recorder,
    /// When the change was made (UTC).
    pub recorded_at: DateTime<Utc>,
    /// The agreement as stored then; its `status` is the stored one, never `expired`.
    pub agreement: Agreement,
}

/// A status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    /// The status before (as stored, never `expired`).
    pub from: String,
    /// The status after.
    pub to: String,
    /// Why, as given with the transition; `null` when no note was given.
    pub note: Option<String>,
    /// Who made the transition: a user or client id, and its role.
    pub by: Recorder,
    /// When the transition was made (UTC).
    pub at: DateTime<Utc>,
}

fn recorded(row: &VersionRow) -> Result<Recorded, ApiError> {
    Ok(Recorded {
        version: row.version,
        action: row.action.clone(),
        actor_id: row.actor_id.clone(),
        actor_role: row.actor_role.clone(),
        recorded_at: row.recorded_at,
        snapshot: history::snapshot(&row.snapshot)?,
    })
}

fn version_not_found() -> ApiError {
    ApiError::not_found("version")
}

/// The versions of an agreement, oldest first.
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
/// A version is recorded at creation, at every change that altered something, and at every
/// status transition; each names the fields that differ from the version before.
#[utoipa::path(tag = "agreements", params(AgreementPath),
    responses((status = 200, description = "Every version, oldest first", body = Vec<VersionSummary>)))]
#[get("/agreements/{id}/versions")]
pub async fn list_agreement_versions(
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
    let out = history::summaries(rows.iter().map(recorded).collect::<Result<_, _>>()?);
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
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404,
/// as is a version number the agreement never had.
#[utoipa::path(tag = "agreements", params(VersionPath),
    responses((status = 200, description = "The agreement as it was", body = AgreementVersion)))]
#[get("/agreements/{id}/versions/{version}")]
pub async fn get_agreement_version(
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
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
/// Compares version `from` (by default the one before) with `{version}`; either one missing is
/// 404. Only fields whose values differ are listed.
#[utoipa::path(tag = "agreements", params(VersionPath, DiffQuery),
    responses((status = 200, description = "The changed fields", body = VersionDiff)))]
#[get("/agreements/{id}/versions/{version}/diff")]
pub async fn diff_agreement_versions(
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
    let diff: VersionDiff = history::diff(&recorded(&older)?, &recorded(&newer)?);
    Ok(HttpResponse::Ok().json(diff))
}

/// The status changes of an agreement, oldest first, with who made them and why.
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
/// Lists the moves made through `POST /agreements/{id}/transitions`; an agreement's reading as
/// `expired` past its end date is not a transition and is not listed.
#[utoipa::path(tag = "agreements", params(AgreementPath),
    responses((status = 200, description = "Every transition, oldest first", body = Vec<Transition>)))]
#[get("/agreements/{id}/transitions")]
pub async fn list_agreement_transitions(
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
