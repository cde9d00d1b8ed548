//! An agreement's timeline: kickoff, check-ins, milestones, exhibitions, reviews, renewals.

pub mod api;
pub mod model;
pub mod store;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    api::routes(cfg);
    cfg.service(api::record_check_in);
}
