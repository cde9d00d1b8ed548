//! Responsibilities: who does what by when, and what each party invests.

pub mod api;
pub mod investment;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::ResponsibilityRow;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    api::routes(cfg);
    cfg.service(api::get_investment);
}
