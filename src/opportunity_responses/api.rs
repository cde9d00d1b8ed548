//! Routes for `/opportunities/{opportunity_id}/responses`, and accepting one.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{
    accepted, AcceptInput, OpportunityResponse, ResponseInput, ResponseQuery, Responses,
};
use crate::auth::Caller;
use crate::config::Policy;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::etag::IfMatch;
use crate::resource::{self as pipeline, Resource};

crate::resource_api! {
    resource: Responses, tag: "outreach",
    collection: "/opportunities/{opportunity_id}/responses", item: "/opportunities/{opportunity_id}/responses/{id}",
    parent: [("opportunity_id" = String, Path, description = "The opportunity's id")],
    filter: ResponseQuery, sort: crate::db::keyset::ListSort, input: ResponseInput, output: OpportunityResponse,
    /// The partners that volunteered. A partner sees its own response.
    list: list_opportunity_responses,
    /// Volunteer for an open opportunity: a partner for itself, with `agreements:read`
    /// (`{message, contact_id}`); staff for a partner (`partner_id`).
    create: create_opportunity_response,
    /// One response.
    get: get_opportunity_response,
    /// Replace a response.
    replace: replace_opportunity_response,
    /// Change a response (JSON Merge Patch): the school declines (`status: declined`), the
    /// partner withdraws (`withdrawn`).
    patch: patch_opportunity_response,
    /// Delete a response that was not accepted.
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
#[utoipa::path(tag = "outreach", params(ResponsePath, crate::http::etag::IfMatchHeader),
    request_body = AcceptInput,
    responses((status = 200, description = "The accepted response", body = OpportunityResponse,
        headers(("ETag" = String))),
        (status = 409, description = "The response is not pending", body = crate::error::Problem,
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
    let input = body.checked(|input| crate::error::check_all(input, Vec::new()))?;
    pipeline::modify_as::<Responses, _>(
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
pub fn all_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(accept_opportunity_response);
    routes(cfg);
}
