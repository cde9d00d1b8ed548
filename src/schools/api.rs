//! Routes and wire types for `/schools`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{GradeLevel, SchoolInput};
use super::store::{self, SchoolFilter, SchoolRow};
use crate::address::Address;
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::keyset::ListSort;
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbPool, Stamp};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, not_modified, IfMatch, IfNoneMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};

/// A school of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Richmond Middle School",
    "external_id": "SIS-0412",
    "nces_id": "230000600123",
    "state_id": "ME-1234",
    "address": {"line1": "28 High Street", "line2": null, "city": "Richmond", "region": "ME", "postal_code": "04357", "country": "US"},
    "lowest_grade": "06",
    "highest_grade": "08",
    "active": true,
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct School {
    pub id: String,
    pub name: String,
    pub external_id: Option<String>,
    pub nces_id: Option<String>,
    pub state_id: Option<String>,
    pub address: Address,
    pub lowest_grade: Option<GradeLevel>,
    pub highest_grade: Option<GradeLevel>,
    pub active: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn grade(text: Option<&str>) -> Result<Option<GradeLevel>, ApiError> {
    text.map(|t| {
        GradeLevel::parse(t)
            .ok_or_else(|| ApiError::Internal(format!("stored grade {t:?} is unknown")))
    })
    .transpose()
}

impl TryFrom<SchoolRow> for School {
    type Error = ApiError;

    fn try_from(row: SchoolRow) -> Result<Self, ApiError> {
        Ok(School {
            lowest_grade: grade(row.lowest_grade.as_deref())?,
            highest_grade: grade(row.highest_grade.as_deref())?,
            address: Address::from_columns([
                row.address_line1,
                row.address_line2,
                row.city,
                row.region,
                row.postal_code,
                row.country,
            ]),
            id: row.id,
            name: row.name,
            external_id: row.external_id,
            nces_id: row.nces_id,
            state_id: row.state_id,
            active: row.active,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

impl From<School> for SchoolInput {
    fn from(s: School) -> Self {
        SchoolInput {
            name: Some(s.name),
            external_id: s.external_id,
            nces_id: s.nces_id,
            state_id: s.state_id,
            address: Some(s.address),
            lowest_grade: s.lowest_grade,
            highest_grade: s.highest_grade,
            active: Some(s.active),
        }
    }
}

/// The row `input` describes, with the identity and bookkeeping of `stamp`.
fn row_from(input: SchoolInput, stamp: Stamp) -> SchoolRow {
    let [address_line1, address_line2, city, region, postal_code, country] =
        input.address.unwrap_or_default().into_columns();
    SchoolRow {
        id: stamp.id,
        external_id: input.external_id,
        nces_id: input.nces_id,
        state_id: input.state_id,
        name: input.name.unwrap_or_default(),
        address_line1,
        address_line2,
        city,
        region,
        postal_code,
        country,
        lowest_grade: input.lowest_grade.map(|g| g.as_str().to_owned()),
        highest_grade: input.highest_grade.map(|g| g.as_str().to_owned()),
        active: input.active.unwrap_or(true),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

const RESOURCE: &str = "school";

fn not_found() -> ApiError {
    ApiError::not_found("school")
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolListQuery {
    /// Case-insensitive search in the name.
    pub q: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    /// Only schools changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Default `id` (creation order).
    pub sort: Option<ListSort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List schools.
#[utoipa::path(
    tag = "schools",
    params(SchoolListQuery),
    responses((status = 200, description = "A page of schools", body = paging::Page<School>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/schools")]
pub async fn list_schools(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<SchoolListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::SchoolsRead)?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(query.sort, query.limit, query.cursor.as_deref())?;
    let filter = SchoolFilter {
        q: query.q,
        active: query.active,
        external_id: query.external_id,
        updated_since: query.updated_since,
    };
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(conn, &filter, sort, after.as_ref(), limit + 1)?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, School::try_from)
}

/// Create a school.
#[utoipa::path(
    tag = "schools",
    request_body = SchoolInput,
    responses((status = 201, description = "Created", body = School,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/schools")]
pub async fn create_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<SchoolInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::SchoolsWrite)?;
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
                &School::try_from(row.clone())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let school = School::try_from(row)?;
    Ok(created(
        &school,
        &format!("/api/v1/schools/{}", school.id),
        school.version,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SchoolPath {
    /// The school's id.
    pub id: String,
}

/// Get one school.
#[utoipa::path(
    tag = "schools",
    params(SchoolPath, ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read; 304 when unchanged")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the given ETag"),
    )
)]
#[get("/schools/{id}")]
pub async fn get_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<SchoolPath>,
    if_none_match: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::SchoolsRead)?;
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id)?.ok_or_else(not_found)
    })
    .await?;
    if if_none_match.matches(row.version) {
        return Ok(not_modified(row.version));
    }
    let school = School::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &school, school.version))
}

async fn update_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: String,
    if_match: IfMatch,
    change: Change<SchoolInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::SchoolsWrite)?;
    let actor = caller.actor();
    if !is_id(&id) {
        return Err(not_found());
    }
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let current = store::find(conn, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&SchoolInput::from(School::try_from(current.clone())?))?;
            input.check()?;
            let unchanged = row_from(input.clone(), current.stamp());
            if unchanged == current {
                // Nothing to change: the version stays, so a repeated PUT is a no-op.
                return Ok(current);
            }
            let next = row_from(input, current.stamp().bumped());
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let (before, after) = (School::try_from(current)?, School::try_from(next.clone())?);
            audit::updated(conn, &actor, RESOURCE, &next.id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let school = School::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &school, school.version))
}

/// Replace a school.
///
/// Every writable field is set from the body; absent optional fields are cleared.
#[utoipa::path(
    tag = "schools",
    params(SchoolPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the school changed since")),
    request_body = SchoolInput,
    responses((status = 200, description = "The updated school", body = School, headers(("ETag" = String))))
)]
#[put("/schools/{id}")]
pub async fn replace_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<SchoolPath>,
    if_match: IfMatch,
    body: web::Json<SchoolInput>,
) -> Result<HttpResponse, ApiError> {
    update_school(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change some fields of a school (JSON Merge Patch, RFC 7396).
///
/// Fields present in the body are set, `null` clears a field, absent fields are kept.
#[utoipa::path(
    tag = "schools",
    params(SchoolPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the school changed since")),
    request_body(content = SchoolInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"active": false})),
    responses((status = 200, description = "The updated school", body = School, headers(("ETag" = String))))
)]
#[patch("/schools/{id}")]
pub async fn patch_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<SchoolPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_school(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Delete a school.
///
/// Refused with 409 while other records refer to the school; set `active` to false instead.
#[utoipa::path(
    tag = "schools",
    params(SchoolPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the school changed since")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/schools/{id}")]
pub async fn delete_school(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<SchoolPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::SchoolsWrite)?;
    let actor = caller.actor();
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let current = store::find(conn, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            if !store::delete(conn, &id, current.version)? {
                return Err(ApiError::raced());
            }
            audit::deleted(conn, &actor, RESOURCE, &id, &School::try_from(current)?)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
