//! KPI records: aggregate values per KPI, school, agreement, student group and period, pushed
//! in bulk by the district's nightly scripts and read back with small cells suppressed.

pub mod api;
pub mod ingest;
pub mod model;
pub mod rollup;
pub mod store;
pub mod suppression;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::ingest_batch).service(api::list_records);
}
