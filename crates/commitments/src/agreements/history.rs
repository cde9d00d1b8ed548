//! The readable history of an agreement: its versions, what changed between two, and its
//! status transitions.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{load_visible, AgreementPath};
use super::model::Agreement;
use super::store::{self, VERSIONS};
use auth::{Caller, Scope};
use pipeline::history::{self, Recorder, VersionDiff, VersionSummary};
use platform::db::{self, DbPool};
use platform::error::ApiError;

/// One version in full: the agreement as it was stored then.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "version": 4,
    "action": "transition",
    "recorded_by": {"id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
    "recorded_at": "2026-08-20T15:42:10.482913Z",
    "agreement": {
        "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
        "title": "Museum exhibitions of student work, 2026-27", "status": "active",
        "external_id": "AGR-2026-014", "lead_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
        "partner_ids": [], "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c"],
        "liaison_user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
        "purpose": "Give every 8th grader a public audience for their project work.",
        "shared_vision": "Students see themselves as historians of their own town.",
        "desired_outcomes": ["90% of 8th graders exhibit", "attendance above 95% in project weeks"],
        "contributions": [
            {"party": "partner", "description": "gallery space and two curators, 40 hours"},
            {"party": "school", "description": "project time in social studies"}],
        "processes": "Curators review drafts in week 6; exhibition in week 10.",
        "communication_channels": [
            {"channel": "planning call", "cadence": "monthly", "owner": "school liaison"}],
        "start_date": "2026-09-01", "end_date": "2027-06-15", "review_cadence": "quarterly",
        "involves_students": true, "version": 4, "created_at": "2026-08-05T13:05:44.120517Z",
        "updated_at": "2026-08-20T15:42:10.482913Z"
    }
}))]
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
#[schema(example = json!({
    "from": "proposed",
    "to": "active",
    "note": "Signed by the principal and the museum director on 2026-08-20.",
    "by": {"id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
    "at": "2026-08-20T15:42:10.482913Z"
}))]
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
        VERSIONS.versions(conn, &id)
    })
    .await?;
    let out = history::summaries(rows);
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
        VERSIONS
            .find(conn, &id, version)?
            .ok_or_else(version_not_found)
    })
    .await?;
    let agreement: Agreement = serde_json::from_value(row.snapshot)
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
        let newer = VERSIONS
            .find(conn, &id, version)?
            .ok_or_else(version_not_found)?;
        let older = VERSIONS
            .find(conn, &id, from)?
            .ok_or_else(version_not_found)?;
        Ok((older, newer))
    })
    .await?;
    let diff: VersionDiff = history::diff(&older, &newer);
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
