//! The district dashboard: one call with everything a front end's home page shows.

pub mod api;
pub mod community;
pub mod listed;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::district_dashboard);
}
