//! People who sign in: district admins, school staff, partner contacts, viewers.

pub mod actions;
pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_users)
        .service(api::create_user)
        .service(api::get_user)
        .service(api::patch_user);
}
