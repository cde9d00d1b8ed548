//! An agreement's timeline: kickoff, check-ins, milestones, exhibitions, reviews, renewals.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_items)
        .service(api::create_item)
        .service(api::get_item)
        .service(api::patch_item)
        .service(api::delete_item)
        .service(api::record_check_in);
}
