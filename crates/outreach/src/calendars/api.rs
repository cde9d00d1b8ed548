//! `/calendar-feeds` (make, list, revoke) and `/calendars/{token}.ics`, the feed a calendar
//! app polls without a bearer token.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};

use super::model::{calendar, CalendarFeed, Entry, FeedInput, FeedScope};
use super::store::{self, FeedRow};
use auth::token::PrincipalKind;
use auth::{acting_as, Caller, Role, Scope};
use commitments::agreements::model::{AgreementQuery, Agreements};
use pipeline::{CallerContext, Collection, Resource, Stored};
use platform::db::{self, DbConnection, DbPool};
use platform::error::ApiError;
use platform::http::body::Body;
use platform::http::paging::PageRequest;
use platform::settings::Policy;

/// The most agreements one feed covers.
const MAX_AGREEMENTS: i64 = 500;

fn digest(token: &str) -> String {
    auth::secret::sha256_hex(token.as_bytes())
}

fn not_found() -> ApiError {
    ApiError::not_found("calendar feed")
}

/// The target exists and the caller may see it.
fn check_target(
    conn: &mut DbConnection,
    caller: &Caller,
    scope: FeedScope,
    id: Option<&str>,
) -> Result<(), ApiError> {
    let required = || {
        ApiError::field(
            "id",
            "required",
            "id names the agreement, school or partner",
        )
    };
    match (scope, id) {
        (FeedScope::District, None) => Ok(()),
        (FeedScope::District, Some(_)) => Err(ApiError::field(
            "id",
            "not_allowed",
            "a district feed names no id",
        )),
        (_, None) => Err(required()),
        (FeedScope::Agreement, Some(id)) => {
            commitments::agreements::access::load_visible(conn, caller, id).map(|_| ())
        }
        (FeedScope::School, Some(id)) => directory::schools::SchoolRow::find_key(conn, id)?
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("school")),
        (FeedScope::Partner, Some(id)) => {
            let own = caller.partner_scope().is_none_or(|own| own == id);
            let found = match own {
                true => directory::partners::PartnerRow::find_key(conn, id)?,
                false => None,
            };
            found
                .map(|_| ())
                .ok_or_else(|| ApiError::not_found("partner"))
        }
    }
}

/// Make a calendar feed.
///
/// Make a calendar feed: a secret URL a calendar app (Google, Outlook, Apple) subscribes to
/// without a token. It holds agreement starts and ends, timeline items and check-ins, and
/// responsibility due dates, of what its creator may read. The URL is shown in this answer
/// only.
///
/// Needs `agreements:read` (every role; integrations so scoped). `id` is required for
/// `agreement`, `school` and `partner` (422 `required`) and refused for `district` (422
/// `not_allowed`); the target must exist and be visible (404; a partner account only its own
/// partner). The feed keeps the scopes of the token that made it.
#[utoipa::path(tag = "calendars", request_body = FeedInput,
    responses((status = 201, description = "The feed, with its URL (shown once)", body = CalendarFeed),
        (status = 404, description = "The agreement, school or partner is not there, or not visible to the caller",
            body = platform::error::Problem, content_type = "application/problem+json")))]
#[post("/calendar-feeds")]
pub async fn create_calendar_feed(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: Body<FeedInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let input = body.checked(|input| platform::error::check_all(input, Vec::new()))?;
    let token = auth::password::random_token(32)?;
    let url = format!("{}/calendars/{token}.ics", platform::http::API_PREFIX);
    let actor = caller.actor();
    let feed = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_target(conn, &caller, input.scope, input.id.as_deref())?;
            let scopes: Vec<&str> = caller.scopes.iter().map(|s| s.as_str()).collect();
            let row = FeedRow {
                id: platform::db::sql::new_id(),
                scope: input.scope.as_str().to_owned(),
                target_id: input.id.clone(),
                token_digest: digest(&token),
                principal_kind: caller.kind.as_str().to_owned(),
                principal_id: caller.id.clone(),
                scopes: scopes.join(" "),
                created_at: db::now(),
            };
            store::insert(conn, &row)?;
            let shown = CalendarFeed::from_row(row.clone(), None);
            journal::audit::created(
                conn,
                &actor,
                journal::Topic::unpublished("calendar_feed"),
                &row.id,
                &shown,
            )?;
            Ok(row)
        })
    })
    .await?;
    let location = format!("{}/calendar-feeds/{}", platform::http::API_PREFIX, feed.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CalendarFeed::from_row(feed, Some(url))))
}

/// The caller's calendar feeds (admin: everyone's), newest first; without their URLs.
///
/// Needs `agreements:read`. Not paged: every feed is listed. A lost URL cannot be shown again;
/// revoke the feed and make a new one.
#[utoipa::path(tag = "calendars",
    responses((status = 200, description = "The feeds", body = Vec<CalendarFeed>)))]
#[get("/calendar-feeds")]
pub async fn list_calendar_feeds(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let rows = db::run(&pool, move |conn| {
        let owner =
            (caller.role != Role::Admin).then(|| (caller.kind.as_str(), caller.id.as_str()));
        Ok(store::list(conn, owner)?)
    })
    .await?;
    let feeds: Vec<CalendarFeed> = rows
        .into_iter()
        .map(|row| CalendarFeed::from_row(row, None))
        .collect();
    Ok(HttpResponse::Ok().json(feeds))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FeedPath {
    /// The feed's id.
    pub id: String,
}

/// Revoke a calendar feed: its URL answers 404 from now on. Its creator, or an admin.
///
/// Needs `agreements:read`. Another caller's feed answers 404, as a missing one does. The
/// feed is deleted, not kept as revoked.
#[utoipa::path(tag = "calendars", params(FeedPath),
    responses((status = 204, description = "Revoked")))]
