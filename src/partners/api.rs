//! Routes and wire types for `/partners`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    offerings_from_column, offerings_to_column, Offering, PartnerInput, PartnerKind, PartnerStatus,
    VettingInput, VettingStatus,
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
    pub continuum_level_id: Option<String>,
    pub vetting: Vetting,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A partner's vetting as readers see it today.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vetting {
    /// `expired` when approved but the background check or insurance has run out.
    pub status: VettingStatus,
    pub background_check_on: Option<chrono::NaiveDate>,
    pub background_check_expires_on: Option<chrono::NaiveDate>,
    pub insurance_expires_on: Option<chrono::NaiveDate>,
    pub notes: Option<String>,
    /// Who last changed the status (a client or user id), and when.
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TryFrom<PartnerRow> for Partner {
    type Error = ApiError;

    fn try_from(row: PartnerRow) -> Result<Self, ApiError> {
        let stored_vetting = stored(
            VettingStatus::parse(&row.vetting_status),
            "vetting status",
            &row.vetting_status,
        )?;
        Ok(Partner {
            vetting: Vetting {
                status: stored_vetting.effective(
                    [row.background_check_expires_on, row.insurance_expires_on],
                    crate::db::today(),
                ),
                background_check_on: row.background_check_on,
                background_check_expires_on: row.background_check_expires_on,
                insurance_expires_on: row.insurance_expires_on,
                notes: row.vetting_notes,
                decided_by: row.vetting_decided_by,
                decided_at: row.vetting_decided_at.map(|t| t.and_utc()),
            },
            continuum_level_id: row.continuum_level_id,
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

/// The writable state of a stored partner (vetting as stored, not as read today).
fn input_of(row: &PartnerRow) -> Result<PartnerInput, ApiError> {
    Ok(PartnerInput {
        name: Some(row.name.clone()),
        kind: Some(stored(PartnerKind::parse(&row.kind), "kind", &row.kind)?),
        external_id: row.external_id.clone(),
        description: row.description.clone(),
        website: row.website.clone(),
        address: Some(Address::from_columns([
            row.address_line1.clone(),
            row.address_line2.clone(),
            row.city.clone(),
            row.region.clone(),
            row.postal_code.clone(),
            row.country.clone(),
        ])),
        offerings: Some(offerings_from_column(&row.offerings)?),
        status: Some(stored(
            PartnerStatus::parse(&row.status),
            "status",
            &row.status,
        )?),
        referred_by: row.referred_by.clone(),
        continuum_level_id: row.continuum_level_id.clone(),
        vetting: Some(VettingInput {
            status: Some(stored(
                VettingStatus::parse(&row.vetting_status),
                "vetting status",
                &row.vetting_status,
            )?),
            background_check_on: row.background_check_on,
            background_check_expires_on: row.background_check_expires_on,
            insurance_expires_on: row.insurance_expires_on,
            notes: row.vetting_notes.clone(),
        }),
    })
}

/// Approving or rejecting a partner's vetting is an administrator's decision, so the staff who
/// propose an agreement cannot also clear its partners (anyone who writes partners may mark a
/// vetting pending or record dates and notes).
fn check_vetting_authority(caller: &Caller, before: &str, after: &str) -> Result<(), ApiError> {
    let decisive = [
        VettingStatus::Approved.as_str(),
        VettingStatus::Rejected.as_str(),
    ];
    if before != after && decisive.contains(&after) {
        caller.require_admin().map_err(|_| {
            ApiError::Forbidden(
                "only administrators approve or reject a partner's vetting".to_owned(),
            )
        })?;
    }
    Ok(())
}

/// Records who decided the vetting when its status changes; keeps the earlier decision
/// otherwise.
fn decide(next: &mut PartnerRow, before: Option<&PartnerRow>, actor_id: &str) {
    let unchanged = match before {
        Some(b) => b.vetting_status == next.vetting_status,
        None => next.vetting_status == VettingStatus::NotStarted.as_str(),
    };
    if unchanged {
        next.vetting_decided_by = before.and_then(|b| b.vetting_decided_by.clone());
        next.vetting_decided_at = before.and_then(|b| b.vetting_decided_at);
    } else {
        next.vetting_decided_by = Some(actor_id.to_owned());
        next.vetting_decided_at = Some(next.updated_at);
    }
}

fn row_from(input: PartnerInput, stamp: Stamp) -> PartnerRow {
    let vetting = input.vetting.clone().unwrap_or(VettingInput {
        status: None,
        background_check_on: None,
        background_check_expires_on: None,
        insurance_expires_on: None,
        notes: None,
    });
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
        continuum_level_id: input.continuum_level_id,
        vetting_status: vetting
            .status
            .unwrap_or(VettingStatus::NotStarted)
            .as_str()
            .to_owned(),
        background_check_on: vetting.background_check_on,
        background_check_expires_on: vetting.background_check_expires_on,
        insurance_expires_on: vetting.insurance_expires_on,
        vetting_notes: vetting.notes,
        vetting_decided_by: None,
        vetting_decided_at: None,
    }
}

const RESOURCE: &str = "partner";

fn not_found() -> ApiError {
    ApiError::not_found("partner")
}

/// The referrer and the continuum level must exist: a 422 on the field, not a foreign-key 409.
fn check_references(conn: &mut DbConnection, row: &PartnerRow) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(referrer) = &row.referred_by {
        if !store::exists(conn, referrer)? {
            errors.push(crate::error::FieldError::new(
                "referred_by",
                "not_found",
                "referred_by must be the id of an existing partner",
            ));
        }
    }
    if let Some(level) = &row.continuum_level_id {
        if crate::continuum::store::find(conn, level)?.is_none() {
            errors.push(crate::error::FieldError::new(
                "continuum_level_id",
                "not_found",
                "continuum_level_id must be the id of a continuum level",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
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
    /// Partners at this level of the continuum.
    pub continuum_level_id: Option<String>,
    /// Vetting status as read today (`expired` includes approvals whose dates have passed).
    pub vetting_status: Option<VettingStatus>,
    /// Approved partners whose background check or insurance runs out within this many days.
    #[param(minimum = 0, maximum = 3650)]
    pub vetting_expiring_within_days: Option<u32>,
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
    let today = crate::db::today();
    let filter = PartnerFilter {
        q: query.q,
        kind: query.kind.map(PartnerKind::as_str),
        status: query.status.map(PartnerStatus::as_str),
        offering: query.offering.map(Offering::as_str),
        referred_by: query.referred_by,
        external_id: query.external_id,
        updated_since: query.updated_since,
        only: caller.partner_scope(),
        continuum_level_id: query.continuum_level_id,
        vetting: query.vetting_status.map(|v| (v.as_str(), today)),
        vetting_expiring: match query.vetting_expiring_within_days {
            Some(days) if days > 3650 => {
                return Err(ApiError::BadRequest(
                    "vetting_expiring_within_days must be at most 3650".into(),
                ))
            }
            Some(days) => Some((today, today + chrono::Days::new(u64::from(days)))),
            None => None,
        },
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
    let mut row = row_from(input, Stamp::fresh());
    decide(&mut row, None, &actor.id);
    check_vetting_authority(
        &caller,
        VettingStatus::NotStarted.as_str(),
        &row.vetting_status,
    )?;
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            check_references(conn, &row)?;
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
            let input = change.resolve(&input_of(&current)?)?;
            input.check(Some(&id))?;
            let mut same = row_from(input.clone(), current.stamp());
            decide(&mut same, Some(&current), &actor.id);
            if same == current {
                return Ok(current);
            }
            let mut next = row_from(input, current.stamp().bumped());
            decide(&mut next, Some(&current), &actor.id);
            check_vetting_authority(&caller, &current.vetting_status, &next.vetting_status)?;
            check_references(conn, &next)?;
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
            // Its contacts go with it; each removal is recorded.
            for contact in crate::contacts::store::all_of(conn, &id)? {
                let contact = crate::contacts::api::Contact::from(contact);
                audit::deleted(conn, &actor, "contact", &contact.id, &contact)?;
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
