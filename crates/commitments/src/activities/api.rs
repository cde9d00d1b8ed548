//! Routes for `/activities` and their totals.

use actix_web::{web, HttpResponse};

use super::model::{
    totals, Activities, Activity, ActivityInput, ActivityKind, ActivityQuery, ActivitySort,
    ActivityTotals, TotalsBy, TotalsQuery,
};
use super::store::{self, ActivityFilter};
use auth::{Caller, Scope};
use platform::db::{self, DbPool};
use platform::error::ApiError;

pipeline::resource_api! {
    resource: Activities, tag: "activities",
    collection: "/activities", item: "/activities/{id}",
    parent: [],
    filter: ActivityQuery, sort: ActivitySort, input: ActivityInput, output: Activity,
    /// List activities (a partner sees only its own).
    ///
    /// Needs `agreements:read` (admin, staff, partner, viewer; integrations by scope); a partner
    /// account sees only its own partner's activities. Filters combine; `from` and `to` bound
    /// `occurred_on`.
    list: list_activities,
    /// Log an activity.
    ///
    /// A partner logs activities of its own partner; staff those of their schools (and of
    /// agreements of their schools).
    create: create_activity,
    /// One activity.
    ///
    /// Needs `agreements:read`; another partner's activity is 404 to a partner account.
    get: get_activity,
    /// Replace an activity.
    ///
    /// A partner account changes only its own partner's activities (`agreements:read` is
    /// enough). Others need `agreements:write`; staff only when `school_id`, and every school of
    /// the agreement if one is named, are theirs, before and after the change. References must
    /// exist (422 `not_found`) and the partner be in the agreement (`partner_not_in_agreement`).
    replace: replace_activity,
    /// Change an activity (JSON Merge Patch).
    ///
    /// Roles and rules of a replace, applied to the merged activity; a partner account cannot
    /// move an activity to another partner.
    patch: patch_activity,
    /// Remove an activity.
    ///
    /// A partner account removes only its own partner's activities. Others need
    /// `agreements:write`; staff only for activities of their schools (and of agreements all of
    /// whose schools are theirs).
    delete: delete_activity,
}

/// Activity totals (count, hours, people reached) per partner, agreement or school.
///
/// Needs `agreements:read`; a partner account's totals count only its own partner's activities.
/// Activities without an agreement (or a school) are summed in a group whose `key` is `null`.
/// `from` and `to` bound `occurred_on`.
#[utoipa::path(tag = "activities", params(TotalsQuery),
    responses((status = 200, description = "The totals", body = ActivityTotals)))]
#[get("/activities/totals")]
pub async fn activity_totals(
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<TotalsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let query = query.into_inner();
    let by = query.by.unwrap_or(TotalsBy::Partner);
    let filter = ActivityFilter {
        only_partner: caller.partner_scope(),
        partner_id: query.partner_id,
        agreement_id: query.agreement_id,
        school_id: query.school_id,
        kind: query.kind.map(ActivityKind::as_str),
        from: query.from,
        to: query.to,
        updated_since: None,
    };
    let rows = db::run(&pool, move |conn| Ok(store::amounts(conn, &filter)?)).await?;
    Ok(HttpResponse::Ok().json(ActivityTotals {
        by,
        groups: totals(&rows, by),
    }))
}
