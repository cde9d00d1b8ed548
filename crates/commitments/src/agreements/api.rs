//! Routes for `/agreements`: the generic ones, and status transitions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::access::AgreementPath;
use super::model::{
    transition, Agreement, AgreementInput, AgreementQuery, AgreementSort, Agreements,
    TransitionInput,
};
use auth::Caller;
use pipeline::{CallerContext, Resource};
use platform::db::{self, write_transaction, DbPool};
use platform::error::ApiError;
use platform::http::etag::{json_with_etag, IfMatch, IfMatchHeader};
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Agreements, tag: "agreements",
    collection: "/agreements", item: "/agreements/{id}",
    parent: [],
    filter: AgreementQuery, sort: AgreementSort, input: AgreementInput, output: Agreement,
    /// List agreements (a partner sees only its own).
    ///
    /// Needs `agreements:read` (admin, staff, partner, viewer; integrations by scope). A partner
    /// account sees the agreements its partner leads or takes part in. `status` filters on the
    /// status as read today: `active` leaves out, and `expired` finds, active agreements past
    /// their `end_date`.
    list: list_agreements,
    /// Create an agreement (as a draft).
    ///
    /// Needs `agreements:write` (admin, staff, integrations by scope); staff only when every
    /// school in `school_ids` is theirs (403, also with no schools). The partners, schools and
    /// liaison named must exist (422 `not_found`); `end_date` is not before `start_date`
    /// (`date_order`) and at most 10 years after it (`range`); `status` is refused
    /// (`read_only`); an `external_id` already in use is 409.
    create: create_agreement,
    /// Get an agreement.
    ///
    /// Needs `agreements:read`. An agreement a partner account's partner is not part of is 404
    /// to it. `status` reads `expired` for an active agreement past its end date.
    get: get_agreement,
    /// Replace an agreement's content (not its status).
    ///
    /// Roles and rules of creating; staff must hold the agreement's schools before and after the
    /// change. On an active agreement that involves students, adding a partner or turning
    /// `involves_students` on needs every partner's vetting approved and unexpired (422
    /// `vetting`). Every change is kept as a version (`GET /agreements/{id}/versions`).
    replace: replace_agreement,
    /// Change some fields of an agreement (JSON Merge Patch; not its status).
    ///
    /// The merged agreement must pass the roles and rules of a replace (including the vetting
    /// check). A `status` in the body is 422 `read_only`: use `POST /agreements/{id}/transitions`.
    patch: patch_agreement,
    /// Delete a draft agreement; other statuses are refused with 409 (terminate instead).
    ///
    /// Needs `agreements:write`; staff only for agreements of their schools. Its
    /// responsibilities, timeline, KPI targets and history go with it; activities, KPI records
    /// or other records that name it make the delete 409.
    delete: delete_agreement,
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
    params(AgreementPath, IfMatchHeader),
    request_body = TransitionInput,
    responses((status = 200, description = "The agreement in its new status", body = Agreement, headers(("ETag" = String))))
)]
#[post("/agreements/{id}/transitions")]
pub async fn transition_agreement(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    path: web::Path<AgreementPath>,
    if_match: IfMatch,
    body: platform::http::body::Body<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Agreements::WRITE)?;
    let (to, note) = body.into_inner()?.checked()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let loaded = db::write(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        write_transaction(conn, |conn| {
            transition(conn, &ctx, &id, &if_match, to, note)
        })
    })
    .await?;
    let version = loaded.row.version;
    Ok(json_with_etag(
        StatusCode::OK,
        &Agreements::represent(loaded)?,
        version,
    ))
}
