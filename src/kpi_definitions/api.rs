//! Routes for `/kpi-definitions`. Everyone with `kpi:read` reads the catalogue; only
//! administrators change it.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{DefinitionInput, KpiAggregation, KpiDirection, KpiUnit};
use super::store::{self, DefinitionRow};
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::{self, write_transaction, DbPool, Stamp};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::Page;

const RESOURCE: &str = "kpi_definition";

/// A metric the district tracks.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiDefinition {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub unit: KpiUnit,
    pub direction: KpiDirection,
    pub aggregation: KpiAggregation,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TryFrom<DefinitionRow> for KpiDefinition {
    type Error = ApiError;

    fn try_from(row: DefinitionRow) -> Result<Self, ApiError> {
        Ok(KpiDefinition {
            unit: stored(KpiUnit::parse(&row.unit), "unit", &row.unit)?,
            direction: stored(
                KpiDirection::parse(&row.direction),
                "direction",
                &row.direction,
            )?,
            aggregation: stored(
                KpiAggregation::parse(&row.aggregation),
                "aggregation",
                &row.aggregation,
            )?,
            id: row.id,
            code: row.code,
            name: row.name,
            description: row.description,
            min_value: row.min_value,
            max_value: row.max_value,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn input_of(row: &DefinitionRow) -> DefinitionInput {
    DefinitionInput {
        code: Some(row.code.clone()),
        name: Some(row.name.clone()),
        description: row.description.clone(),
        unit: KpiUnit::parse(&row.unit),
        direction: KpiDirection::parse(&row.direction),
        aggregation: KpiAggregation::parse(&row.aggregation),
        min_value: row.min_value,
        max_value: row.max_value,
    }
}

fn row_from(input: DefinitionInput, stamp: Stamp) -> DefinitionRow {
    DefinitionRow {
        id: stamp.id,
        code: input.code.unwrap_or_default(),
        name: input.name.unwrap_or_default(),
        description: input.description,
        unit: input.unit.unwrap_or(KpiUnit::Count).as_str().to_owned(),
        direction: input
            .direction
            .unwrap_or(KpiDirection::Neutral)
            .as_str()
            .to_owned(),
        aggregation: input
            .aggregation
            .unwrap_or(KpiAggregation::Sum)
            .as_str()
            .to_owned(),
        min_value: input.min_value,
        max_value: input.max_value,
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("KPI definition")
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DefinitionPath {
    /// The definition's id or its code.
    pub id: String,
}

/// The KPI catalogue, by code (all of it: one page).
#[utoipa::path(tag = "kpis", responses((status = 200, description = "The catalogue", body = Page<KpiDefinition>)))]
#[get("/kpi-definitions")]
pub async fn list_definitions(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::KpiRead)?;
    let rows = db::run(&pool, |conn| Ok(store::list(conn)?)).await?;
    let data = rows
        .into_iter()
        .map(KpiDefinition::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: None,
    }))
}

/// Add a KPI to the catalogue (admin).
#[utoipa::path(tag = "kpis", request_body = DefinitionInput,
    responses((status = 201, description = "Created", body = KpiDefinition, headers(("Location" = String), ("ETag" = String)))))]
#[post("/kpi-definitions")]
pub async fn create_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<DefinitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.into_inner();
    input.check()?;
    let row = row_from(input, Stamp::fresh());
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            store::insert(conn, &row)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &row.id,
                &KpiDefinition::try_from(row.clone())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let definition = KpiDefinition::try_from(row)?;
    Ok(created(
        &definition,
        &format!("/api/v1/kpi-definitions/{}", definition.id),
        definition.version,
    ))
}

/// One KPI definition, by id or code.
#[utoipa::path(tag = "kpis", params(DefinitionPath),
    responses((status = 200, description = "The definition", body = KpiDefinition, headers(("ETag" = String)))))]
#[get("/kpi-definitions/{id}")]
pub async fn get_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<DefinitionPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::KpiRead)?;
    let id = path.into_inner().id;
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id)?.ok_or_else(not_found)
    })
    .await?;
    let definition = KpiDefinition::try_from(row)?;
    Ok(json_with_etag(
        StatusCode::OK,
        &definition,
        definition.version,
    ))
}

async fn update_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: String,
    if_match: IfMatch,
    change: Change<DefinitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let found = store::find(conn, &id)?.ok_or_else(not_found)?;
            store::lock(conn, &found.id)?;
            let current = store::find(conn, &found.id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&input_of(&current))?;
            input.check()?;
            if row_from(input.clone(), current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, current.stamp().bumped());
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let (before, after) = (
                KpiDefinition::try_from(current)?,
                KpiDefinition::try_from(next.clone())?,
            );
            audit::updated(conn, &actor, RESOURCE, &next.id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let definition = KpiDefinition::try_from(row)?;
    Ok(json_with_etag(
        StatusCode::OK,
        &definition,
        definition.version,
    ))
}

/// Replace a KPI definition (admin).
#[utoipa::path(tag = "kpis", params(DefinitionPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = DefinitionInput,
    responses((status = 200, description = "The updated definition", body = KpiDefinition, headers(("ETag" = String)))))]
#[put("/kpi-definitions/{id}")]
pub async fn replace_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<DefinitionPath>,
    if_match: IfMatch,
    body: web::Json<DefinitionInput>,
) -> Result<HttpResponse, ApiError> {
    update_definition(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change a KPI definition (admin; JSON Merge Patch).
#[utoipa::path(tag = "kpis", params(DefinitionPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = DefinitionInput, content_type = "application/merge-patch+json", description = "Any subset of the writable fields"),
    responses((status = 200, description = "The updated definition", body = KpiDefinition, headers(("ETag" = String)))))]
#[patch("/kpi-definitions/{id}")]
pub async fn patch_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<DefinitionPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_definition(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Remove a KPI definition (admin).
#[utoipa::path(tag = "kpis", params(DefinitionPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/kpi-definitions/{id}")]
pub async fn delete_definition(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<DefinitionPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let found = store::find(conn, &id)?.ok_or_else(not_found)?;
            store::lock(conn, &found.id)?;
            let current = store::find(conn, &found.id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            store::delete(conn, &current.id)?;
            audit::deleted(
                conn,
                &actor,
                RESOURCE,
                &current.id.clone(),
                &KpiDefinition::try_from(current)?,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
