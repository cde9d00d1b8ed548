//! `GET /metrics`: the Prometheus text exposition, for the district's monitoring. Off unless
//! `METRICS_TOKEN` is set; the scraper sends it as a bearer token.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::db::DbPool;
use crate::error::ApiError;

/// The process's metrics, shared by every worker.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    pub ingest_rows: IntCounterVec,
    latest_change: IntGauge,
    webhook_backlog: IntGaugeVec,
    webhooks_failing: IntGauge,
    /// `METRICS_TOKEN`; `None`: `/metrics` answers 404.
    token: Option<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.token.is_some())
            .finish()
    }
}

fn registered<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<T>,
) -> T {
    // The names and labels below are constants: a failure here is a programming error caught
    // by the first test that builds an App, never something a request can cause.
    let metric = metric.expect("a valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("metric names are unique");
    metric
}

impl Metrics {
    pub fn new(token: Option<String>) -> Arc<Metrics> {
        let registry = Registry::new();
        let requests = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "Requests answered, by route template and status",
                ),
                &["method", "route", "status"],
            ),
        );
        let latency = registered(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time to answer, by route template",
                )
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ]),
                &["method", "route"],
            ),
        );
        let pool = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "db_pool_connections",
                    "Pooled database connections, by state",
                ),
                &["state"],
            ),
        );
        let ingest_rows = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "kpi_ingest_rows_total",
                    "KPI batch rows, by what became of them",
                ),
                &["outcome"],
            ),
        );
        let latest_change = registered(
            &registry,
            IntGauge::new(
                "changes_latest_seq",
                "The newest change-feed sequence number",
            ),
        );
        let webhook_backlog = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "webhook_deliveries",
                    "Webhook events not delivered: pending (queued or retrying) and failed (given up)",
                ),
                &["state"],
            ),
        );
        let webhooks_failing = registered(
            &registry,
            IntGauge::new(
                "webhook_endpoints_failing",
                "Enabled webhook endpoints marked failing",
            ),
        );
        Arc::new(Metrics {
            registry,
            requests,
            latency,
            pool,
            ingest_rows,
            latest_change,
            webhook_backlog,
            webhooks_failing,
            token: token.filter(|t| !t.is_empty()),
        })
    }

    /// Counts the rows of a KPI batch.
    pub fn ingested(&self, inserted: usize, updated: usize, unchanged: usize, rejected: usize) {
        for (outcome, n) in [
            ("inserted", inserted),
            ("updated", updated),
            ("unchanged", unchanged),
            ("rejected", rejected),
        ] {
            self.ingest_rows
                .with_label_values(&[outcome])
                .inc_by(n as u64);
        }
    }
}

/// Counts every answer by method, route template (never the raw path, whose ids would make
/// a series per row) and status, and times it.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let shared = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().as_str().to_owned();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(req).await?;
    if let Some(shared) = shared {
        let status = response.status().as_u16().to_string();
        shared
            .requests
            .with_label_values(&[&method, &route, &status])
            .inc();
        shared
            .latency
            .with_label_values(&[&method, &route])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

impl Metrics {
    /// `METRICS_TOKEN`, when the scrape endpoint is on.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The pool's connections in use and idle, read at the scrape.
    pub fn observe_pool(&self, pool: &DbPool) {
        let state = pool.state();
        let in_use = state.connections.saturating_sub(state.idle_connections);
        let gauge = |label: &str, value: u32| {
            self.pool.with_label_values(&[label]).set(i64::from(value));
        };
        gauge("in_use", in_use);
        gauge("idle", state.idle_connections);
        gauge("max", pool.max_size());
    }

    /// The journal's figures, read at the scrape; `None` while the database is away (the scrape
    /// still shows the process's own figures, and the newest change as -1).
    pub fn observe_journal(&self, figures: Option<JournalFigures>) {
        let Some(figures) = figures else {
            self.latest_change.set(-1);
            return;
        };
        self.latest_change.set(figures.latest_change);
        for state in ["pending", "failed"] {
            let n = figures
                .webhook_backlog
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            self.webhook_backlog.with_label_values(&[state]).set(n);
        }
        self.webhooks_failing.set(figures.webhooks_failing);
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| ApiError::Internal(format!("cannot encode metrics: {e}")))?;
        Ok(out)
    }
}

/// What the change feed and the webhook outbox report at a scrape.
#[derive(Debug, Default)]
pub struct JournalFigures {
    /// The newest change-feed number.
    pub latest_change: i64,
    /// Webhook events by delivery state (`pending`, `failed`).
    pub webhook_backlog: Vec<(String, i64)>,
    /// Endpoints whose last delivery failed.
    pub webhooks_failing: i64,
}
