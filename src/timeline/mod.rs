//! An agreement's timeline: kickoff, check-ins, milestones, exhibitions, reviews, renewals.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
    cfg.service(api::record_check_in);
}
