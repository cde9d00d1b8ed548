//! Activities: what actually happened — talks, field trips, mentoring, donations…

pub mod api;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // Totals before `{id}` so the literal path wins.
    cfg.service(api::activity_totals)
        .service(api::list_activities)
        .service(api::create_activity)
        .service(api::get_activity)
        .service(api::replace_activity)
        .service(api::patch_activity)
        .service(api::delete_activity);
}
