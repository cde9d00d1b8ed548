//! Routes for `/agreements/{agreement_id}/timeline`, and recording a check-in.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{
    CheckInRecord, TimelineItem, TimelineItemInput, TimelineItems, TimelineQuery, TimelineSort,
};
use crate::auth::Caller;
use crate::config::Policy;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::http::etag::{IfMatch, IfMatchHeader};
use crate::resource::{modify, ItemPath, Resource};

crate::resource_api! {
    resource: TimelineItems, tag: "timeline",
    collection: "/agreements/{agreement_id}/timeline",
    item: "/agreements/{agreement_id}/timeline/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: TimelineQuery, sort: TimelineSort, input: TimelineItemInput, output: TimelineItem,
    /// An agreement's timeline, in date order.
    list: list_items,
    /// Add an item to an agreement's timeline.
    create: create_item,
    /// One timeline item.
    get: get_item,
    /// Replace a timeline item (its check-in record stays).
    replace: replace_item,
    /// Change some fields of a timeline item (JSON Merge Patch).
    patch: patch_item,
    /// Remove a timeline item.
    delete: delete_item,
}

/// Record what happened at a check-in (or any timeline item); marks it done.
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
    body: crate::http::body::Body<CheckInRecord>,
) -> Result<HttpResponse, ApiError> {
    let record = body.checked(|record| crate::error::check_all(record, Vec::new()))?;
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
