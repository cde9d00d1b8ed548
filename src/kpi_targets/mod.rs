//! KPI targets of an agreement: for one KPI and student group, where it starts (baseline) and
//! where the partners mean to take it by when.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_targets)
        .service(api::create_target)
        .service(api::get_target)
        .service(api::replace_target)
        .service(api::patch_target)
        .service(api::delete_target);
}
