//! Routes for `/agreements/{agreement_id}/kpi-targets`. Whoever may write the agreement sets
//! its targets; whoever may see it reads them.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::model::TargetInput;
use super::store::{self, TargetRow};
use crate::agreements::access::{load_visible, writable};
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::Page;
use crate::kpi_definitions::store as definitions;

const RESOURCE: &str = "kpi_target";

/// Where an agreement means to take a KPI for one student group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiTarget {
    pub id: String,
    pub agreement_id: String,
    pub kpi_id: String,
    pub kpi_code: String,
    pub student_group: String,
    pub baseline_value: Option<f64>,
    pub baseline_period_start: Option<NaiveDate>,
    pub baseline_period_end: Option<NaiveDate>,
    pub target_value: f64,
    pub target_date: NaiveDate,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl KpiTarget {
    pub fn from_row(row: TargetRow, kpi_code: String) -> Self {
        KpiTarget {
            id: row.id,
            agreement_id: row.agreement_id,
            kpi_id: row.kpi_id,
            kpi_code,
            student_group: row.student_group,
            baseline_value: row.baseline_value,
            baseline_period_start: row.baseline_period_start,
            baseline_period_end: row.baseline_period_end,
            target_value: row.target_value,
            target_date: row.target_date,
            notes: row.notes,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

fn input_of(row: &TargetRow, kpi_code: &str) -> TargetInput {
    TargetInput {
        kpi_code: Some(kpi_code.to_owned()),
        student_group: Some(row.student_group.clone()),
        baseline_value: row.baseline_value,
        baseline_period_start: row.baseline_period_start,
        baseline_period_end: row.baseline_period_end,
        target_value: Some(row.target_value),
        target_date: Some(row.target_date),
        notes: row.notes.clone(),
    }
}

/// Resolves the KPI (422 when unknown or when a value is out of its range) and builds the row.
fn row_from(
    conn: &mut DbConnection,
    input: &TargetInput,
    agreement_id: &str,
    stamp: Stamp,
) -> Result<(TargetRow, String), ApiError> {
    let code = input.kpi_code.clone().unwrap_or_default();
    let kpi = definitions::find(conn, &code)?.ok_or_else(|| {
        ApiError::field(
            "kpi_code",
            "unknown_kpi",
            format!("no KPI definition has the code {code:?}"),
        )
    })?;
    input.check_range(kpi.min_value, kpi.max_value)?;
    let row = TargetRow {
        id: stamp.id,
        agreement_id: agreement_id.to_owned(),
        kpi_id: kpi.id,
        student_group: input.group().to_owned(),
        baseline_value: input.baseline_value,
        baseline_period_start: input.baseline_period_start,
        baseline_period_end: input.baseline_period_end,
        target_value: input.target_value.unwrap_or_default(),
        target_date: input.target_date.unwrap_or_default(),
        notes: input.notes.clone(),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    };
    Ok((row, kpi.code))
}

fn not_found() -> ApiError {
    ApiError::not_found("KPI target")
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TargetsPath {
    /// The agreement's id.
    pub agreement_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TargetPath {
    /// The agreement's id.
    pub agreement_id: String,
    /// The target's id.
    pub id: String,
}

/// An agreement's KPI targets, by KPI code and group (all of them: one page).
#[utoipa::path(tag = "kpis", params(TargetsPath),
    responses((status = 200, description = "The targets", body = Page<KpiTarget>)))]
#[get("/agreements/{agreement_id}/kpi-targets")]
pub async fn list_targets(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetsPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    caller.require(Scope::KpiRead)?;
    let agreement_id = path.into_inner().agreement_id;
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        Ok(store::list(conn, &[agreement_id])?)
    })
    .await?;
    let data = rows
        .into_iter()
        .map(|(row, code)| KpiTarget::from_row(row, code))
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: None,
    }))
}

/// Set a KPI target on an agreement (one per KPI and student group).
#[utoipa::path(tag = "kpis", params(TargetsPath), request_body = TargetInput,
    responses((status = 201, description = "Created", body = KpiTarget, headers(("Location" = String), ("ETag" = String)))))]
