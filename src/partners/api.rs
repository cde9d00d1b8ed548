//! Routes and wire types for `/partners`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    offerings_from_column, offerings_to_column, Offering, PartnerInput, PartnerKind, PartnerStatus,
};
use super::store::{self, PartnerFilter, PartnerRow};
use crate::address::Address;
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::keyset::ListSort;
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, not_modified, IfMatch, IfNoneMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};

/// A community partner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Kennebec River Museum",
    "kind": "museum",
    "external_id": "CRM-2231",
    "description": "Regional history museum; hosts field trips and reviews student exhibitions.",
    "website": "https://kennebecmuseum.example.org",
    "address": {"line1": "5 Water Street", "line2": null, "city": "Gardiner", "region": "ME", "postal_code": "04345", "country": "US"},
    "offerings": ["speaker", "field_trip_host", "exhibition_review"],
    "status": "active",
    "referred_by": null,
    "version": 3,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T20:01:12.654321Z"
}))]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub kind: PartnerKind,
    pub external_id: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub address: Address,
    pub offerings: Vec<Offering>,
    pub status: PartnerStatus,
    /// Id of the partner who referred this one.
    pub referred_by: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TryFrom<PartnerRow> for Partner {
    type Error = ApiError;

    fn try_from(row: PartnerRow) -> Result<Self, ApiError> {
        Ok(Partner {
            kind: stored(PartnerKind::parse(&row.kind), "kind", &row.kind)?,
            status: stored(PartnerStatus::parse(&row.status), "status", &row.status)?,
            offerings: offerings_from_column(&row.offerings)?,
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
            description: row.description,
            website: row.website,
            referred_by: row.referred_by,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

impl From<Partner> for PartnerInput {
    fn from(p: Partner) -> Self {
        PartnerInput {
            name: Some(p.name),
            kind: Some(p.kind),
            external_id: p.external_id,
            description: p.description,
            website: p.website,
            address: Some(p.address),
            offerings: Some(p.offerings),
            status: Some(p.status),
            referred_by: p.referred_by,
        }
    }
}

fn row_from(input: PartnerInput, stamp: Stamp) -> PartnerRow {
    let [address_line1, address_line2, city, region, postal_code, country] =
        input.address.unwrap_or_default().into_columns();
    PartnerRow {
        id: stamp.id,
        external_id: input.external_id,
        name: input.name.unwrap_or_default(),
        kind: input.kind.unwrap_or(PartnerKind::Other).as_str().to_owned(),
        description: input.description,
        website: input.website,
        address_line1,
        address_line2,
        city,
        region,
        postal_code,
        country,
        offerings: offerings_to_column(input.offerings.as_deref().unwrap_or_default()),
        status: input
            .status
            .unwrap_or(PartnerStatus::Prospect)
            .as_str()
            .to_owned(),
        referred_by: input.referred_by,
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

const RESOURCE: &str = "partner";

fn not_found() -> ApiError {
    ApiError::not_found("partner")
}

/// The referrer must be an existing partner: a 422 on the field, not a foreign-key 409.
fn check_referrer(conn: &mut DbConnection, row: &PartnerRow) -> Result<(), ApiError> {
    match &row.referred_by {
        Some(referrer) if !store::exists(conn, referrer)? => Err(ApiError::field(
            "referred_by",
            "not_found",
            "referred_by must be the id of an existing partner",
        )),
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartnerListQuery {
    /// Case-insensitive search in the name.
    pub q: Option<String>,
    pub kind: Option<PartnerKind>,
    pub status: Option<PartnerStatus>,
    /// Partners offering this.
    pub offering: Option<Offering>,
    /// Partners referred by this partner id.
    pub referred_by: Option<String>,
    pub external_id: Option<String>,
    /// Only partners changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Default `id` (creation order).
    pub sort: Option<ListSort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List partners.
#[utoipa::path(
    tag = "partners",
    params(PartnerListQuery),
    responses((status = 200, description = "A page of partners", body = paging::Page<Partner>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/partners")]
pub async fn list_partners(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<PartnerListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(query.sort, query.limit, query.cursor.as_deref())?;
    let filter = PartnerFilter {
        q: query.q,
        kind: query.kind.map(PartnerKind::as_str),
        status: query.status.map(PartnerStatus::as_str),
        offering: query.offering.map(Offering::as_str),
        referred_by: query.referred_by,
        external_id: query.external_id,
        updated_since: query.updated_since,
        only: caller.partner_scope(),
    };
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(conn, &filter, sort, after.as_ref(), limit + 1)?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, Partner::try_from)
}

/// Create a partner.
#[utoipa::path(
    tag = "partners",
    request_body = PartnerInput,
    responses((status = 201, description = "Created", body = Partner,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/partners")]
pub async fn create_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
    let actor = caller.actor();
    let input = body.into_inner();
    input.check(None)?;
    let row = row_from(input, Stamp::fresh());
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            check_referrer(conn, &row)?;
            store::insert(conn, &row)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &row.id,
                &Partner::try_from(row.clone())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let partner = Partner::try_from(row)?;
    Ok(created(
        &partner,
        &format!("/api/v1/partners/{}", partner.id),
        partner.version,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartnerPath {
    /// The partner's id.
    pub id: String,
}

/// Get one partner.
#[utoipa::path(
    tag = "partners",
    params(PartnerPath, ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read; 304 when unchanged")),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the given ETag"),
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerPath>,
    if_none_match: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    let only = caller.partner_scope();
    let row = db::run(&pool, move |conn| {
        store::find_visible(conn, &id, only.as_deref())?.ok_or_else(not_found)
    })
    .await?;
    if if_none_match.matches(row.version) {
        return Ok(not_modified(row.version));
    }
    let partner = Partner::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &partner, partner.version))
}

async fn update_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: String,
    if_match: IfMatch,
    change: Change<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
    let actor = caller.actor();
    if !is_id(&id) {
        return Err(not_found());
    }
    if let Change::Replace(input) = &change {
        input.check(Some(&id))?;
    }
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let current = store::find(conn, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&PartnerInput::from(Partner::try_from(current.clone())?))?;
            input.check(Some(&id))?;
            if row_from(input.clone(), current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, current.stamp().bumped());
            check_referrer(conn, &next)?;
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let (before, after) = (
                Partner::try_from(current)?,
                Partner::try_from(next.clone())?,
            );
            audit::updated(conn, &actor, RESOURCE, &next.id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let partner = Partner::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &partner, partner.version))
}

/// Replace a partner.
///
/// Every writable field is set from the body; absent optional fields are cleared.
#[utoipa::path(
    tag = "partners",
    params(PartnerPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the partner changed since")),
    request_body = PartnerInput,
    responses((status = 200, description = "The updated partner", body = Partner, headers(("ETag" = String))))
)]
#[put("/partners/{id}")]
pub async fn replace_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerPath>,
    if_match: IfMatch,
    body: web::Json<PartnerInput>,
) -> Result<HttpResponse, ApiError> {
    update_partner(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change some fields of a partner (JSON Merge Patch, RFC 7396).
///
/// Fields present in the body are set, `null` clears a field, absent fields are kept. To
/// retire a partner, set `status` to `archived`.
#[utoipa::path(
    tag = "partners",
    params(PartnerPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the partner changed since")),
    request_body(content = PartnerInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"status": "archived"})),
    responses((status = 200, description = "The updated partner", body = Partner, headers(("ETag" = String))))
)]
#[patch("/partners/{id}")]
pub async fn patch_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_partner(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Delete a partner and its contacts.
///
/// Refused with 409 while other records refer to the partner (e.g. partners it referred);
/// set `status` to `archived` instead.
#[utoipa::path(
    tag = "partners",
    params(PartnerPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the partner changed since")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/partners/{id}")]
pub async fn delete_partner(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
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
            let referred = store::count_referred(conn, &id)?;
            if referred > 0 {
                return Err(ApiError::Conflict(format!(
                    "{referred} partner(s) name this partner in referred_by; archive it instead (status: archived)"
                )));
            }
            if !store::delete(conn, &id, current.version)? {
                return Err(ApiError::raced());
            }
            audit::deleted(conn, &actor, RESOURCE, &id, &Partner::try_from(current)?)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
