//! Routes and wire types for `/agreements`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::model::{AgreementInput, AgreementStatus, Channel, Contribution, ReviewCadence};
use super::store::{self, AgreementFilter, AgreementRow, StatusFilter, TransitionRow, VersionRow};
use crate::audit::{self, Actor};
use crate::auth::{Caller, Scope};
use crate::config::Policy;
use crate::db::sql::{is_id, new_id};
use crate::db::{self, now, today, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::{ApiError, FieldError};
use crate::http::etag::{created, json_with_etag, not_modified, IfMatch, IfNoneMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};
use crate::partners::model::VettingStatus;

pub const RESOURCE: &str = "agreement";

crate::text_enum! {
    /// Sort order of agreements: a field, descending when prefixed with `-`. Ties break on `id`.
    pub enum AgreementSort {
        Id => "id",
        IdDesc => "-id",
        Title => "title",
        TitleDesc => "-title",
        CreatedAt => "created_at",
        CreatedAtDesc => "-created_at",
        UpdatedAt => "updated_at",
        UpdatedAtDesc => "-updated_at",
    }
}

impl From<AgreementSort> for crate::db::keyset::ListSort {
    fn from(s: AgreementSort) -> Self {
        use crate::db::keyset::ListSort as L;
        match s {
            AgreementSort::Id => L::Id,
            AgreementSort::IdDesc => L::IdDesc,
            AgreementSort::Title => L::Name,
            AgreementSort::TitleDesc => L::NameDesc,
            AgreementSort::CreatedAt => L::CreatedAt,
            AgreementSort::CreatedAtDesc => L::CreatedAtDesc,
            AgreementSort::UpdatedAt => L::UpdatedAt,
            AgreementSort::UpdatedAtDesc => L::UpdatedAtDesc,
        }
    }
}

/// A partnership agreement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Agreement {
    pub id: String,
    pub title: String,
    /// As read today: `expired` when active past its end date. Changed only through
    /// `POST /agreements/{id}/transitions`.
    pub status: AgreementStatus,
    pub external_id: Option<String>,
    pub lead_partner_id: String,
    /// Further partners (not the lead).
    pub partner_ids: Vec<String>,
    pub school_ids: Vec<String>,
    pub liaison_user_id: Option<String>,
    pub purpose: Option<String>,
    pub shared_vision: Option<String>,
    pub desired_outcomes: Vec<String>,
    pub contributions: Vec<Contribution>,
    pub processes: Option<String>,
    pub communication_channels: Vec<Channel>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub review_cadence: ReviewCadence,
    pub involves_students: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored agreement with its partners and schools.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub row: AgreementRow,
    pub others: Vec<String>,
    pub schools: Vec<String>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<Vec<T>, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(format!("stored {what} is not valid: {e}")))
}

impl Loaded {
    pub fn stored_status(&self) -> Result<AgreementStatus, ApiError> {
        stored(
            AgreementStatus::parse(&self.row.status),
            "status",
            &self.row.status,
        )
    }

