//! Activities: what actually happened — talks, field trips, mentoring, donations…

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{amounts, ActivityFilter};

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    // Totals before `{id}` so the literal path wins.
    cfg.service(api::activity_totals);
    api::routes(cfg);
}