#[post("/agreements/{agreement_id}/kpi-targets")]
pub async fn create_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetsPath>,
    body: web::Json<TargetInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let agreement_id = path.into_inner().agreement_id;
    let input = body.into_inner();
    input.check()?;
    let actor = caller.actor();
    let target = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            let (row, code) = row_from(conn, &input, &agreement_id, Stamp::fresh())?;
            store::insert(conn, &row)?;
            let target = KpiTarget::from_row(row, code);
            audit::created(conn, &actor, RESOURCE, &target.id, &target)?;
            Ok(target)
        })
    })
    .await?;
    let location = format!(
        "/api/v1/agreements/{}/kpi-targets/{}",
        target.agreement_id, target.id
    );
    Ok(created(&target, &location, target.version))
}

/// One KPI target.
#[utoipa::path(tag = "kpis", params(TargetPath),
    responses((status = 200, description = "The target", body = KpiTarget, headers(("ETag" = String)))))]
#[get("/agreements/{agreement_id}/kpi-targets/{id}")]
pub async fn get_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    caller.require(Scope::KpiRead)?;
    let TargetPath { agreement_id, id } = path.into_inner();
    let (row, code) = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        if !is_id(&id) {
            return Err(not_found());
        }
        store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)
    })
    .await?;
    let target = KpiTarget::from_row(row, code);
    Ok(json_with_etag(StatusCode::OK, &target, target.version))
}

async fn update_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: TargetPath,
    if_match: IfMatch,
    change: Change<TargetInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let TargetPath { agreement_id, id } = path;
    let actor = caller.actor();
    let target = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            if !is_id(&id) {
                return Err(not_found());
            }
            let (current, code) = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&input_of(&current, &code))?;
            input.check()?;
            let (mut next, next_code) = row_from(conn, &input, &agreement_id, current.stamp())?;
            if next == current {
                return Ok(KpiTarget::from_row(current, code));
            }
            let bumped = current.stamp().bumped();
            (next.version, next.updated_at) = (bumped.version, bumped.updated_at);
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let before = KpiTarget::from_row(current, code);
            let after = KpiTarget::from_row(next, next_code);
            audit::updated(conn, &actor, RESOURCE, &id, &before, &after)?;
            Ok(after)
        })
    })
    .await?;
    Ok(json_with_etag(StatusCode::OK, &target, target.version))
}

/// Replace a KPI target.
#[utoipa::path(tag = "kpis", params(TargetPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = TargetInput,
    responses((status = 200, description = "The updated target", body = KpiTarget, headers(("ETag" = String)))))]
#[put("/agreements/{agreement_id}/kpi-targets/{id}")]
pub async fn replace_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetPath>,
    if_match: IfMatch,
    body: web::Json<TargetInput>,
) -> Result<HttpResponse, ApiError> {
    let change = Change::Replace(body.into_inner());
    update_target(caller, pool, path.into_inner(), if_match, change).await
}

/// Change a KPI target (JSON Merge Patch).
#[utoipa::path(tag = "kpis", params(TargetPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = TargetInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"target_value": 95.0})),
    responses((status = 200, description = "The updated target", body = KpiTarget, headers(("ETag" = String)))))]
#[patch("/agreements/{agreement_id}/kpi-targets/{id}")]
pub async fn patch_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetPath>,
    if_match: IfMatch,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let change = Change::Merge(body.into_inner());
    update_target(caller, pool, path.into_inner(), if_match, change).await
}

/// Remove a KPI target.
#[utoipa::path(tag = "kpis", params(TargetPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/agreements/{agreement_id}/kpi-targets/{id}")]
pub async fn delete_target(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TargetPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let TargetPath { agreement_id, id } = path.into_inner();
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            if !is_id(&id) {
                return Err(not_found());
            }
            let (current, code) = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            store::delete(conn, &id)?;
            audit::deleted(
                conn,
                &actor,
                RESOURCE,
                &id,
                &KpiTarget::from_row(current, code),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