    /// The agreement as read on `today`, or as stored (`None`: for version snapshots).
    pub fn represent(&self, today: Option<NaiveDate>) -> Result<Agreement, ApiError> {
        let row = &self.row;
        let status = self.stored_status()?;
        Ok(Agreement {
            id: row.id.clone(),
            title: row.title.clone(),
            status: today.map_or(status, |t| status.effective(row.end_date, t)),
            external_id: row.external_id.clone(),
            lead_partner_id: row.lead_partner_id.clone(),
            partner_ids: self.others.clone(),
            school_ids: self.schools.clone(),
            liaison_user_id: row.liaison_user_id.clone(),
            purpose: row.purpose.clone(),
            shared_vision: row.shared_vision.clone(),
            desired_outcomes: json_list(&row.desired_outcomes, "desired outcomes")?,
            contributions: json_list(&row.contributions, "contributions")?,
            processes: row.processes.clone(),
            communication_channels: json_list(&row.communication_channels, "channels")?,
            start_date: row.start_date,
            end_date: row.end_date,
            review_cadence: stored(
                ReviewCadence::parse(&row.review_cadence),
                "cadence",
                &row.review_cadence,
            )?,
            involves_students: row.involves_students,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn input(&self) -> Result<AgreementInput, ApiError> {
        let a = self.represent(None)?;
        Ok(AgreementInput {
            title: Some(a.title),
            external_id: a.external_id,
            lead_partner_id: Some(a.lead_partner_id),
            partner_ids: Some(a.partner_ids),
            school_ids: Some(a.school_ids),
            liaison_user_id: a.liaison_user_id,
            purpose: a.purpose,
            shared_vision: a.shared_vision,
            desired_outcomes: Some(a.desired_outcomes),
            contributions: Some(a.contributions),
            processes: a.processes,
            communication_channels: Some(a.communication_channels),
            start_date: Some(a.start_date),
            end_date: Some(a.end_date),
            review_cadence: Some(a.review_cadence),
            involves_students: Some(a.involves_students),
        })
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// What `input` describes, with the status and bookkeeping given.
fn loaded_from(input: &AgreementInput, status: AgreementStatus, stamp: Stamp) -> Loaded {
    let outcomes: Vec<String> = input
        .desired_outcomes
        .iter()
        .flatten()
        .map(|o| o.trim().to_owned())
        .collect();
    Loaded {
        row: AgreementRow {
            id: stamp.id,
            external_id: input.external_id.clone(),
            title: input.title.clone().unwrap_or_default(),
            lead_partner_id: input.lead_partner_id.clone().unwrap_or_default(),
            liaison_user_id: input.liaison_user_id.clone(),
            purpose: input.purpose.clone(),
            shared_vision: input.shared_vision.clone(),
            desired_outcomes: to_json(&outcomes),
            contributions: to_json(&input.contributions.clone().unwrap_or_default()),
            processes: input.processes.clone(),
            communication_channels: to_json(
                &input.communication_channels.clone().unwrap_or_default(),
            ),
            start_date: input.start_date.unwrap_or_default(),
            end_date: input.end_date.unwrap_or_default(),
            review_cadence: input
                .review_cadence
                .unwrap_or(ReviewCadence::Quarterly)
                .as_str()
                .to_owned(),
            involves_students: input.involves_students.unwrap_or(true),
            status: status.as_str().to_owned(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        },
        others: input.other_partner_ids(),
        schools: input.school_ids(),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("agreement")
}

/// Loads agreements with their partners and schools (two queries for any number).
pub fn load_many(
    conn: &mut DbConnection,
    rows: Vec<AgreementRow>,
) -> Result<Vec<Loaded>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (agreement, partner, is_lead) in store::partners_of(conn, &ids)? {
        if !is_lead {
            others.entry(agreement).or_default().push(partner);
        }
    }
    let mut schools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (agreement, school) in store::schools_of(conn, &ids)? {
        schools.entry(agreement).or_default().push(school);
    }
    Ok(rows
        .into_iter()
        .map(|row| Loaded {
            others: others.remove(&row.id).unwrap_or_default(),
            schools: schools.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// One agreement as the caller may see it (partner role: only its own), or 404.
pub fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<Loaded, ApiError> {
    if !is_id(id) {
        return Err(not_found());
    }
    let scope = caller.partner_scope();
    let row = store::find(conn, id, scope.as_deref())?.ok_or_else(not_found)?;
    load_many(conn, vec![row])?.pop().ok_or_else(not_found)
}

/// The partners, schools and liaison named must exist (422 on the field).
fn check_references(conn: &mut DbConnection, loaded: &Loaded) -> Result<(), ApiError> {
    use crate::db::schema::{partners, schools, users};
    use diesel::prelude::*;
    let mut errors = Vec::new();
    let mut partner_ids = loaded.others.clone();
    partner_ids.push(loaded.row.lead_partner_id.clone());
    let found: i64 = partners::table
        .filter(partners::id.eq_any(&partner_ids))
        .count()
        .get_result(conn)?;
    if usize::try_from(found).unwrap_or(0) != partner_ids.len() {
        errors.push(FieldError::new(
            "partner_ids",
            "not_found",
            "lead_partner_id and partner_ids must be existing partners",
        ));
    }
    let found: i64 = schools::table
        .filter(schools::id.eq_any(&loaded.schools))
        .count()
        .get_result(conn)?;
    if usize::try_from(found).unwrap_or(0) != loaded.schools.len() {
        errors.push(FieldError::new(
            "school_ids",
            "not_found",
            "every school id must be an existing school",
        ));
    }
    if let Some(liaison) = &loaded.row.liaison_user_id {
        let exists: bool =
            diesel::select(diesel::dsl::exists(users::table.find(liaison))).get_result(conn)?;
        if !exists {
            errors.push(FieldError::new(
                "liaison_user_id",
                "not_found",
                "liaison_user_id must be an existing user",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// An agreement involving students becomes (or stays) active only with every partner vetted.
fn check_vetting(
    conn: &mut DbConnection,
    loaded: &Loaded,
    settings: &Policy,
) -> Result<(), ApiError> {
    if !settings.require_vetting || !loaded.row.involves_students {
        return Ok(());
    }
    let today = today();
    let mut ids = vec![loaded.row.lead_partner_id.clone()];
    ids.extend(loaded.others.iter().cloned());
    let mut errors = Vec::new();
    for id in ids {
        let Some(partner) =
            <crate::partners::store::PartnerRow as crate::resource::Stored>::find(conn, &id)?
        else {
            continue;
        };
        let status = VettingStatus::parse(&partner.vetting_status)
            .unwrap_or(VettingStatus::NotStarted)
            .effective(
                [
                    partner.background_check_expires_on,
                    partner.insurance_expires_on,
                ],
                today,
            );
        if status != VettingStatus::Approved {
            let field = if id == loaded.row.lead_partner_id {
                "lead_partner_id"
            } else {
                "partner_ids"
            };
            errors.push(FieldError::new(
                field,
                "vetting",
                format!(
                    "partner {:?} is not approved (vetting: {status}); students may meet only vetted partners, so approve its vetting first",
                    partner.name
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Records a version snapshot of `loaded` (as stored) by `actor`.
pub fn record_version(
    conn: &mut DbConnection,
    loaded: &Loaded,
    action: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    let snapshot = serde_json::to_string(&loaded.represent(None)?)
        .map_err(|e| ApiError::Internal(format!("cannot snapshot: {e}")))?;
    store::insert_version(
        conn,
        &VersionRow {
            agreement_id: loaded.row.id.clone(),
            version: loaded.row.version,
            snapshot,
            action: action.to_owned(),
            actor_id: actor.id.clone(),
            actor_role: actor.role.clone(),
            recorded_at: loaded.row.updated_at,
        },
    )?;
    Ok(())
}

fn save_links(conn: &mut DbConnection, loaded: &Loaded) -> Result<(), ApiError> {
    store::set_partners(
        conn,
        &loaded.row.id,
        &loaded.row.lead_partner_id,
        &loaded.others,
    )?;
    store::set_schools(conn, &loaded.row.id, &loaded.schools)?;
    Ok(())
}

/// The body of a PUT or PATCH: the status is not a field of it.
fn refuse_status(body: &Value) -> Result<(), ApiError> {
    if body.get("status").is_some() {
        return Err(ApiError::field(
            "status",
            "read_only",
            "the status changes only through POST /api/v1/agreements/{id}/transitions",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementListQuery {
    /// Case-insensitive search in the title.
    pub q: Option<String>,
    /// Status as read today (`expired`: active past the end date).
    pub status: Option<AgreementStatus>,
    /// Agreements this partner is part of (lead or not).
    pub partner_id: Option<String>,
    pub lead_partner_id: Option<String>,
    pub school_id: Option<String>,
    pub external_id: Option<String>,
    /// Only agreements changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Default `id` (creation order).
    pub sort: Option<AgreementSort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List agreements (a partner sees only its own).
#[utoipa::path(
    tag = "agreements",
    params(AgreementListQuery),
    responses((status = 200, description = "A page of agreements", body = paging::Page<Agreement>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/agreements")]
pub async fn list_agreements(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<AgreementListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } = PageRequest::new(
        query
            .sort
            .map(|s| crate::db::keyset::ListSort::from(s).into()),
        query.limit,
        query.cursor.as_deref(),
    )?;
    let today = today();
    let filter = AgreementFilter {
        q: query.q,
        status: query.status.map(|s| match s {
            AgreementStatus::Active => StatusFilter::ActiveOn(today),
            AgreementStatus::Expired => StatusFilter::ExpiredOn(today),
            other => StatusFilter::Stored(other.as_str()),
        }),
        partner_id: query.partner_id,
        lead_partner_id: query.lead_partner_id,
        school_id: query.school_id,
        external_id: query.external_id,
        updated_since: query.updated_since,
    };
    let scope = caller.partner_scope();
    let loaded = db::run(&pool, move |conn| {
        let rows = store::list(
            conn,
            scope.as_deref(),
            &filter,
            sort,
            after.as_ref(),
            limit + 1,
        )?;
        load_many(conn, rows)
    })
    .await?;
    let rows: Vec<AgreementRow> = loaded.iter().map(|l| l.row.clone()).collect();
    let mut by_id: BTreeMap<String, Loaded> =
        loaded.into_iter().map(|l| (l.row.id.clone(), l)).collect();
    paging::respond_rows(&req, rows, limit, sort, |row| {
        by_id
            .remove(&row.id)
            .ok_or_else(not_found)?
            .represent(Some(today))
    })
}

/// Create an agreement (as a draft).
#[utoipa::path(
    tag = "agreements",
    request_body = AgreementInput,
    responses((status = 201, description = "Created", body = Agreement, headers(("Location" = String), ("ETag" = String))))
)]
#[post("/agreements")]
pub async fn create_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let body = body.into_inner();
    refuse_status(&body)?;
    let input: AgreementInput = serde_json::from_value(body).map_err(|e| {
        ApiError::BadRequest(format!("the body is not valid for this operation: {e}"))
    })?;
    input.check()?;
    let loaded = loaded_from(&input, AgreementStatus::Draft, Stamp::fresh());
    caller.check_schools(&loaded.schools)?;
    let actor = caller.actor();
    let loaded = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            check_references(conn, &loaded)?;
            store::insert(conn, &loaded.row)?;
            save_links(conn, &loaded)?;
            record_version(conn, &loaded, "create", &actor)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &loaded.row.id,
                &loaded.represent(None)?,
            )?;
            Ok(loaded)
        })
    })
    .await?;
    let agreement = loaded.represent(Some(today()))?;
    Ok(created(
        &agreement,
        &format!("/api/v1/agreements/{}", agreement.id),
        agreement.version,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgreementPath {
    /// The agreement's id.
    pub id: String,
}

/// Get an agreement.
#[utoipa::path(
    tag = "agreements",
    params(AgreementPath, ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read; 304 when unchanged")),
    responses(
        (status = 200, description = "The agreement", body = Agreement, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the given ETag"),
    )
)]
#[get("/agreements/{id}")]
pub async fn get_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
    if_none_match: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let id = path.into_inner().id;
    let loaded = db::run(&pool, move |conn| load_visible(conn, &caller, &id)).await?;
    if if_none_match.matches(loaded.row.version) {
        return Ok(not_modified(loaded.row.version));
    }
    let agreement = loaded.represent(Some(today()))?;
    Ok(json_with_etag(
        StatusCode::OK,
        &agreement,
        agreement.version,
    ))
}

/// Locks and loads an agreement for a change, checking `If-Match` and the caller's schools.
pub fn load_for_change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    if_match: &IfMatch,
) -> Result<Loaded, ApiError> {
    if !is_id(id) || !store::lock(conn, id)? {
        return Err(not_found());
    }
    let current = load_visible(conn, caller, id)?;
    if_match.check(current.row.version)?;
    caller.check_schools(&current.schools)?;
    Ok(current)
}

async fn update_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    id: String,
    if_match: IfMatch,
    change: Change<AgreementInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let actor = caller.actor();
    let loaded = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let current = load_for_change(conn, &caller, &id, &if_match)?;
            let status = current.stored_status()?;
            let input = change.resolve(&current.input()?)?;
            input.check()?;
            if loaded_from(&input, status, current.row.stamp()) == current {
                return Ok(current);
            }
            let next = loaded_from(&input, status, current.row.stamp().bumped());
            caller.check_schools(&next.schools)?;
            check_references(conn, &next)?;
            // An active agreement is re-checked only when it takes on a partner or starts to
            // involve students, so a lapsed insurance does not block fixing a typo.
            let added_partner = next
                .others
                .iter()
                .chain(std::iter::once(&next.row.lead_partner_id))
                .any(|p| *p != current.row.lead_partner_id && !current.others.contains(p));
            let now_involves = next.row.involves_students && !current.row.involves_students;
            if status == AgreementStatus::Active && (added_partner || now_involves) {
                check_vetting(conn, &next, &settings)?;
            }
            if !store::update(conn, &next.row, current.row.version)? {
                return Err(ApiError::raced());
            }
            save_links(conn, &next)?;
            record_version(conn, &next, "update", &actor)?;
            audit::updated(
                conn,
                &actor,
                RESOURCE,
                &id,
                &current.represent(None)?,
                &next.represent(None)?,
            )?;
            Ok(next)
        })
    })
    .await?;
    let agreement = loaded.represent(Some(today()))?;
    Ok(json_with_etag(
        StatusCode::OK,
        &agreement,
        agreement.version,
    ))
}

/// Replace an agreement's content (not its status).
#[utoipa::path(
    tag = "agreements",
    params(AgreementPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the agreement changed since")),
    request_body = AgreementInput,
    responses((status = 200, description = "The updated agreement", body = Agreement, headers(("ETag" = String))))
)]
#[put("/agreements/{id}")]
pub async fn replace_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    path: web::Path<AgreementPath>,
    if_match: IfMatch,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    refuse_status(&body)?;
    let input: AgreementInput = serde_json::from_value(body).map_err(|e| {
        ApiError::BadRequest(format!("the body is not valid for this operation: {e}"))
    })?;
    update_agreement(
        caller,
        pool,
        settings,
        path.into_inner().id,
        if_match,
        Change::Replace(input),
    )
    .await
}

/// Change some fields of an agreement (JSON Merge Patch; not its status).
#[utoipa::path(
    tag = "agreements",
    params(AgreementPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the agreement changed since")),
    request_body(content = AgreementInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"end_date": "2027-08-31"})),
    responses((status = 200, description = "The updated agreement", body = Agreement, headers(("ETag" = String))))
)]
#[patch("/agreements/{id}")]
pub async fn patch_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    path: web::Path<AgreementPath>,
    if_match: IfMatch,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    refuse_status(&body)?;
    update_agreement(
        caller,
        pool,
        settings,
        path.into_inner().id,
        if_match,
        Change::Merge(body),
    )
    .await
}

/// Delete a draft agreement; other statuses are refused with 409 (terminate instead).
#[utoipa::path(
    tag = "agreements",
    params(AgreementPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the agreement changed since")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/agreements/{id}")]
pub async fn delete_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let current = load_for_change(conn, &caller, &id, &if_match)?;
            if current.stored_status()? != AgreementStatus::Draft {
                return Err(ApiError::Conflict(
                    "only draft agreements can be deleted; terminate it instead".to_owned(),
                ));
            }
            store::delete(conn, &id)?;
            audit::deleted(conn, &actor, RESOURCE, &id, &current.represent(None)?)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A requested status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "active", "note": "Signed by the principal and the museum director on 2026-08-20."}))]
pub struct TransitionInput {
    pub to: AgreementStatus,
    /// Why (kept in the transition history).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Move an agreement to another status.
///
/// Legal moves: draft → proposed | terminated; proposed → active | draft | terminated;
/// active → completed | terminated | on_hold; on_hold → active | terminated. An illegal move is
/// 409 naming the allowed ones. Activating an agreement that involves students needs every
/// partner vetted (422 otherwise) and generates its check-ins at the review cadence up to the
/// end date (once: activating again adds none twice).
#[utoipa::path(
    tag = "agreements",
    params(AgreementPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the agreement changed since")),
    request_body = TransitionInput,
    responses((status = 200, description = "The agreement in its new status", body = Agreement, headers(("ETag" = String))))
)]
#[post("/agreements/{id}/transitions")]
pub async fn transition_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    path: web::Path<AgreementPath>,
    if_match: IfMatch,
    body: web::Json<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let TransitionInput { to, note } = body.into_inner();
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::field(
            "note",
            "length",
            "note must be at most 2000 characters",
        ));
    }
    if to == AgreementStatus::Expired {
        return Err(ApiError::field(
            "to",
            "read_only",
            "expired is read from the end date, never set",
        ));
    }
    let id = path.into_inner().id;
    let actor = caller.actor();
    let loaded = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let current = load_for_change(conn, &caller, &id, &if_match)?;
            let from = current.stored_status()?;
            if !from.next().contains(&to) {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                return Err(ApiError::Conflict(format!(
                    "an agreement cannot go from {from} to {to}; from {from} it can go to: {}",
                    if allowed.is_empty() { "nothing (it is closed)".to_owned() } else { allowed.join(", ") }
                )));
            }
            let mut next = current.clone();
            next.row.status = to.as_str().to_owned();
            next.row.version += 1;
            next.row.updated_at = now();
            if to == AgreementStatus::Active {
                check_vetting(conn, &next, &settings)?;
            }
            if !store::update(conn, &next.row, current.row.version)? {
                return Err(ApiError::raced());
            }
            store::insert_transition(
                conn,
                &TransitionRow {
                    id: new_id(),
                    agreement_id: id.clone(),
                    from_status: from.as_str().to_owned(),
                    to_status: to.as_str().to_owned(),
                    note: note.clone(),
                    actor_id: actor.id.clone(),
                    actor_role: actor.role.clone(),
                    occurred_at: next.row.updated_at,
                },
            )?;
            if to == AgreementStatus::Active {
                let cadence = stored(ReviewCadence::parse(&next.row.review_cadence), "cadence", &next.row.review_cadence)?;
                let dates = cadence.check_in_dates(next.row.start_date, next.row.end_date, today());
                let added = crate::timeline::store::insert_generated_check_ins(
                    conn,
                    &id,
                    cadence,
                    &dates,
                    next.row.updated_at,
                )?;
                if added > 0 {
                    let changes = serde_json::json!({"check_ins_generated": {"old": null, "new": added}});
                    audit::record(conn, &actor, RESOURCE, &id, "generate_check_ins", Some(changes))?;
                }
            }
            record_version(conn, &next, "transition", &actor)?;
            let changes = serde_json::json!({"status": {"old": from, "new": to}, "note": {"old": null, "new": note}});
            audit::record(conn, &actor, RESOURCE, &id, "transition", Some(changes))?;
            Ok(next)
        })
    })
    .await?;
    let agreement = loaded.represent(Some(today()))?;
    Ok(json_with_etag(
        StatusCode::OK,
        &agreement,
        agreement.version,
    ))
}

/// The agreement of a sub-resource the caller wants to write: visible to it, and (staff) of
/// its schools.
pub fn writable(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<Loaded, ApiError> {
    let loaded = load_visible(conn, caller, id)?;
    caller.check_schools(&loaded.schools)?;
    Ok(loaded)
}
