//! Routes for `/opportunities/{opportunity_id}/responses`, and accepting one.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{
    accepted, AcceptInput, OpportunityResponse, ResponseInput, ResponseQuery, Responses,
};
use auth::Caller;
use pipeline::{self as pipeline, Resource};
use platform::db::DbPool;
use platform::error::ApiError;
use platform::http::body::Body;
use platform::http::etag::IfMatch;
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Responses, tag: "outreach",
    collection: "/opportunities/{opportunity_id}/responses", item: "/opportunities/{opportunity_id}/responses/{id}",
    parent: [("opportunity_id" = String, Path, description = "The opportunity's id")],
    filter: ResponseQuery, sort: platform::db::keyset::ListSort, input: ResponseInput, output: OpportunityResponse,
    /// The partners that volunteered. A partner sees its own response.
    ///
    /// Needs `agreements:read` and an opportunity the caller sees (404 otherwise; a partner
    /// account sees open ones and those it answered). Everyone but partners sees every
    /// response.
    list: list_opportunity_responses,
    /// Volunteer for an open opportunity: a partner for itself, with `agreements:read`
    /// (`{message, contact_id}`); staff for a partner (`partner_id`).
    ///
    /// Others need `agreements:write`; staff only for their schools' opportunities (403). The
    /// opportunity must be `open`, and a partner answers it once, withdrawn answers included
    /// (409 `conflict`). `partner_id` must exist and `contact_id` be one of its contacts (422
    /// `not_found`); a response starts `pending` (`invalid_transition`).
    create: create_opportunity_response,
    /// One response.
    ///
    /// Needs `agreements:read`; a partner account gets 404 for another partner's response or
    /// an opportunity it does not see.
    get: get_opportunity_response,
    /// Replace a response.
    ///
    /// A partner changes its own (with `agreements:read`), staff those of their schools'
    /// opportunities (403 otherwise). `partner_id` cannot change (422 `immutable`); `accepted`
    /// is 422 `use_accept`; the school moves pending → declined, the partner pending →
    /// withdrawn (`invalid_transition` otherwise). What accepting created stays linked.
    replace: replace_opportunity_response,
    /// Change a response (JSON Merge Patch): the school declines (`status: declined`), the
    /// partner withdraws (`withdrawn`).
    ///
    /// The rules of replacing apply: a partner (with `agreements:read`) only its own, staff only
    /// their schools' (403); a fixed `partner_id` (`immutable`); `use_accept`;
    /// `invalid_transition`.
    patch: patch_opportunity_response,
    /// Delete a response that was not accepted.
    ///
    /// A partner deletes its own (with `agreements:read`), staff those of their schools'
    /// opportunities (403 otherwise), admins and integrations with `agreements:write` any. An
    /// accepted response is 409 `conflict`. Deleting lets the partner answer again.
    delete: delete_opportunity_response,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ResponsePath {
    /// The opportunity's id.
    pub opportunity_id: String,
    /// The response's id.
    pub id: String,
}

/// Accept a pending response (staff of the opportunity's school, or administrators), and
/// with `create` also log it as an activity of the partner at the school, or start a draft
/// agreement prefilled from the opportunity (title, partner, school, dates, purpose). The
/// answer names what was created (`activity_id`, `agreement_id`). Accepting twice changes
/// nothing.
///
/// Needs `agreements:write`: partner accounts cannot accept, staff only for their schools'
/// opportunities (403). A declined or withdrawn response is 409 `conflict`. The activity or
/// agreement is created under the rules of `POST /activities` or `POST /agreements`, so
/// their errors may come back; nothing is saved then. Audited as `accept`.
#[utoipa::path(tag = "outreach", params(ResponsePath, platform::http::etag::IfMatchHeader),
    request_body = AcceptInput,
    responses((status = 200, description = "The accepted response", body = OpportunityResponse,
        headers(("ETag" = String))),
        (status = 409, description = "The response is not pending", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[post("/opportunities/{opportunity_id}/responses/{id}/accept")]
pub async fn accept_opportunity_response(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    body: Body<AcceptInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.checked(|input| platform::error::check_all(input, Vec::new()))?;
    pipeline::modify_audited_as::<Responses, _>(
        req,
        caller,
        pool,
        policy,
        if_match,
        Responses::WRITE,
        "accept",
        move |conn, ctx, _, current| accepted(conn, ctx, current, input),
    )
    .await
}

/// Registers the response routes; accepting first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(accept_opportunity_response);
    routes(cfg);
}
