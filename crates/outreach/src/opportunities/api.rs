//! Routes for `/opportunities`, and the partners matched to one.

use actix_web::{web, HttpResponse};

use super::matches::{matches, MatchQuery, Matches};
use super::model::{Opportunities, Opportunity, OpportunityInput, OpportunityQuery};
use super::store::OpportunityRow;
use auth::{Caller, Role};
use pipeline::{ItemPath, Resource, Stored};
use platform::db::{self, DbPool};
use platform::error::ApiError;

pipeline::resource_api! {
    resource: Opportunities, tag: "outreach",
    collection: "/opportunities", item: "/opportunities/{id}",
    parent: [],
    filter: OpportunityQuery, sort: platform::db::keyset::ListSort, input: OpportunityInput, output: Opportunity,
    /// The opportunities board. A partner sees the open opportunities (and those it answered).
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. This list shows a partner account only `open` ones (any other `status`
    /// filter gives an empty page); those it answered are reached by id.
    list: list_opportunities,
    /// Post what students are working on and the help they need (staff of the school).
    ///
    /// Needs `agreements:write` (admin, staff, integrations granted it); staff only for their
    /// own schools (403). `school_id` must exist (422 `not_found`); `ends_on` not before
    /// `starts_on` (`date_order`). `status` is `open` when left out.
    create: create_opportunity,
    /// One opportunity.
    ///
    /// Needs `agreements:read`. A partner account gets 404 unless the opportunity is `open`
    /// or the partner has responded to it.
    get: get_opportunity,
    /// Replace an opportunity.
    ///
    /// Needs `agreements:write`; staff only for their schools' opportunities, and not to move
    /// one to another school (403). `status` moves open → filled or closed, filled → open or
    /// closed; `closed` is final (422 `invalid_transition`). Create's rules apply.
    replace: replace_opportunity,
    /// Change an opportunity (JSON Merge Patch); `status` moves open → filled → closed.
    ///
    /// Needs `agreements:write`; staff only for their schools' opportunities (403). A filled
    /// one may reopen; a closed one cannot change status (422 `invalid_transition`).
    patch: patch_opportunity,
    /// Delete an opportunity no partner answered.
    ///
    /// Needs `agreements:write`; staff only for their schools' opportunities (403). Any
    /// response, whatever its status, makes this 409 `conflict`: close it instead.
    delete: delete_opportunity,
}

/// The partners that could help, best first, each with why it ranks where it does: the
/// offerings that match, vetting valid through the opportunity's end (only vetted partners
/// are listed when students are involved), its continuum level, its past activities with
/// the school, and who referred it. Not for partner accounts (it ranks other partners).
///
/// Needs `agreements:read`: admin, staff and viewer accounts and integrations; partner
/// accounts get 403. `limit` outside 1 to 100 is 400; an unknown opportunity is 404. Only
/// partners not archived and offering at least one needed offering are candidates.
#[utoipa::path(tag = "outreach", params(ItemPath, MatchQuery),
    responses((status = 200, description = "The ranked partners", body = Matches)))]
#[get("/opportunities/{id}/matches")]
pub async fn opportunity_matches(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ItemPath>,
    query: web::Query<MatchQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Opportunities::READ)?;
    if caller.role == Role::Partner {
        return Err(ApiError::Forbidden(
            "matches rank other partners: they are for the district".into(),
        ));
    }
    let limit = query.into_inner().limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 100".into(),
        ));
    }
    let id = path.into_inner().id;
    let ranked = db::run(&pool, move |conn| {
        let opportunity =
            OpportunityRow::find_key(conn, &id)?.ok_or_else(Opportunities::not_found)?;
        matches(conn, &opportunity, limit, platform::db::today())
    })
    .await?;
    Ok(HttpResponse::Ok().json(ranked))
}

/// Registers the opportunity routes; the matches first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(opportunity_matches);
    routes(cfg);
}
