//! Routes for `/agreements/{agreement_id}/timeline`.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{is_overdue, CheckInRecord, TimelineItemInput, TimelineKind, TimelineStatus};
use super::store::{self, TimelineFilter, TimelineRow};
use crate::agreements::access::{load_visible, writable};
use crate::audit;
use crate::auth::{Caller, Scope};
use crate::db::sql::is_id;
use crate::db::{self, today, write_transaction, DbPool, Stamp};
use crate::error::{check_all, ApiError};
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::Page;

const RESOURCE: &str = "timeline_item";

/// A dated item on an agreement's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItem {
    pub id: String,
    pub agreement_id: String,
    pub kind: TimelineKind,
    pub title: String,
    pub scheduled_on: NaiveDate,
    pub status: TimelineStatus,
    /// Still scheduled after its date.
    pub overdue: bool,
    /// Made by the service at the review cadence when the agreement became active.
    pub generated: bool,
    pub notes: Option<String>,
    /// The record of a held check-in.
    pub check_in: Option<CheckInRecord>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TimelineItem {
    pub fn from_row(row: TimelineRow, today: NaiveDate) -> Result<Self, ApiError> {
        let status = stored(TimelineStatus::parse(&row.status), "status", &row.status)?;
        Ok(TimelineItem {
            kind: stored(TimelineKind::parse(&row.kind), "kind", &row.kind)?,
            overdue: is_overdue(status, row.scheduled_on, today),
            status,
            check_in: row
                .check_in
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| ApiError::Internal(format!("stored check-in is not valid: {e}")))?,
            id: row.id,
            agreement_id: row.agreement_id,
            title: row.title,
            scheduled_on: row.scheduled_on,
            generated: row.generated,
            notes: row.notes,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("timeline item")
}

fn input_of(row: &TimelineRow) -> TimelineItemInput {
    TimelineItemInput {
        kind: TimelineKind::parse(&row.kind),
        title: Some(row.title.clone()),
        scheduled_on: Some(row.scheduled_on),
        status: TimelineStatus::parse(&row.status),
        notes: row.notes.clone(),
    }
}

fn apply(input: TimelineItemInput, base: &TimelineRow, stamp: Stamp) -> TimelineRow {
    TimelineRow {
        id: stamp.id,
        agreement_id: base.agreement_id.clone(),
        kind: input
            .kind
            .unwrap_or(TimelineKind::Milestone)
            .as_str()
            .to_owned(),
        title: input.title.unwrap_or_default(),
        scheduled_on: input.scheduled_on.unwrap_or(base.scheduled_on),
        status: input
            .status
            .unwrap_or(TimelineStatus::Scheduled)
            .as_str()
            .to_owned(),
        generated: base.generated,
        notes: input.notes,
        check_in: base.check_in.clone(),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TimelinePath {
    /// The agreement's id.
    pub agreement_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    /// The agreement's id.
    pub agreement_id: String,
    /// The timeline item's id.
    pub id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    pub kind: Option<TimelineKind>,
    pub status: Option<TimelineStatus>,
    /// Only items still scheduled after their date.
    pub overdue: Option<bool>,
    /// Items on or after this date.
    pub from: Option<NaiveDate>,
    /// Items on or before this date.
    pub to: Option<NaiveDate>,
}

/// An agreement's timeline in date order (the whole timeline: one page).
#[utoipa::path(tag = "timeline", params(TimelinePath, TimelineQuery),
    responses((status = 200, description = "The timeline", body = Page<TimelineItem>)))]
#[get("/agreements/{agreement_id}/timeline")]
pub async fn list_items(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TimelinePath>,
    query: web::Query<TimelineQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let agreement_id = path.into_inner().agreement_id;
    let query = query.into_inner();
    let today = today();
    let filter = TimelineFilter {
        kind: query.kind.map(TimelineKind::as_str),
        status: query.status.map(TimelineStatus::as_str),
        overdue_on: query.overdue.filter(|o| *o).map(|_| today),
        from: query.from,
        to: query.to,
    };
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        let mut rows = store::list(conn, &agreement_id, &filter)?;
        if query.overdue == Some(false) {
            rows.retain(|r| !(r.status == "scheduled" && r.scheduled_on < today));
        }
        Ok(rows)
    })
    .await?;
    let data = rows
        .into_iter()
        .map(|r| TimelineItem::from_row(r, today))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: None,
    }))
}

/// Add an item to an agreement's timeline.
#[utoipa::path(tag = "timeline", params(TimelinePath), request_body = TimelineItemInput,
    responses((status = 201, description = "Created", body = TimelineItem, headers(("Location" = String), ("ETag" = String)))))]
