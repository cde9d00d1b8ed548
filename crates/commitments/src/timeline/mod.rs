//! An agreement's timeline: kickoff, check-ins, milestones, exhibitions, reviews, renewals.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{meetings_per_host, TimelineRow};

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    api::routes(cfg);
    cfg.service(api::record_check_in);
}
