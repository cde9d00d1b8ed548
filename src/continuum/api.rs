//! Routes and wire types for `/continuum-levels`. Everyone who reads partners reads the
//! levels; only administrators change the district's scale.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, LevelRow};
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbPool, Stamp};
use crate::error::{check_all, ApiError};
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::Page;
use crate::http::text::trimmed;

const RESOURCE: &str = "continuum_level";

fn not_found() -> ApiError {
    ApiError::not_found("continuum level")
}

fn examples_valid(examples: &[String]) -> Result<(), validator::ValidationError> {
    if examples
        .iter()
        .all(|e| (1..=200).contains(&e.trim().chars().count()))
    {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("length");
        e.message = Some("every example must be 1 to 200 characters".into());
        Err(e)
    }
}

/// The writable fields of a continuum level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rank": 3, "name": "Collaborator", "description": "Recurring engagement planned with a school.",
    "examples": ["regular field trips", "job shadowing"]}))]
pub struct LevelInput {
    /// Position on the scale, 1 = lightest involvement; unique.
    #[serde(default)]
    #[validate(required, range(min = 1, max = 100))]
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 100)]
    pub rank: Option<i32>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 100))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "examples_valid"))]
    #[schema(max_items = 20)]
    pub examples: Option<Vec<String>>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
}

/// A level of the district's partnership continuum.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContinuumLevel {
    pub id: String,
    pub rank: i32,
    pub name: String,
    pub description: Option<String>,
    pub examples: Vec<String>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LevelRow> for ContinuumLevel {
    fn from(row: LevelRow) -> Self {
        ContinuumLevel {
            examples: serde_json::from_str(&row.examples).unwrap_or_default(),
            id: row.id,
            rank: row.rank,
            name: row.name,
            description: row.description,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

fn input_of(row: &LevelRow) -> LevelInput {
    LevelInput {
        rank: Some(row.rank),
        name: Some(row.name.clone()),
        description: row.description.clone(),
        examples: Some(serde_json::from_str(&row.examples).unwrap_or_default()),
        external_id: row.external_id.clone(),
    }
}

fn row_from(input: LevelInput, stamp: Stamp) -> LevelRow {
    let examples: Vec<String> = input
        .examples
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.trim().to_owned())
        .collect();
    LevelRow {
        id: stamp.id,
        external_id: input.external_id,
        rank: input.rank.unwrap_or_default(),
        name: input.name.unwrap_or_default(),
        description: input.description,
        examples: serde_json::to_string(&examples).unwrap_or_else(|_| "[]".to_owned()),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LevelPath {
    /// The level's id.
    pub id: String,
}

/// List the continuum, lowest rank first (all levels on one page).
#[utoipa::path(tag = "continuum", responses((status = 200, description = "The levels", body = Page<ContinuumLevel>)))]
#[get("/continuum-levels")]
pub async fn list_levels(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let rows = db::run(&pool, |conn| Ok(store::list(conn)?)).await?;
    let data: Vec<ContinuumLevel> = rows.into_iter().map(ContinuumLevel::from).collect();
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: None,
    }))
}

/// Add a level (admin).
#[utoipa::path(tag = "continuum", request_body = LevelInput,
    responses((status = 201, description = "Created", body = ContinuumLevel, headers(("Location" = String), ("ETag" = String)))))]
#[post("/continuum-levels")]
pub async fn create_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<LevelInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.into_inner();
    check_all(&input, Vec::new())?;
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
                &ContinuumLevel::from(row.clone()),
            )?;
            Ok(row)
        })
    })
    .await?;
    let level = ContinuumLevel::from(row);
    Ok(created(
        &level,
        &format!("/api/v1/continuum-levels/{}", level.id),
        level.version,
    ))
}

/// Get a level.
#[utoipa::path(tag = "continuum", params(LevelPath),
    responses((status = 200, description = "The level", body = ContinuumLevel, headers(("ETag" = String)))))]
#[get("/continuum-levels/{id}")]
pub async fn get_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<LevelPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id)?.ok_or_else(not_found)
    })
    .await?;
    let level = ContinuumLevel::from(row);
    Ok(json_with_etag(StatusCode::OK, &level, level.version))
}

async fn update_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: String,
    if_match: IfMatch,
    change: Change<LevelInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    if !is_id(&id) {
        return Err(not_found());
    }
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let current = store::find(conn, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&input_of(&current))?;
            check_all(&input, Vec::new())?;
            if row_from(input.clone(), current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, current.stamp().bumped());
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let (before, after) = (
                ContinuumLevel::from(current),
                ContinuumLevel::from(next.clone()),
            );
            audit::updated(conn, &actor, RESOURCE, &next.id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let level = ContinuumLevel::from(row);
    Ok(json_with_etag(StatusCode::OK, &level, level.version))
}

/// Replace a level (admin).
#[utoipa::path(tag = "continuum", params(LevelPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = LevelInput,
    responses((status = 200, description = "The updated level", body = ContinuumLevel, headers(("ETag" = String)))))]
#[put("/continuum-levels/{id}")]
pub async fn replace_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<LevelPath>,
    if_match: IfMatch,
    body: web::Json<LevelInput>,
) -> Result<HttpResponse, ApiError> {
    update_level(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change some fields of a level (admin; JSON Merge Patch).
#[utoipa::path(tag = "continuum", params(LevelPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = LevelInput, content_type = "application/merge-patch+json", description = "Any subset of the writable fields"),
    responses((status = 200, description = "The updated level", body = ContinuumLevel, headers(("ETag" = String)))))]
#[patch("/continuum-levels/{id}")]
pub async fn patch_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<LevelPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_level(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Remove a level (admin); refused with 409 while partners are at it.
#[utoipa::path(tag = "continuum", params(LevelPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/continuum-levels/{id}")]
pub async fn delete_level(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<LevelPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let current = store::find(conn, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            store::delete(conn, &id)?;
            audit::deleted(conn, &actor, RESOURCE, &id, &ContinuumLevel::from(current))?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
