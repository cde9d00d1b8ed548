//! Contacts: the people at a partner, under `/partners/{partner_id}/contacts`.

pub mod api;
pub mod model;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_contacts)
        .service(api::create_contact)
        .service(api::get_contact)
        .service(api::replace_contact)
        .service(api::patch_contact)
        .service(api::delete_contact);
}
