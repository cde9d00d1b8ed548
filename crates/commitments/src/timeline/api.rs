//! Routes for `/agreements/{agreement_id}/timeline`, and recording a check-in.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{
    CheckInRecord, TimelineItem, TimelineItemInput, TimelineItems, TimelineQuery, TimelineSort,
};
use auth::Caller;
use pipeline::{modify, ItemPath, Resource};
use platform::db::DbPool;
use platform::error::ApiError;
use platform::http::etag::{IfMatch, IfMatchHeader};
use platform::settings::Policy;

pipeline::resource_api! {
    resource: TimelineItems, tag: "timeline",
    collection: "/agreements/{agreement_id}/timeline",
    item: "/agreements/{agreement_id}/timeline/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: TimelineQuery, sort: TimelineSort, input: TimelineItemInput, output: TimelineItem,
    /// An agreement's timeline, in date order.
    ///
    /// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
    /// `overdue` is judged against today (UTC); `from` and `to` bound `scheduled_on`.
    list: list_timeline_items,
    /// Add an item to an agreement's timeline.
    ///
    /// Needs `agreements:write` (admin, staff, integrations by scope); staff only on agreements
    /// all of whose schools are theirs. `host_partner_id` must be an existing partner (422
    /// `not_found`). Items added here are never `generated`; `status` defaults to `scheduled`.
    create: create_timeline_item,
    /// One timeline item.
    ///
    /// Needs `agreements:read`; 404 when it is not on this agreement, or the agreement is not
    /// one a partner account's partner is part of.
    get: get_timeline_item,
    /// Replace a timeline item (its check-in record stays).
    ///
    /// Roles and rules of creating. Every writable field comes from the body (absent optional
    /// fields are cleared); `generated` and `check_in` stay as they were.
    replace: replace_timeline_item,
    /// Change some fields of a timeline item (JSON Merge Patch).
    ///
    /// Roles and rules of a replace, applied to the merged item. Setting `status` to `done` here
    /// records nothing: `PUT …/timeline/{id}/check-in` records what happened.
    patch: patch_timeline_item,
    /// Remove a timeline item.
    ///
    /// Needs `agreements:write`; staff only on agreements all of whose schools are theirs.
    /// Generated check-ins may be removed like any other item.
    delete: delete_timeline_item,
}

/// Record what happened at a check-in (or any timeline item); marks it done.
///
/// Needs `agreements:write`; staff only on agreements all of whose schools are theirs. Works on
/// an item of any kind and status: sets `status` to `done` and replaces any earlier record;
/// the item's other fields stay.
#[utoipa::path(tag = "timeline",
    params(("agreement_id" = String, Path, description = "The agreement's id"), ItemPath, IfMatchHeader),
    request_body = CheckInRecord,
    responses((status = 200, description = "The item, done, with its record", body = TimelineItem, headers(("ETag" = String)))))]
#[put("/agreements/{agreement_id}/timeline/{id}/check-in")]
pub async fn record_check_in(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    body: platform::http::body::Body<CheckInRecord>,
) -> Result<HttpResponse, ApiError> {
    let record = body.checked(|record| platform::error::check_all(record, Vec::new()))?;
    modify::<TimelineItems, _>(
        req,
        caller,
        pool,
        policy,
        if_match,
        TimelineItems::WRITE,
        move |_conn, _ctx, _place, current| record.apply(current).map(Some),
    )
    .await
}
