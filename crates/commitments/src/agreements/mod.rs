//! Agreements: the "portrait of a partnership", its status lifecycle and version history.

pub mod access;
pub mod api;
pub mod history;
pub mod model;
pub mod report;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{partners_of, schools_of, AgreementWithParties};

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    api::routes(cfg);
    cfg.service(api::transition_agreement)
        .service(history::list_agreement_transitions)
        .service(history::list_agreement_versions)
        .service(history::get_agreement_version)
        .service(history::diff_agreement_versions)
        .service(report::agreement_summary)
        .service(report::export_agreement);
}
