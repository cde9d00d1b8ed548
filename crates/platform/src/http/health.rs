//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbPool;
use crate::error::{ApiError, Problem};

/// A probe's answer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// Always `ok` when the probe passes (a failing probe answers a problem instead).
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up and serving HTTP.
///
/// No token needed. Liveness only: it does not touch the database (see `/readyz`).
#[utoipa::path(tag = "health", security(()), responses((status = 200, description = "Process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers a query; 503 when it does not, so a balancer takes the replica out.
///
/// No token needed. Waits at most 2 seconds for a pooled connection before answering 503.
#[utoipa::path(tag = "health", security(()), responses(
    (status = 200, description = "Database reachable", body = Health),
    (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    let pool = pool.get_ref().clone();
    web::block(move || -> Result<(), ApiError> {
        let mut conn = pool.get_timeout(Duration::from_secs(2))?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| ApiError::Unavailable(e.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
