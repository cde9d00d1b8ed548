//! Responsibilities: who does what by when, and what each party invests.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_responsibilities)
        .service(api::create_responsibility)
        .service(api::get_responsibility)
        .service(api::replace_responsibility)
        .service(api::patch_responsibility)
        .service(api::delete_responsibility)
        .service(api::get_investment);
}
