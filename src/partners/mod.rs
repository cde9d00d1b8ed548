//! Partners: the businesses, nonprofits, colleges, museums, libraries… the district works with.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_partners)
        .service(api::create_partner)
        .service(api::get_partner)
        .service(api::replace_partner)
        .service(api::patch_partner)
        .service(api::delete_partner);
}
