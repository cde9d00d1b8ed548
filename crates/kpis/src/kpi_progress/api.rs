//! `GET /agreements/{id}/kpis`.

use actix_web::{get, web, HttpResponse};

use super::series::{build, AgreementKpis, AgreementKpisPath, KpisQuery};
use auth::{Caller, Scope};
use commitments::agreements::access::load_visible;
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::settings::Policy;
use privacy::Suppression;

/// An agreement's KPIs: baseline, target, series by period (combined across schools as each
/// KPI's aggregation says), latest value, progress and on-track flag.
///
/// The series covers a window: by default the 365 days up to today; `from` and `to` choose
/// another, of at most 1,096 days (longer is 422 `window_too_long`: page through the history
/// window by window; a `to` before `from` is 422 `date_order`).
/// `latest`, `progress` and `on_track` are computed from the window.
#[utoipa::path(tag = "kpis", params(AgreementKpisPath, KpisQuery),
    responses((status = 200, description = "The agreement's KPI progress", body = AgreementKpis)))]
#[get("/agreements/{id}/kpis")]
pub async fn agreement_kpis(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    path: web::Path<AgreementKpisPath>,
    query: web::Query<KpisQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    caller.require(Scope::KpiRead)?;
    let agreement_id = path.into_inner().id;
    let mut query = query.into_inner();
    let (from, to) = super::series::window(query.from, query.to, db::today())?;
    (query.from, query.to) = (Some(from), Some(to));
    let min_cell_size = settings.kpi_min_cell_size;
    let suppression = Suppression::for_caller(&caller, min_cell_size);
    let (agreement_id, kpis) = db::run(&pool, move |conn| {
        let agreement = load_visible(conn, &caller, &agreement_id)?;
        let kpis = build(conn, &agreement.row.id, &query, suppression)?;
        Ok((agreement.row.id, kpis))
    })
    .await?;
    Ok(HttpResponse::Ok().json(AgreementKpis {
        agreement_id,
        from,
        to,
        min_cell_size,
        kpis,
    }))
}
