//! `GET /metrics`: the Prometheus text exposition, for the district's monitoring. Off unless
//! `METRICS_TOKEN` is set; the scraper sends it as a bearer token. The metrics themselves are
//! the platform's; this endpoint adds what the journal reports.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::db::DbPool;
use crate::error::ApiError;
use crate::http::metrics::{JournalFigures, Metrics};

/// Prometheus metrics.
///
/// Prometheus metrics (text exposition): requests by route and status with a latency
/// histogram, pool connections in use and idle, KPI ingest rows, the newest change-feed
/// number, webhook events pending and failed, and failing webhook endpoints. 404 unless `METRICS_TOKEN` is set; then the token is the bearer.
#[utoipa::path(tag = "health", security(("metrics_token" = [])),
    responses((status = 200, description = "Metrics", content_type = "text/plain", body = String),
        (status = 401, description = "Wrong or missing METRICS_TOKEN", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are off (no METRICS_TOKEN)", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/metrics")]
pub async fn metrics_text(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = metrics.token() else {
        return Err(ApiError::not_found("metrics endpoint"));
    };
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let same = sent.len() == token.len()
        && sent
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(ApiError::Unauthorized(
            "send METRICS_TOKEN as the bearer token".into(),
        ));
    }
    metrics.observe_pool(&pool);
    let figures = crate::db::run(&pool, |conn| {
        Ok(JournalFigures {
            latest_change: crate::changes::store::latest_seq(conn)?,
            webhook_backlog: crate::webhooks::store::backlog(conn)?,
            webhooks_failing: crate::webhooks::store::failing(conn)?,
        })
    })
    .await;
    metrics.observe_journal(figures.ok());
    let out = metrics.encode()?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}
