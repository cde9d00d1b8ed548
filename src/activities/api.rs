//! Routes for `/activities` and their totals.

use actix_web::{web, HttpResponse};

use super::model::{
    totals, Activities, Activity, ActivityInput, ActivityKind, ActivityQuery, ActivitySort,
    ActivityTotals, TotalsBy, TotalsQuery,
};
use super::store::{self, ActivityFilter};
use crate::auth::{Caller, Scope};
use crate::db::{self, DbPool};
use crate::error::ApiError;

crate::resource_api! {
    resource: Activities, tag: "activities",
    collection: "/activities", item: "/activities/{id}",
    parent: [],
    filter: ActivityQuery, sort: ActivitySort, input: ActivityInput, output: Activity,
    /// List activities (a partner sees only its own).
    list: list_activities,
    /// Log an activity.
    ///
    /// A partner logs activities of its own partner; staff those of their schools (and of
    /// agreements of their schools).
    create: create_activity,
    /// One activity.
    get: get_activity,
    /// Replace an activity.
    replace: replace_activity,
    /// Change an activity (JSON Merge Patch).
    patch: patch_activity,
    /// Remove an activity.
    delete: delete_activity,
}

/// Activity totals (count, hours, people reached) per partner, agreement or school.
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
