//! Routes for `/procedures`, with their history.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{reads_audience, Procedure, ProcedureInput, ProcedureQuery, Procedures};
use super::store::{ProcedureRow, VERSIONS};
use auth::Caller;
use pipeline::history::{self, Recorded, Recorder, VersionDiff, VersionSummary};
use pipeline::{Resource, Stored};
use platform::db::{self, DbConnection, DbPool};
use platform::error::ApiError;

pipeline::resource_api! {
    resource: Procedures, tag: "outreach",
    collection: "/procedures", item: "/procedures/{id}",
    parent: [],
    filter: ProcedureQuery, sort: platform::db::keyset::ListSort, input: ProcedureInput, output: Procedure,
    /// Standard operating procedures. A partner reads those addressed to partners.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. Everyone but partners reads procedures for every audience.
    list: list_procedures,
    /// Write a procedure (administrators).
    ///
    /// Only the admin role, with a token holding the `admin` scope. Each of
    /// `continuum_level_ids` and `agreement_ids` must exist (422 `not_found` on the item).
    /// Version 1 starts the procedure's history.
    create: create_procedure,
    /// One procedure, its Markdown body also as sanitised HTML.
    ///
    /// Needs `agreements:read`. A partner account gets 404 for a procedure not addressed to
    /// `partners`.
    get: get_procedure,
    /// Replace a procedure; the version before is kept in its history.
    ///
    /// Admin role and `admin` scope only. Only the levels and agreements this write adds are
    /// looked up (422 `not_found`); one linked before and deleted since stays linked. A PUT
    /// that changes nothing keeps the version and adds nothing to the history.
    replace: replace_procedure,
    /// Change a procedure (JSON Merge Patch); the version before is kept in its history.
    ///
    /// Admin role and `admin` scope only. A list given replaces the whole set; added continuum
    /// levels and agreements must exist (422 `not_found`).
    patch: patch_procedure,
    /// Delete a procedure and its history.
    ///
    /// Admin role and `admin` scope only. Every kept version goes too; the audit trail keeps
    /// the last one.
    delete: delete_procedure,
}

