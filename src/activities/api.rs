//! Routes for `/activities`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ActivityAmounts, ActivityFilter, ActivityRow};
use crate::audit;
use crate::auth::{Caller, Role, Scope};
use crate::db::keyset::ListSort;
use crate::db::sql::is_id;
use crate::db::{self, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::{check_all, ApiError, FieldError};
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};
use crate::http::text::trimmed;
use crate::responsibilities::model::{from_centi, to_centi};

const RESOURCE: &str = "activity";

crate::text_enum! {
    pub enum ActivityKind {
        Talk => "talk",
        Volunteering => "volunteering",
        FieldTrip => "field_trip",
        Mentoring => "mentoring",
        Tour => "tour",
        Event => "event",
        Donation => "donation",
        InternshipHours => "internship_hours",
        Other => "other",
    }
}

crate::text_enum! {
    /// Sort order of activities: a field, descending when prefixed with `-`. Ties break on `id`.
    pub enum ActivitySort {
        Id => "id",
        IdDesc => "-id",
        CreatedAt => "created_at",
        CreatedAtDesc => "-created_at",
        UpdatedAt => "updated_at",
        UpdatedAtDesc => "-updated_at",
    }
}

impl From<ActivitySort> for ListSort {
    fn from(s: ActivitySort) -> Self {
        match s {
            ActivitySort::Id => ListSort::Id,
            ActivitySort::IdDesc => ListSort::IdDesc,
            ActivitySort::CreatedAt => ListSort::CreatedAt,
            ActivitySort::CreatedAtDesc => ListSort::CreatedAtDesc,
            ActivitySort::UpdatedAt => ListSort::UpdatedAt,
            ActivitySort::UpdatedAtDesc => ListSort::UpdatedAtDesc,
        }
    }
}

/// The writable fields of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b", "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "kind": "field_trip", "occurred_on": "2026-10-14", "hours": 3.5, "students_reached": 58, "families_reached": 0}))]
pub struct ActivityInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub partner_id: Option<String>,
    /// The agreement it belongs to, if any; the partner must be part of it.
    #[serde(default, deserialize_with = "trimmed")]
    pub agreement_id: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = ActivityKind, required = true)]
    pub kind: Option<ActivityKind>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub occurred_on: Option<NaiveDate>,
    /// Hours given (volunteer or internship hours); up to two decimals are kept.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 100000.0))]
    #[schema(minimum = 0, maximum = 100000)]
    pub hours: Option<f64>,
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    #[schema(minimum = 0, maximum = 1000000)]
    pub students_reached: Option<i32>,
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    #[schema(minimum = 0, maximum = 1000000)]
    pub families_reached: Option<i32>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
}

impl ActivityInput {
    fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("partner_id", &self.partner_id),
            ("agreement_id", &self.agreement_id),
            ("school_id", &self.school_id),
        ] {
            if value.as_deref().is_some_and(|v| !is_id(v)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be an id"),
                ));
            }
        }
        check_all(self, extra)
    }
}

