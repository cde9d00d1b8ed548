//! The settings the floors above read, as plain values: what the App is built with and the
//! district's rules. Reading them from the environment is the binary's job (`config`).

use std::time::Duration;

/// What the App itself needs (also built by tests).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty means no CORS headers; `*` allows any origin.
    pub cors_origins: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            max_body_bytes: 1024 * 1024,
            cors_origins: Vec::new(),
        }
    }
}

/// The district's rules that an operator may tune: vetting, KPI batch limits, suppression,
/// how long the change feed keeps changes.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Refuse to activate an agreement involving students unless every partner's vetting is
    /// approved.
    pub require_vetting: bool,
    /// Most rows one KPI batch may hold.
    pub kpi_batch_max_rows: usize,
    /// Largest KPI batch body, in bytes.
    pub kpi_batch_max_bytes: usize,
    /// KPI values computed from fewer students are suppressed for tokens without
    /// `kpi:read_small_cells`.
    pub kpi_min_cell_size: i64,
    /// Most records in one CSV export for roles other than admin.
    pub kpi_export_max_rows: i64,
    /// Answers one address may give one survey's public link in 24 hours (0: no limit).
    pub survey_answers_per_address: u32,
    /// Days the change feed keeps a change; an older cursor must resync.
    pub changes_retention_days: u32,
    /// Seconds an `Idempotency-Key` and its answer are kept.
    pub idempotency_ttl_seconds: i64,
    /// `WEBHOOK_ALLOWED_HOSTS`: hosts (optionally `host:port`) webhooks may reach though they
    /// are not public, or over plain `http`.
    pub webhook_allowed_hosts: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require_vetting: true,
            kpi_batch_max_rows: 50_000,
            kpi_batch_max_bytes: 32 * 1024 * 1024,
            kpi_min_cell_size: 10,
            kpi_export_max_rows: 100_000,
            survey_answers_per_address: 20,
            changes_retention_days: 30,
            idempotency_ttl_seconds: 86_400,
            webhook_allowed_hosts: Vec::new(),
        }
    }
}

/// How the delivery worker sends webhook events.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// `WEBHOOK_RETRY_HOURS`: how long an event is retried before it is given up and its
    /// endpoint marked failing.
    pub retry_window: Duration,
    /// The wait before the first retry; each later wait doubles (at most two hours).
    pub first_retry: Duration,
    /// `WEBHOOK_TIMEOUT_SECONDS`: how long one attempt may take.
    pub timeout: Duration,
    /// How often the worker looks for due events when none were due.
    pub poll: Duration,
}

impl Default for WebhookDelivery {
    fn default() -> Self {
        WebhookDelivery {
            retry_window: Duration::from_secs(24 * 3600),
            first_retry: Duration::from_secs(10),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
        }
    }
}