/// One version of a procedure in full.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "version": 1,
    "action": "create",
    "recorded_by": {"id": "0193a1f0-0000-7000-8000-000000000002", "role": "admin"},
    "recorded_at": "2026-09-02T08:47:13.390561Z",
    "procedure": {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0d01",
        "title": "Welcoming a guest speaker", "audience": "teachers",
        "body": "Check that the speaker's vetting is **approved**.",
        "body_html": "<p>Check that the speaker's vetting is <strong>approved</strong>.</p>\n",
        "tags": ["visitors"], "continuum_level_ids": [], "agreement_ids": [], "version": 1,
        "created_at": "2026-09-02T08:47:13.390561Z", "updated_at": "2026-09-02T08:47:13.390561Z"}
}))]
pub struct ProcedureVersion {
    /// The version number (1 for the first).
    pub version: i64,
    /// What made this version: `create` or `update`.
    pub action: String,
    /// The user or client that wrote it, and its role then.
    pub recorded_by: Recorder,
    /// When the version was written (UTC).
    pub recorded_at: DateTime<Utc>,
    /// The procedure as it was in this version.
    pub procedure: Procedure,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProcedurePath {
    /// The procedure's id.
    pub id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProcedureVersionPath {
    /// The procedure's id.
    pub id: String,
    /// A version number.
    pub version: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProcedureDiffQuery {
    /// The older version to compare with; default the one before.
    pub from: Option<i64>,
}

/// The procedure if the caller reads it now; 404 otherwise.
fn readable(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<ProcedureRow, ApiError> {
    ProcedureRow::find_key(conn, id)?
        .filter(|row| Procedures::visible(caller, row))
        .ok_or_else(Procedures::not_found)
}

/// The versions the caller may read: for a partner, only those addressed to partners when
/// they were written.
fn readable_versions(caller: &Caller, versions: Vec<Recorded>) -> Vec<Recorded> {
    versions
        .into_iter()
        .filter(|v| reads_audience(caller, v.snapshot["audience"].as_str().unwrap_or_default()))
        .collect()
}

/// The versions of a procedure, oldest first, with the fields each changed.
///
/// Needs `agreements:read`, and a procedure the caller reads now (404 otherwise). A partner
/// account sees only the versions that were addressed to `partners` when written; their
/// `changed_fields` then compare with the previous version it sees.
#[utoipa::path(tag = "outreach", params(ProcedurePath),
    responses((status = 200, description = "Every version, oldest first", body = Vec<VersionSummary>)))]
#[get("/procedures/{id}/versions")]
pub async fn list_procedure_versions(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ProcedurePath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Procedures::READ)?;
    let id = path.into_inner().id;
    let versions = db::run(&pool, move |conn| {
        readable(conn, &caller, &id)?;
        Ok(readable_versions(&caller, VERSIONS.versions(conn, &id)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(history::summaries(versions)))
}

/// The version of a procedure the caller may read, or 404.
fn version_of(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    version: i64,
) -> Result<Recorded, ApiError> {
    let found = VERSIONS.find(conn, id, version)?.into_iter().collect();
    readable_versions(caller, found)
        .pop()
        .ok_or_else(|| ApiError::not_found("version"))
}

/// One version of a procedure, in full.
///
/// Needs `agreements:read`, and a procedure the caller reads now (404 otherwise). An unknown
/// version, or for a partner account one not addressed to `partners` then, is 404.
#[utoipa::path(tag = "outreach", params(ProcedureVersionPath),
    responses((status = 200, description = "The procedure as it was", body = ProcedureVersion)))]
#[get("/procedures/{id}/versions/{version}")]
pub async fn get_procedure_version(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ProcedureVersionPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Procedures::READ)?;
    let ProcedureVersionPath { id, version } = path.into_inner();
    let recorded = db::run(&pool, move |conn| {
        readable(conn, &caller, &id)?;
        version_of(conn, &caller, &id, version)
    })
    .await?;
    let procedure: Procedure = serde_json::from_value(recorded.snapshot)
        .map_err(|e| ApiError::Internal(format!("stored snapshot is not valid: {e}")))?;
    Ok(HttpResponse::Ok().json(ProcedureVersion {
        version: recorded.version,
        action: recorded.action,
        recorded_by: Recorder {
            id: recorded.actor_id,
            role: recorded.actor_role,
        },
        recorded_at: recorded.recorded_at.and_utc(),
        procedure,
    }))
}

/// What changed between two versions of a procedure.
///
/// Needs `agreements:read`, and a procedure the caller reads now (404 otherwise). Compares
/// version `from` (default: `version - 1`) with `version`; either one missing, or hidden from
/// a partner account, is 404.
#[utoipa::path(tag = "outreach", params(ProcedureVersionPath, ProcedureDiffQuery),
    responses((status = 200, description = "The changed fields", body = VersionDiff)))]
#[get("/procedures/{id}/versions/{version}/diff")]
pub async fn diff_procedure_versions(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ProcedureVersionPath>,
    query: web::Query<ProcedureDiffQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Procedures::READ)?;
    let ProcedureVersionPath { id, version } = path.into_inner();
    let from = query.from.unwrap_or(version.saturating_sub(1));
    let diff = db::run(&pool, move |conn| {
        readable(conn, &caller, &id)?;
        let newer = version_of(conn, &caller, &id, version)?;
        let older = version_of(conn, &caller, &id, from)?;
        Ok(history::diff(&older, &newer))
    })
    .await?;
    Ok(HttpResponse::Ok().json(diff))
}

/// Registers the procedure routes; the history first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(list_procedure_versions);
    cfg.service(get_procedure_version);
    cfg.service(diff_procedure_versions);
    routes(cfg);
}