#[post("/agreements/{agreement_id}/timeline")]
pub async fn create_item(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<TimelinePath>,
    body: web::Json<TimelineItemInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let agreement_id = path.into_inner().agreement_id;
    let input = body.into_inner();
    check_all(&input, Vec::new())?;
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            let stamp = Stamp::fresh();
            let base = TimelineRow {
                id: String::new(),
                agreement_id: agreement_id.clone(),
                kind: String::new(),
                title: String::new(),
                scheduled_on: input.scheduled_on.unwrap_or_default(),
                status: String::new(),
                generated: false,
                notes: None,
                check_in: None,
                version: 1,
                created_at: stamp.created_at,
                updated_at: stamp.updated_at,
            };
            let row = apply(input, &base, stamp);
            store::insert(conn, &row)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &row.id,
                &TimelineItem::from_row(row.clone(), today())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let location = format!(
        "/api/v1/agreements/{}/timeline/{}",
        row.agreement_id, row.id
    );
    let item = TimelineItem::from_row(row, today())?;
    Ok(created(&item, &location, item.version))
}

/// One timeline item.
#[utoipa::path(tag = "timeline", params(ItemPath),
    responses((status = 200, description = "The item", body = TimelineItem, headers(("ETag" = String)))))]
#[get("/agreements/{agreement_id}/timeline/{id}")]
pub async fn get_item(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ItemPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let ItemPath { agreement_id, id } = path.into_inner();
    let row = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        if !is_id(&id) {
            return Err(not_found());
        }
        store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)
    })
    .await?;
    let item = TimelineItem::from_row(row, today())?;
    Ok(json_with_etag(StatusCode::OK, &item, item.version))
}

/// Changes an item: its fields (a merge patch) or its check-in record.
enum ItemChange {
    Fields(Change<TimelineItemInput>),
    CheckIn(CheckInRecord),
}

async fn change_item(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: ItemPath,
    if_match: IfMatch,
    change: ItemChange,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let ItemPath { agreement_id, id } = path;
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            if !is_id(&id) {
                return Err(not_found());
            }
            let current = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            let next = match change {
                ItemChange::Fields(change) => {
                    let input = change.resolve(&input_of(&current))?;
                    check_all(&input, Vec::new())?;
                    if apply(input.clone(), &current, current.stamp()) == current {
                        return Ok(current);
                    }
                    apply(input, &current, current.stamp().bumped())
                }
                ItemChange::CheckIn(record) => {
                    check_all(&record, Vec::new())?;
                    let stamp = current.stamp().bumped();
                    TimelineRow {
                        status: TimelineStatus::Done.as_str().to_owned(),
                        check_in: Some(
                            serde_json::to_string(&record)
                                .map_err(|e| ApiError::Internal(e.to_string()))?,
                        ),
                        version: stamp.version,
                        updated_at: stamp.updated_at,
                        ..current.clone()
                    }
                }
            };
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let today = today();
            let (before, after) = (
                TimelineItem::from_row(current, today)?,
                TimelineItem::from_row(next.clone(), today)?,
            );
            audit::updated(conn, &actor, RESOURCE, &id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let item = TimelineItem::from_row(row, today())?;
    Ok(json_with_etag(StatusCode::OK, &item, item.version))
}

/// Change a timeline item (JSON Merge Patch), e.g. reschedule it or mark it missed.
#[utoipa::path(tag = "timeline", params(ItemPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = TimelineItemInput, content_type = "application/merge-patch+json", description = "Any subset of the writable fields"),
    responses((status = 200, description = "The updated item", body = TimelineItem, headers(("ETag" = String)))))]
#[patch("/agreements/{agreement_id}/timeline/{id}")]
pub async fn patch_item(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ItemPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    change_item(
        caller,
        pool,
        path.into_inner(),
        if_match,
        ItemChange::Fields(Change::Merge(body.into_inner())),
    )
    .await
}

/// Record what happened at a check-in (or any timeline item); marks it done.
#[utoipa::path(tag = "timeline", params(ItemPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = CheckInRecord,
    responses((status = 200, description = "The item, done, with its record", body = TimelineItem, headers(("ETag" = String)))))]
#[put("/agreements/{agreement_id}/timeline/{id}/check-in")]
pub async fn record_check_in(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ItemPath>,
    if_match: IfMatch,
    body: web::Json<CheckInRecord>,
) -> Result<HttpResponse, ApiError> {
    change_item(
        caller,
        pool,
        path.into_inner(),
        if_match,
        ItemChange::CheckIn(body.into_inner()),
    )
    .await
}

/// Remove a timeline item.
#[utoipa::path(tag = "timeline", params(ItemPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/agreements/{agreement_id}/timeline/{id}")]
pub async fn delete_item(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ItemPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let ItemPath { agreement_id, id } = path.into_inner();
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            if !is_id(&id) {
                return Err(not_found());
            }
            let current = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            store::delete(conn, &id)?;
            audit::deleted(
                conn,
                &actor,
                RESOURCE,
                &id,
                &TimelineItem::from_row(current, today())?,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
