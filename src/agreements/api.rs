//! Routes for `/agreements`: the generic ones, and status transitions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::access::AgreementPath;
use super::model::{
    transition, Agreement, AgreementInput, AgreementQuery, AgreementSort, Agreements,
    TransitionInput,
};
use crate::auth::Caller;
use crate::config::Policy;
use crate::db::{self, write_transaction, DbPool};
use crate::error::ApiError;
use crate::http::etag::{json_with_etag, IfMatch, IfMatchHeader};
use crate::resource::{Ctx, Resource};

crate::resource_api! {
    resource: Agreements, tag: "agreements",
    collection: "/agreements", item: "/agreements/{id}",
    parent: [],
    filter: AgreementQuery, sort: AgreementSort, input: AgreementInput, output: Agreement,
    /// List agreements (a partner sees only its own).
    list: list_agreements,
    /// Create an agreement (as a draft).
    create: create_agreement,
    /// Get an agreement.
    get: get_agreement,
    /// Replace an agreement's content (not its status).
    replace: replace_agreement,
    /// Change some fields of an agreement (JSON Merge Patch; not its status).
    patch: patch_agreement,
    /// Delete a draft agreement; other statuses are refused with 409 (terminate instead).
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
    body: crate::http::body::Body<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Agreements::WRITE)?;
    let (to, note) = body.into_inner()?.checked()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let loaded = db::write(&pool, move |conn| {
        let ctx = Ctx {
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
