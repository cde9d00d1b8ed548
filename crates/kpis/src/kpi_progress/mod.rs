//! KPI progress: records combined across schools per KPI, student group and period (as each
//! KPI's definition says values combine), measured against an agreement's targets. Used by
//! `GET /agreements/{id}/kpis` and the district dashboard.

pub mod api;
pub mod model;
pub mod series;
pub mod store;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    cfg.service(api::agreement_kpis);
}
