//! KPI progress: records combined across schools per KPI, student group and period (as each
//! KPI's definition says values combine), measured against an agreement's targets. Used by
//! `GET /agreements/{id}/kpis` and the district dashboard.

pub mod api;
pub mod model;
pub mod series;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{latest_target_cells, latest_target_members, CellRow};

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    cfg.service(api::agreement_kpis);
}
