//! Activities: what actually happened — talks, field trips, mentoring, donations…

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // Totals before `{id}` so the literal path wins.
    cfg.service(api::activity_totals);
    api::routes(cfg);
}
