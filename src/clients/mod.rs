//! API clients: the scripts and systems that call with OAuth2 client credentials.

pub mod actions;
pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_clients)
        .service(api::create_client)
        .service(api::get_client)
        .service(api::patch_client)
        .service(api::revoke_client)
        .service(api::rotate_client_secret);
}
