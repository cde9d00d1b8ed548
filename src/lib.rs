//! The partnerships API as a library: `build_app` makes the very App that `serve` runs and that
//! the integration tests call.

pub mod config;
pub mod dashboards;
pub mod housekeeping;
pub mod monitoring;
pub mod openapi;
pub mod seed;

pub use commitments::{activities, agreements, procedures, responsibilities, timeline};
pub use community::{
    committee_meetings, committee_members, committees, communication_plans, community_needs,
    need_categories, surveys,
};
pub use directory::{contacts, continuum, partners, relationships, schools, users, vetting};
pub use integrations::{audit, changes, clients, webhooks};
pub use kpis::{kpi_definitions, kpi_progress, kpi_records, kpi_targets, student_groups};
pub use outreach::{
    calendars, facilities, facility_bookings, opportunities, opportunity_responses, stories,
};
// The platform's floors under their old names, while the rooms above move to their own crates.
pub use ::auth;
pub use pipeline as resource;
pub use pipeline::{idempotency, resource_api};
pub use platform::{address, db, error, http, memory};
pub use platform::{keyset_by, keyset_page, sort_enum, stored_rows, text_enum};
pub use privacy as suppression;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, Condition, DefaultHeaders, Logger};
use actix_web::{http::header, web, App, HttpResponse};
use utoipa::OpenApi as _;
use utoipa_actix_web::{scope, service_config::ServiceConfig, AppExt};

use crate::openapi::Routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::AuthSettings;
use crate::config::{AppSettings, HttpSettings};
use crate::db::DbPool;
use crate::http::fallback::RouteTable;

pub use platform::http::API_PREFIX;
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const TOKEN_PATH: &str = "/api/v1/oauth/token";

/// The generated document, served as JSON from inside the `/api/v1` scope (a route outside it
/// would never be reached: the scope claims every `/api/v1/...` path).
struct OpenApiJson(web::Bytes);

async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// What every App needs of the generated document: its JSON and its route table. Each worker
/// builds the document again as it registers the routes, but keeps only these, made once per
/// process and shared: a worker holding its own document cost some 35 MB of memory.
fn document_parts(
    doc: utoipa::openapi::OpenApi,
) -> &'static (web::Data<OpenApiJson>, web::Data<RouteTable>) {
    static PARTS: std::sync::OnceLock<(web::Data<OpenApiJson>, web::Data<RouteTable>)> =
        std::sync::OnceLock::new();
    PARTS.get_or_init(|| {
        let doc = openapi::add_standard_errors(doc);
        // Served compact: indentation would be two fifths of what clients download.
        let json = doc.to_json().unwrap_or_default();
        (
            web::Data::new(OpenApiJson(web::Bytes::from(json))),
            web::Data::new(RouteTable::from_openapi(&doc)),
        )
    })
}

pub use integrations::feed::resources as feed_resources;

fn api_routes(cfg: &mut ServiceConfig) {
    register_api(&mut Routes::new(cfg));
}

fn register_api(cfg: &mut Routes) {
    cfg.route("/openapi.json", web::get().to(openapi_json));
    // Before the school routes: `/schools/{id}` would otherwise claim the path and answer 405.
    cfg.service(schools::api::import_schools);
    schools::api::routes(cfg);
    partners::routes(cfg);
    contacts::routes(cfg);
    vetting::routes(cfg);
    continuum::routes(cfg);
    agreements::routes(cfg);
    timeline::routes(cfg);
    responsibilities::routes(cfg);
    activities::routes(cfg);
    kpi_definitions::routes(cfg);
    student_groups::routes(cfg);
    need_categories::routes(cfg);
    surveys::routes(cfg);
    community_needs::routes(cfg);
    committees::routes(cfg);
    committee_members::routes(cfg);
    committee_meetings::routes(cfg);
    communication_plans::routes(cfg);
    facilities::routes(cfg);
    facility_bookings::routes(cfg);
    stories::routes(cfg);
    relationships::routes(cfg);
    procedures::routes(cfg);
    opportunities::routes(cfg);
    opportunity_responses::routes(cfg);
    kpi_targets::routes(cfg);
    kpi_records::routes(cfg);
    kpi_progress::routes(cfg);
    dashboards::routes(cfg);
    changes::routes(cfg);
    calendars::routes(cfg);
    webhooks::routes(cfg);
    auth::routes(cfg);
    clients::routes(cfg);
    users::routes(cfg);
    cfg.service(audit::api::list_audit_events);
}

fn with_routes<T>(app: App<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .service(http::health::healthz)
        .service(http::health::readyz)
        .service(monitoring::metrics_text)
        .service(scope(API_PREFIX).configure(api_routes))
}

/// Where actix-web's access logger writes its lines.
const ACCESS_LOG_TARGET: &str = "actix_web::middleware::logger";

