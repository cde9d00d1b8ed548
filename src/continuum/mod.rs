//! The district's partnership continuum: levels from light involvement to deep engagement.

pub mod api;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_levels)
        .service(api::create_level)
        .service(api::get_level)
        .service(api::replace_level)
        .service(api::patch_level)
        .service(api::delete_level);
}
