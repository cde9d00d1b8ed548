//! The catalogue of KPI definitions: what a metric means, its unit, which way is better, and
//! how its values combine across schools and student groups.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_definitions)
        .service(api::create_definition)
        .service(api::get_definition)
        .service(api::replace_definition)
        .service(api::patch_definition)
        .service(api::delete_definition);
}
