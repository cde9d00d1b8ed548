//! Routes for `/agreements/{agreement_id}/responsibilities` and the investment balance.

use actix_web::{web, HttpResponse};

use super::investment::{investment_of, InvestmentSummary};
use super::model::{
    Responsibilities, Responsibility, ResponsibilityInput, ResponsibilityQuery, ResponsibilitySort,
};
use super::store::{self, ResponsibilityFilter};
use crate::agreements::access::{load_visible, AgreementItemsPath};
use auth::{Caller, Scope};
use platform::db::{self, DbPool};
use platform::error::ApiError;

pipeline::resource_api! {
    resource: Responsibilities, tag: "responsibilities",
    collection: "/agreements/{agreement_id}/responsibilities",
    item: "/agreements/{agreement_id}/responsibilities/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: ResponsibilityQuery, sort: ResponsibilitySort,
    input: ResponsibilityInput, output: Responsibility,
    /// An agreement's responsibilities, soonest due first.
    ///
    /// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
    /// Undated responsibilities come last; `overdue` is judged against today (UTC).
    list: list_responsibilities,
    /// Add a responsibility to an agreement.
    ///
    /// Needs `agreements:write` (admin, staff, integrations by scope); staff only on agreements
    /// all of whose schools are theirs. `assignee_contact_id` must be a contact of one of the
    /// agreement's partners and `assignee_user_id` an existing user (422 `not_found`); an
    /// `external_id` already in use is 409.
    create: create_responsibility,
    /// One responsibility.
    ///
    /// Needs `agreements:read`; 404 when it is not on this agreement, or the agreement is not
    /// one a partner account's partner is part of.
    get: get_responsibility,
    /// Replace a responsibility.
    ///
    /// Roles and rules of creating. Every writable field comes from the body: absent optional
    /// fields are cleared, and an absent `status` is `planned` again.
    replace: replace_responsibility,
    /// Change some fields of a responsibility (JSON Merge Patch).
    ///
    /// A partner may send `{"status": …}` alone for a partner-side responsibility assigned to
    /// one of its contacts (or unassigned when it is the agreement's only partner).
    patch: patch_responsibility,
    /// Remove a responsibility.
    ///
    /// Needs `agreements:write`; staff only on agreements all of whose schools are theirs.
    /// Partner accounts cannot delete; they may only change the status of their own by PATCH.
    delete: delete_responsibility,
}

/// Investment per party and kind, and each party's share.
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404.
/// Sums the `investment` of every responsibility of the agreement, whatever its status (dropped
/// ones too). Amounts add up only within one kind and unit; hours without a unit are `hours`.
#[utoipa::path(tag = "responsibilities", params(AgreementItemsPath),
    responses((status = 200, description = "Investment sums and balance", body = InvestmentSummary)))]
#[get("/agreements/{agreement_id}/investment")]
pub async fn get_investment(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementItemsPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let agreement_id = path.into_inner().agreement_id;
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        Ok(store::list(
            conn,
            &agreement_id,
            &ResponsibilityFilter::default(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(investment_of(&rows)))
}
