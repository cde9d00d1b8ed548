//! Responsibilities: who does what by when, and what each party invests.

pub mod api;
pub mod investment;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
    cfg.service(api::get_investment);
}