#[delete("/calendar-feeds/{id}")]
pub async fn revoke_calendar_feed(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<FeedPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let row = store::find(conn, &id)?.ok_or_else(not_found)?;
            let own = row.principal_kind == caller.kind.as_str() && row.principal_id == caller.id;
            if !own && caller.role != Role::Admin {
                return Err(not_found());
            }
            store::delete(conn, &id)?;
            journal::audit::deleted(
                conn,
                &actor,
                journal::Topic::unpublished("calendar_feed"),
                &id,
                &CalendarFeed::from_row(row, None),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CalendarPath {
    /// The feed's secret token (from its URL).
    pub token: String,
}

/// Read a calendar feed as iCalendar.
///
/// A calendar feed as iCalendar (RFC 5545), for calendar apps: no bearer token, the URL is the
/// key. All-day events with stable UIDs; what the feed's creator may read today (a revoked or
/// disabled creator's feeds answer 404).
///
/// The feed also answers 404 once its creator's password or client secret has changed, or the
/// creator no longer reads agreements. Terminated agreements are left out; at most 500
/// agreements are covered. Cancelled items and dropped responsibilities show as cancelled.
#[utoipa::path(tag = "calendars", params(CalendarPath), security(()),
    responses((status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed", body = platform::error::Problem, content_type = "application/problem+json")))]
#[get("/calendars/{token}.ics")]
pub async fn calendar_ics(
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    path: web::Path<CalendarPath>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner().token;
    if token.len() > 100 {
        return Err(not_found());
    }
    let text = db::run(&pool, move |conn| {
        let feed = store::by_digest(conn, &digest(&token))?.ok_or_else(not_found)?;
        let kind = PrincipalKind::parse(&feed.principal_kind).ok_or_else(not_found)?;
        let scopes: BTreeSet<Scope> = feed.scopes.split(' ').filter_map(Scope::parse).collect();
        // Whoever made the feed must still exist and still read agreements.
        let creator = acting_as(conn, kind, &feed.principal_id, scopes, feed.created_at)
            .map_err(|_| not_found())?;
        if !creator.scopes.contains(&Scope::AgreementsRead) {
            return Err(not_found());
        }
        entries(conn, &creator, &policy, &feed)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(text))
}

/// The feed's agreements, as its creator may see them, and their dated things.
fn entries(
    conn: &mut DbConnection,
    creator: &Caller,
    policy: &Policy,
    feed: &FeedRow,
) -> Result<String, ApiError> {
    let scope = FeedScope::parse(&feed.scope).ok_or_else(not_found)?;
    let target = feed.target_id.clone();
    let actor = creator.actor();
    let ctx = CallerContext {
        caller: creator,
        actor: &actor,
        policy,
    };
    let agreements = match scope {
        FeedScope::Agreement => {
            let id = target.as_deref().unwrap_or_default();
            commitments::agreements::access::load_visible(conn, creator, id)
                .map(|a| vec![a])
                .unwrap_or_default()
        }
        _ => {
            let query = AgreementQuery {
                q: None,
                status: None,
                partner_id: target.clone().filter(|_| scope == FeedScope::Partner),
                lead_partner_id: None,
                school_id: target.clone().filter(|_| scope == FeedScope::School),
                external_id: None,
                updated_since: None,
            };
            let page = PageRequest {
                sort: platform::db::keyset::ListSort::Id.into(),
                limit: MAX_AGREEMENTS - 1,
                after: None,
            };
            Agreements::list(conn, &ctx, &Collection::TOP, query, &page)?
        }
    };
    let mut out = Vec::new();
    let mut titles = std::collections::HashMap::new();
    for a in &agreements {
        let row = &a.row;
        if row.status == "terminated" {
            continue;
        }
        titles.insert(row.id.clone(), row.title.clone());
        for (edge, day) in [("start", row.start_date), ("end", row.end_date)] {
            out.push(Entry {
                uid: format!("agreement-{edge}-{}@partnerships", row.id),
                day,
                summary: format!(
                    "{}: {}",
                    if edge == "start" { "Starts" } else { "Ends" },
                    row.title
                ),
                description: format!("Agreement {}", row.id),
                cancelled: false,
            });
        }
    }
    let ids: Vec<String> = titles.keys().cloned().collect();
    for (id, agreement, kind, title, day, status) in store::timeline_of(conn, &ids)? {
        let of = titles.get(&agreement).cloned().unwrap_or_default();
        out.push(Entry {
            uid: format!("timeline-{id}@partnerships"),
            day,
            summary: format!("{title} ({of})"),
            description: format!(
                "{} of agreement {agreement}; {status}",
                kind.replace('_', " ")
            ),
            cancelled: status == "cancelled",
        });
    }
    for (id, agreement, party, what, day, status) in store::due_dates_of(conn, &ids)? {
        let of = titles.get(&agreement).cloned().unwrap_or_default();
        out.push(Entry {
            uid: format!("responsibility-{id}@partnerships"),
            day,
            summary: format!("Due: {what} ({of})"),
            description: format!("The {party}'s responsibility in agreement {agreement}; {status}"),
            cancelled: status == "dropped",
        });
    }
    let name = match (scope, &target) {
        (FeedScope::District, _) | (_, None) => "Partnerships".to_owned(),
        (_, Some(id)) => format!("Partnerships: {} {id}", scope.as_str()),
    };
    Ok(calendar(&name, out))
}

pub fn routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(create_calendar_feed)
        .service(list_calendar_feeds)
        .service(revoke_calendar_feed)
        .service(calendar_ics);
}
