//! Agreements: the "portrait of a partnership", its status lifecycle and version history.

pub mod api;
pub mod history;
pub mod model;
pub mod report;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::list_agreements)
        .service(api::create_agreement)
        .service(api::get_agreement)
        .service(api::replace_agreement)
        .service(api::patch_agreement)
        .service(api::delete_agreement)
        .service(api::transition_agreement)
        .service(history::list_transitions)
        .service(history::list_versions)
        .service(history::get_version)
        .service(history::diff_versions)
        .service(report::agreement_summary)
        .service(report::export_agreement);
}
