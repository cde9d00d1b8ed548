//! Routes and wire types for `/partners/{partner_id}/contacts`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::ContactInput;
use super::store::{self, ContactFilter, ContactRow};
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::keyset::ListSort;
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, not_modified, IfMatch, IfNoneMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};
use crate::partners::store as partners;

/// A person at a partner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-9d8e-7f6a-8b5c-4d3e2f1a0b9c",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Dana Whitcomb",
    "email": "dana.whitcomb@kennebecmuseum.example.org",
    "phone": "+1 207 555 0142",
    "role": "Education director",
    "primary": true,
    "external_id": null,
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Contact {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: Option<String>,
    pub primary: bool,
    pub external_id: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ContactRow> for Contact {
    fn from(row: ContactRow) -> Self {
        Contact {
            id: row.id,
            partner_id: row.partner_id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            role: row.role,
            primary: row.is_primary,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

impl From<&ContactRow> for ContactInput {
    fn from(row: &ContactRow) -> Self {
        ContactInput {
            name: Some(row.name.clone()),
            email: row.email.clone(),
            phone: row.phone.clone(),
            role: row.role.clone(),
            primary: Some(row.is_primary),
            external_id: row.external_id.clone(),
        }
    }
}

fn row_from(input: ContactInput, partner_id: &str, stamp: Stamp) -> ContactRow {
    ContactRow {
        id: stamp.id,
        partner_id: partner_id.to_owned(),
        external_id: input.external_id,
        name: input.name.unwrap_or_default(),
        email: input.email,
        phone: input.phone,
        role: input.role,
        is_primary: input.primary.unwrap_or(false),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

const RESOURCE: &str = "contact";

fn partner_not_found() -> ApiError {
    ApiError::not_found("partner")
}

fn not_found() -> ApiError {
    ApiError::not_found("contact")
}

/// Locks the partner's row, which serialises every change to its contacts (and so the
/// one-primary rule); 404 when there is no such partner.
fn lock_partner(conn: &mut DbConnection, partner_id: &str) -> Result<(), ApiError> {
    if partners::lock(conn, partner_id)? {
        Ok(())
    } else {
        Err(partner_not_found())
    }
}

/// Writes `row` (an update of `before`, or new), first demoting the partner's other primary
/// contact when `row` is primary, and records it in the audit trail.
fn save(
    conn: &mut DbConnection,
    row: &ContactRow,
    before: Option<&ContactRow>,
    actor: &audit::Actor,
) -> Result<(), ApiError> {
    if row.is_primary {
        for previous in store::other_primaries(conn, &row.partner_id, &row.id)? {
            let demoted = ContactRow {
                is_primary: false,
                version: previous.version + 1,
                updated_at: row.updated_at,
                ..previous.clone()
            };
            if !store::update(conn, &demoted, previous.version)? {
                return Err(ApiError::raced());
            }
            let (old, new) = (Contact::from(previous), Contact::from(demoted));
            audit::updated(conn, actor, RESOURCE, &new.id, &old, &new)?;
        }
    }
    let after = Contact::from(row.clone());
    match before {
        None => {
            store::insert(conn, row)?;
            audit::created(conn, actor, RESOURCE, &row.id, &after)?;
        }
        Some(before) => {
            if !store::update(conn, row, before.version)? {
                return Err(ApiError::raced());
            }
            let old = Contact::from(before.clone());
            audit::updated(conn, actor, RESOURCE, &row.id, &old, &after)?;
        }
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartnerContactsPath {
    /// The partner's id.
    pub partner_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ContactPath {
    /// The partner's id.
    pub partner_id: String,
    /// The contact's id.
    pub id: String,
}

impl ContactPath {
    fn ids(self) -> Result<(String, String), ApiError> {
        if !is_id(&self.partner_id) {
            return Err(partner_not_found());
        }
        if !is_id(&self.id) {
            return Err(not_found());
        }
        Ok((self.partner_id, self.id))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListQuery {
    /// Case-insensitive search in the name.
    pub q: Option<String>,
    pub primary: Option<bool>,
    /// Only contacts changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Default `id` (creation order).
    pub sort: Option<ListSort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List a partner's contacts.
#[utoipa::path(
    tag = "contacts",
    params(PartnerContactsPath, ContactListQuery),
    responses((status = 200, description = "A page of contacts", body = paging::Page<Contact>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/partners/{partner_id}/contacts")]
pub async fn list_contacts(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerContactsPath>,
    query: web::Query<ContactListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let only = caller.partner_scope();
    let partner_id = path.into_inner().partner_id;
    if !is_id(&partner_id) {
        return Err(partner_not_found());
    }
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(query.sort, query.limit, query.cursor.as_deref())?;
    let filter = ContactFilter {
        q: query.q,
        primary: query.primary,
        updated_since: query.updated_since,
    };
    let rows = db::run(&pool, move |conn| {
        if !partners::exists_visible(conn, &partner_id, only.as_deref())? {
            return Err(partner_not_found());
        }
        Ok(store::list(
            conn,
            &partner_id,
            &filter,
            sort,
            after.as_ref(),
            limit + 1,
        )?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, |r| Ok(Contact::from(r)))
}

/// Add a contact to a partner.
#[utoipa::path(
    tag = "contacts",
    params(PartnerContactsPath),
    request_body = ContactInput,
    responses((status = 201, description = "Created", body = Contact,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/partners/{partner_id}/contacts")]
pub async fn create_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<PartnerContactsPath>,
    body: web::Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
    let actor = caller.actor();
    let partner_id = path.into_inner().partner_id;
    if !is_id(&partner_id) {
        return Err(partner_not_found());
    }
    let input = body.into_inner();
    input.check()?;
    let row = row_from(input, &partner_id, Stamp::fresh());
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            lock_partner(conn, &row.partner_id)?;
            save(conn, &row, None, &actor)?;
            Ok(row)
        })
    })
    .await?;
    let location = format!("/api/v1/partners/{}/contacts/{}", row.partner_id, row.id);
    let contact = Contact::from(row);
    Ok(created(&contact, &location, contact.version))
}

/// Get one contact.
#[utoipa::path(
    tag = "contacts",
    params(ContactPath, ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read; 304 when unchanged")),
    responses(
        (status = 200, description = "The contact", body = Contact, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the given ETag"),
    )
)]
#[get("/partners/{partner_id}/contacts/{id}")]
pub async fn get_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ContactPath>,
    if_none_match: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    let (partner_id, id) = path.into_inner().ids()?;
    let only = caller.partner_scope();
    let row = db::run(&pool, move |conn| {
        if !partners::exists_visible(conn, &partner_id, only.as_deref())? {
            return Err(partner_not_found());
        }
        store::find(conn, &partner_id, &id)?.ok_or_else(not_found)
    })
    .await?;
    if if_none_match.matches(row.version) {
        return Ok(not_modified(row.version));
    }
    let contact = Contact::from(row);
    Ok(json_with_etag(StatusCode::OK, &contact, contact.version))
}

async fn update_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: ContactPath,
    if_match: IfMatch,
    change: Change<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
    let actor = caller.actor();
    let (partner_id, id) = path.ids()?;
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            lock_partner(conn, &partner_id)?;
            let current = store::find(conn, &partner_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let input = change.resolve(&ContactInput::from(&current))?;
            input.check()?;
            if row_from(input.clone(), &partner_id, current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, &partner_id, current.stamp().bumped());
            save(conn, &next, Some(&current), &actor)?;
            Ok(next)
        })
    })
    .await?;
    let contact = Contact::from(row);
    Ok(json_with_etag(StatusCode::OK, &contact, contact.version))
}

/// Replace a contact.
#[utoipa::path(
    tag = "contacts",
    params(ContactPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the contact changed since")),
    request_body = ContactInput,
    responses((status = 200, description = "The updated contact", body = Contact, headers(("ETag" = String))))
)]
#[put("/partners/{partner_id}/contacts/{id}")]
pub async fn replace_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ContactPath>,
    if_match: IfMatch,
    body: web::Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    update_contact(
        caller,
        pool,
        path.into_inner(),
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change some fields of a contact (JSON Merge Patch, RFC 7396).
#[utoipa::path(
    tag = "contacts",
    params(ContactPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the contact changed since")),
    request_body(content = ContactInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"primary": true})),
    responses((status = 200, description = "The updated contact", body = Contact, headers(("ETag" = String))))
)]
#[patch("/partners/{partner_id}/contacts/{id}")]
pub async fn patch_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ContactPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_contact(
        caller,
        pool,
        path.into_inner(),
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Remove a contact.
#[utoipa::path(
    tag = "contacts",
    params(ContactPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the contact changed since")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/partners/{partner_id}/contacts/{id}")]
pub async fn delete_contact(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ContactPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersWrite)?;
    let actor = caller.actor();
    let (partner_id, id) = path.into_inner().ids()?;
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            lock_partner(conn, &partner_id)?;
            let current = store::find(conn, &partner_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            if !store::delete(conn, &id, current.version)? {
                return Err(ApiError::raced());
            }
            audit::deleted(conn, &actor, RESOURCE, &id, &Contact::from(current))?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