/// The request line as the access log shows it: a calendar feed's URL is its only key, so its
/// token never reaches the log.
fn logged_request_line(req: &ServiceRequest) -> String {
    let path = req.path();
    let path = match path.strip_prefix("/api/v1/calendars/") {
        Some(_) => "/api/v1/calendars/[token].ics",
        None => path,
    };
    match req.query_string() {
        "" => format!("{} {path} {:?}", req.method(), req.version()),
        query => format!("{} {path}?{query} {:?}", req.method(), req.version()),
    }
}

/// The OpenAPI document, generated from the routes (what `partnerships openapi` prints and
/// `openapi/openapi.json` holds).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, doc) = with_routes(App::new()).split_for_parts();
    openapi::add_standard_errors(doc)
}

/// The schema names the App publishes, and those two different schemas are published under
/// (see [`openapi::published_schema_names`]); no clash when every name belongs to one Rust type.
pub fn published_schema_names() -> openapi::PublishedNames {
    openapi::published_schema_names(&openapi::ApiDoc::openapi(), || {
        let _ = with_routes(App::new()).split_for_parts();
    })
}

fn cors(settings: &HttpSettings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            http::request_id::HEADER,
            header::HeaderName::from_static(idempotency::HEADER),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            http::request_id::HEADER,
            header::HeaderName::from_static(idempotency::REPLAYED),
        ])
        .max_age(3600);
    for origin in &settings.cors_origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Builds the App: routes, OpenAPI and Swagger UI, extractor error mapping, authentication,
/// request ids, access log, compression and CORS.
pub fn build_app(
    pool: DbPool,
    app_settings: &AppSettings,
    auth: &AuthSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let settings = &app_settings.http;
    let (app, json, routes) = {
        // Workers start side by side, and each generates the whole document as it registers
        // the routes, only to drop it. One at a time, with the freed pages handed back after
        // each, the process's peak holds one document's garbage rather than one per worker.
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (app, doc) = with_routes(App::new()).split_for_parts();
        let (json, routes) = document_parts(doc);
        memory::release_free();
        (app, json, routes)
    };
    app.app_data(web::Data::new(pool))
        .app_data(web::Data::new(auth.clone()))
        .app_data(web::Data::new(app_settings.policy.clone()))
        .app_data(web::Data::from(
            app_settings.sign_in_limits.clone().unwrap_or_else(|| {
                std::sync::Arc::new(auth::limits::SignInLimits::new(&app_settings.rate_limits))
            }),
        ))
        .app_data(web::Data::from(
            app_settings.public_limit.clone().unwrap_or_else(|| {
                std::sync::Arc::new(auth::limits::PublicLimit::new(&app_settings.rate_limits))
            }),
        ))
        .app_data(web::Data::from(
            app_settings
                .metrics
                .clone()
                .unwrap_or_else(|| http::metrics::Metrics::new(app_settings.metrics_token.clone())),
        ))
        .app_data(web::PayloadConfig::new(settings.max_body_bytes))
        .app_data(web::Data::new(http::decoding::InflatedLimit(
            settings.max_body_bytes,
        )))
        .app_data(json.clone())
        .app_data(http::extract::json_config(settings.max_body_bytes))
        .app_data(http::extract::query_config())
        .app_data(http::extract::path_config())
        .app_data(routes.clone())
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from(OPENAPI_PATH)),
        )
        .service(web::resource("/docs").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        })))
        .default_service(web::to(http::fallback::not_matched))
        .wrap(from_fn(http::decoding::bounded_inflation))
        .wrap(from_fn(idempotency::idempotent))
        .wrap(Compress::default())
        .wrap(Condition::new(
            !settings.cors_origins.is_empty(),
            cors(settings),
        ))
        .wrap(Condition::new(
            // Built only when its lines would be written: the logger renders every request's
            // line before the log level is asked (1 % of a read's CPU with RUST_LOG=warn).
            log::log_enabled!(target: ACCESS_LOG_TARGET, log::Level::Info),
            Logger::new("request_id=%{x-request-id}i %a \"%{request}xi\" %s %b %Dms")
                .custom_request_replace("request", logged_request_line)
                .log_target(ACCESS_LOG_TARGET),
        ))
        .wrap(from_fn(http::extract::refuse_control_characters))
        .wrap(from_fn(http::metrics::record))
        .wrap(from_fn(http::request_id::middleware))
        // Outermost, so every answer carries it, refusals included: a browser must never run
        // an upload or an answer as something other than its declared type.
        .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_never_shows_a_calendar_token() {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/calendars/s3cr3t-token.ics")
            .to_srv_request();
        let line = logged_request_line(&req);
        assert!(!line.contains("s3cr3t"), "{line}");
        assert!(line.starts_with("GET /api/v1/calendars/[token].ics"));
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/schools?q=lincoln")
            .to_srv_request();
        assert!(logged_request_line(&req).starts_with("GET /api/v1/schools?q=lincoln HTTP/1.1"));
    }
}
