//! Routes for `/agreements/{agreement_id}/responsibilities` and the investment balance.

use actix_web::{web, HttpResponse};

use super::investment::{investment_of, InvestmentSummary};
use super::model::{
    Responsibilities, Responsibility, ResponsibilityInput, ResponsibilityQuery, ResponsibilitySort,
};
use super::store::{self, ResponsibilityFilter};
use crate::agreements::access::{load_visible, AgreementItemsPath};
use crate::auth::{Caller, Scope};
use crate::db::{self, DbPool};
use crate::error::ApiError;

crate::resource_api! {
    resource: Responsibilities, tag: "responsibilities",
    collection: "/agreements/{agreement_id}/responsibilities",
    item: "/agreements/{agreement_id}/responsibilities/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: ResponsibilityQuery, sort: ResponsibilitySort,
    input: ResponsibilityInput, output: Responsibility,
    /// An agreement's responsibilities, soonest due first.
    list: list_responsibilities,
    /// Add a responsibility to an agreement.
    create: create_responsibility,
    /// One responsibility.
    get: get_responsibility,
    /// Replace a responsibility.
    replace: replace_responsibility,
    /// Change some fields of a responsibility (JSON Merge Patch).
    ///
    /// A partner may send `{"status": …}` alone for a partner-side responsibility assigned to
    /// one of its contacts (or unassigned when it is the agreement's only partner).
    patch: patch_responsibility,
    /// Remove a responsibility.
    delete: delete_responsibility,
}

/// Investment per party and kind, and each party's share.
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
