//! The district dashboard: one call with everything a front end's home page shows.

pub mod api;
pub mod community;
pub mod listed;
pub mod store;

use crate::openapi::Routes;

pub fn routes(cfg: &mut Routes) {
    cfg.service(api::district_dashboard);
}