/// Something that happened between a partner and the schools.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub partner_id: String,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub kind: ActivityKind,
    pub occurred_on: NaiveDate,
    pub hours: f64,
    pub students_reached: i32,
    pub families_reached: i32,
    pub notes: Option<String>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = ApiError;

    fn try_from(row: ActivityRow) -> Result<Self, ApiError> {
        Ok(Activity {
            kind: ActivityKind::parse(&row.kind).ok_or_else(|| {
                ApiError::Internal(format!("stored kind {:?} is unknown", row.kind))
            })?,
            hours: from_centi(row.hours_centi),
            id: row.id,
            partner_id: row.partner_id,
            agreement_id: row.agreement_id,
            school_id: row.school_id,
            occurred_on: row.occurred_on,
            students_reached: row.students_reached,
            families_reached: row.families_reached,
            notes: row.notes,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn input_of(row: &ActivityRow) -> ActivityInput {
    ActivityInput {
        partner_id: Some(row.partner_id.clone()),
        agreement_id: row.agreement_id.clone(),
        school_id: row.school_id.clone(),
        kind: ActivityKind::parse(&row.kind),
        occurred_on: Some(row.occurred_on),
        hours: Some(from_centi(row.hours_centi)),
        students_reached: Some(row.students_reached),
        families_reached: Some(row.families_reached),
        notes: row.notes.clone(),
        external_id: row.external_id.clone(),
    }
}

fn row_from(input: ActivityInput, stamp: Stamp) -> ActivityRow {
    ActivityRow {
        id: stamp.id,
        external_id: input.external_id,
        partner_id: input.partner_id.unwrap_or_default(),
        agreement_id: input.agreement_id,
        school_id: input.school_id,
        kind: input
            .kind
            .unwrap_or(ActivityKind::Other)
            .as_str()
            .to_owned(),
        occurred_on: input.occurred_on.unwrap_or_default(),
        hours_centi: to_centi(input.hours.unwrap_or(0.0)),
        students_reached: input.students_reached.unwrap_or(0),
        families_reached: input.families_reached.unwrap_or(0),
        notes: input.notes,
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("activity")
}

/// Who may log or change this activity: a partner for its own partner; staff for their
/// schools; anyone else with `agreements:write`.
fn check_writer(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &ActivityRow,
) -> Result<(), ApiError> {
    match caller.role {
        Role::Partner => {
            caller.require(Scope::AgreementsRead)?;
            if caller.partner_id.as_deref() != Some(row.partner_id.as_str()) {
                return Err(ApiError::Forbidden(
                    "a partner logs activities of its own partner only".to_owned(),
                ));
            }
            Ok(())
        }
        _ => {
            caller.require(Scope::AgreementsWrite)?;
            if caller.role == Role::Staff {
                // Staff log activities of their schools, within agreements of their schools.
                caller.check_schools(&row.school_id.iter().cloned().collect::<Vec<_>>())?;
                if let Some(agreement) = &row.agreement_id {
                    let schools: Vec<String> = crate::agreements::store::schools_of(
                        conn,
                        std::slice::from_ref(agreement),
                    )?
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect();
                    caller.check_schools(&schools)?;
                }
            }
            Ok(())
        }
    }
}

/// The partner, school and agreement must exist, and the partner must be in the agreement.
fn check_references(conn: &mut DbConnection, row: &ActivityRow) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !crate::partners::store::exists(conn, &row.partner_id)? {
        errors.push(FieldError::new(
            "partner_id",
            "not_found",
            "partner_id must be an existing partner",
        ));
    }
    if let Some(school) = &row.school_id {
        if <crate::schools::store::SchoolRow as crate::resource::Stored>::find(conn, school)?
            .is_none()
        {
            errors.push(FieldError::new(
                "school_id",
                "not_found",
                "school_id must be an existing school",
            ));
        }
    }
    if let Some(agreement) = &row.agreement_id {
        let partners =
            crate::agreements::store::partners_of(conn, std::slice::from_ref(agreement))?;
        if partners.is_empty() {
            errors.push(FieldError::new(
                "agreement_id",
                "not_found",
                "agreement_id must be an existing agreement",
            ));
        } else if !partners.iter().any(|(_, p, _)| *p == row.partner_id) {
            errors.push(FieldError::new(
                "agreement_id",
                "partner_not_in_agreement",
                "the partner is not part of this agreement",
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
pub struct ActivityQuery {
    pub partner_id: Option<String>,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub kind: Option<ActivityKind>,
    /// Activities on or after this date.
    pub from: Option<NaiveDate>,
    /// Activities on or before this date.
    pub to: Option<NaiveDate>,
    /// Only activities changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Default `id` (creation order).
    pub sort: Option<ActivitySort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ActivityQuery {
    fn filter(&self, caller: &Caller) -> ActivityFilter {
        ActivityFilter {
            only_partner: caller.partner_scope(),
            partner_id: self.partner_id.clone(),
            agreement_id: self.agreement_id.clone(),
            school_id: self.school_id.clone(),
            kind: self.kind.map(ActivityKind::as_str),
            from: self.from,
            to: self.to,
            updated_since: self.updated_since,
        }
    }
}

/// List activities (a partner sees only its own).
#[utoipa::path(tag = "activities", params(ActivityQuery),
    responses((status = 200, description = "A page of activities", body = paging::Page<Activity>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page")))))]
#[get("/activities")]
pub async fn list_activities(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } = PageRequest::new(
        query.sort.map(|s| ListSort::from(s).into()),
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = query.filter(&caller);
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(conn, &filter, sort, after.as_ref(), limit + 1)?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, Activity::try_from)
}

crate::text_enum! {
    /// What activity totals are grouped by.
    pub enum TotalsBy {
        Partner => "partner",
        Agreement => "agreement",
        School => "school",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TotalsQuery {
    /// Group by partner (default), agreement or school.
    pub by: Option<TotalsBy>,
    pub partner_id: Option<String>,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Sums of one group.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct ActivityTotal {
    /// The partner, agreement or school id; `null` for activities without one.
    pub key: Option<String>,
    pub activities: usize,
    pub hours: f64,
    pub students_reached: i64,
    pub families_reached: i64,
}

/// Activity totals per partner, agreement or school.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityTotals {
    pub by: TotalsBy,
    pub groups: Vec<ActivityTotal>,
}

/// Sums activity amounts per group.
pub fn totals(rows: &[ActivityAmounts], by: TotalsBy) -> Vec<ActivityTotal> {
    let mut groups: BTreeMap<Option<String>, (usize, i64, i64, i64)> = BTreeMap::new();
    for row in rows {
        let key = match by {
            TotalsBy::Partner => Some(row.partner_id.clone()),
            TotalsBy::Agreement => row.agreement_id.clone(),
            TotalsBy::School => row.school_id.clone(),
        };
        let g = groups.entry(key).or_default();
        g.0 += 1;
        g.1 += row.hours_centi;
        g.2 += i64::from(row.students_reached);
        g.3 += i64::from(row.families_reached);
    }
    groups
        .into_iter()
        .map(|(key, (n, h, s, f))| ActivityTotal {
            key,
            activities: n,
            hours: from_centi(h),
            students_reached: s,
            families_reached: f,
        })
        .collect()
}

/// Activity totals (count, hours, people reached) per partner, agreement or school.
#[utoipa::path(tag = "activities", params(TotalsQuery),
    responses((status = 200, description = "The totals", body = ActivityTotals)))]
#[get("/activities/totals")]
pub async fn activity_totals(
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<TotalsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let query = query.into_inner();
    let by = query.by.unwrap_or(TotalsBy::Partner);
    let filter = ActivityFilter {
        only_partner: caller.partner_scope(),
        partner_id: query.partner_id,
        agreement_id: query.agreement_id,
        school_id: query.school_id,
        kind: query.kind.map(ActivityKind::as_str),
        from: query.from,
        to: query.to,
        updated_since: None,
    };
    let rows = db::run(&pool, move |conn| Ok(store::amounts(conn, &filter)?)).await?;
    Ok(HttpResponse::Ok().json(ActivityTotals {
        by,
        groups: totals(&rows, by),
    }))
}

/// Log an activity.
#[utoipa::path(tag = "activities", request_body = ActivityInput,
    responses((status = 201, description = "Created", body = Activity, headers(("Location" = String), ("ETag" = String)))))]
#[post("/activities")]
pub async fn create_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: web::Json<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    input.check()?;
    let row = row_from(input, Stamp::fresh());
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            check_writer(conn, &caller, &row)?;
            check_references(conn, &row)?;
            store::insert(conn, &row)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &row.id,
                &Activity::try_from(row.clone())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let activity = Activity::try_from(row)?;
    Ok(created(
        &activity,
        &format!("/api/v1/activities/{}", activity.id),
        activity.version,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ActivityPath {
    /// The activity's id.
    pub id: String,
}

/// One activity.
#[utoipa::path(tag = "activities", params(ActivityPath),
    responses((status = 200, description = "The activity", body = Activity, headers(("ETag" = String)))))]
#[get("/activities/{id}")]
pub async fn get_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ActivityPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let id = path.into_inner().id;
    if !is_id(&id) {
        return Err(not_found());
    }
    let only = caller.partner_scope();
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id, only.as_deref())?.ok_or_else(not_found)
    })
    .await?;
    let activity = Activity::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &activity, activity.version))
}

async fn update_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: String,
    if_match: IfMatch,
    change: Change<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    if !is_id(&id) {
        return Err(not_found());
    }
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            if !store::lock(conn, &id)? {
                return Err(not_found());
            }
            let only = caller.partner_scope();
            let current = store::find(conn, &id, only.as_deref())?.ok_or_else(not_found)?;
            check_writer(conn, &caller, &current)?;
            if_match.check(current.version)?;
            let input = change.resolve(&input_of(&current))?;
            input.check()?;
            if row_from(input.clone(), current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, current.stamp().bumped());
            check_writer(conn, &caller, &next)?;
            check_references(conn, &next)?;
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            audit::updated(
                conn,
                &actor,
                RESOURCE,
                &id,
                &Activity::try_from(current)?,
                &Activity::try_from(next.clone())?,
            )?;
            Ok(next)
        })
    })
    .await?;
    let activity = Activity::try_from(row)?;
    Ok(json_with_etag(StatusCode::OK, &activity, activity.version))
}

