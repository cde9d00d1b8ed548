//! Responsibilities: who does what by when, and what each party invests.

pub mod api;
pub mod investment;
pub mod model;
pub mod store;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    api::routes(cfg);
    cfg.service(api::get_investment);
}
