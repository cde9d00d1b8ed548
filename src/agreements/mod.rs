//! Agreements: the "portrait of a partnership", its status lifecycle and version history.

pub mod access;
pub mod api;
pub mod history;
pub mod model;
pub mod report;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
    cfg.service(api::transition_agreement)
        .service(history::list_transitions)
        .service(history::list_versions)
        .service(history::get_version)
        .service(history::diff_versions)
        .service(report::agreement_summary)
        .service(report::export_agreement);
}
