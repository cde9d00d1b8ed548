//! Activities: what actually happened — talks, field trips, mentoring, donations…

pub mod api;
pub mod model;
pub mod store;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    // Totals before `{id}` so the literal path wins.
    cfg.service(api::activity_totals);
    api::routes(cfg);
}