/// Replace an activity.
#[utoipa::path(tag = "activities", params(ActivityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = ActivityInput,
    responses((status = 200, description = "The updated activity", body = Activity, headers(("ETag" = String)))))]
#[put("/activities/{id}")]
pub async fn replace_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ActivityPath>,
    if_match: IfMatch,
    body: web::Json<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    update_activity(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change an activity (JSON Merge Patch).
#[utoipa::path(tag = "activities", params(ActivityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = ActivityInput, content_type = "application/merge-patch+json", description = "Any subset of the writable fields"),
    responses((status = 200, description = "The updated activity", body = Activity, headers(("ETag" = String)))))]
#[patch("/activities/{id}")]
pub async fn patch_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ActivityPath>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update_activity(
        caller,
        pool,
        path.into_inner().id,
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Remove an activity.
#[utoipa::path(tag = "activities", params(ActivityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/activities/{id}")]
pub async fn delete_activity(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ActivityPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
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
            let only = caller.partner_scope();
            let current = store::find(conn, &id, only.as_deref())?.ok_or_else(not_found)?;
            check_writer(conn, &caller, &current)?;
            if_match.check(current.version)?;
            store::delete(conn, &id)?;
            audit::deleted(conn, &actor, RESOURCE, &id, &Activity::try_from(current)?)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
