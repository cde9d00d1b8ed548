//! The delivery worker: sends each endpoint's events in order, signed as Standard Webhooks asks,
//! retrying with exponential backoff and jitter until `WEBHOOK_RETRY_HOURS` have passed.
//!
//! An endpoint is leased by one worker at a time (on PostgreSQL claimed with `SKIP LOCKED`), so
//! with several replicas nothing is sent twice concurrently and events stay in order. A worker
//! that dies mid-send loses its lease after twice the attempt timeout and [`LEASE_MARGIN`]; the
//! event is then sent again (at least once; receivers drop repeats by `webhook-id`).

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::guard::{self, GuardedResolver};
use super::store::{self, Attempt, DeliveryRow, EndpointRow, DELIVERED, FAILED, PENDING};
use platform::db::Stored;
use platform::db::{self, write_transaction, DbPool};
use platform::error::ApiError;
use platform::settings::WebhookDelivery;

/// How long a claim on an endpoint lasts beyond twice the attempt's timeout: time to record
/// the outcome.
const LEASE_MARGIN: Duration = Duration::from_secs(60);
/// Most endpoints served in one round.
const ROUND: i64 = 16;
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(2 * 3600);

/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the secret's key.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| format!("the endpoint's secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The wait before attempt `attempt` + 1: doubling from `first`, at most two hours, with a
/// quarter either way of jitter so receivers that come back are not stampeded.
pub fn backoff(first: Duration, attempt: i32) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let base = first.saturating_mul(1 << doublings).min(MAX_DELAY);
    let mut noise = [0u8; 2];
    let _ = getrandom::fill(&mut noise);
    let jitter = 0.75 + f64::from(u16::from_le_bytes(noise)) / f64::from(u16::MAX) * 0.5;
    base.mul_f64(jitter)
}

/// What an attempt came to.
enum Outcome {
    Delivered(i32),
    Failed(Option<i32>, String),
}

/// Sends events: one HTTP client (rustls, no redirects, no proxy, names resolved through the
/// SSRF guard) and the district's delivery settings.
pub struct Sender {
    client: reqwest::Client,
    settings: WebhookDelivery,
    allowed_hosts: Vec<String>,
    worker: String,
}

impl Sender {
    pub fn new(settings: &WebhookDelivery, allowed_hosts: &[String]) -> Result<Sender, String> {
        let client = platform::http::client::builder(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allowed_hosts: allowed_hosts.to_vec(),
            }))
            .build()
            .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))?;
        Ok(Sender {
            client,
            settings: settings.clone(),
            allowed_hosts: allowed_hosts.to_vec(),
            worker: platform::db::sql::new_id(),
        })
    }

    /// Sends the oldest due event of every endpoint with one (one attempt each); how many
    /// attempts were made.
    pub async fn deliver_due(&self, pool: &DbPool) -> Result<usize, ApiError> {
        let now = db::now();
        let anything = db::run(pool, move |conn| Ok(store::claimable(conn, now, 1)?)).await?;
        if anything.is_empty() {
            return Ok(0);
        }
        let worker = self.worker.clone();
        let lease = self.settings.timeout.saturating_mul(2) + LEASE_MARGIN;
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let claimed = db::write(pool, move |conn| {
            write_transaction(conn, |conn| {
                let mut claimed = Vec::new();
                for id in store::claimable(conn, now, ROUND)? {
                    let Some(head) = store::head(conn, &id)? else {
                        continue;
                    };
                    // A later event is due but the oldest is not: order comes first.
                    if head.next_attempt_at > now {
                        continue;
                    }
                    let Some(endpoint) = EndpointRow::find(conn, &id)? else {
                        continue;
                    };
                    store::lease(conn, &id, &worker, until)?;
                    claimed.push((endpoint, head));
                }
                Ok::<_, ApiError>(claimed)
            })
        })
        .await?;
        let attempts = claimed.len();
        // Each outcome is recorded as soon as its attempt ends, while the lease holds; one
        // failing to be recorded does not keep the others from it.
        let settled = futures_util::future::join_all(claimed.into_iter().map(
            |(endpoint, delivery)| async move {
                let outcome = self.send(&endpoint, &delivery).await;
                self.settle(pool, endpoint.id, delivery, outcome).await
            },
        ))
        .await;
        for failed in settled.into_iter().filter_map(Result::err) {
            log::warn!("a webhook attempt could not be recorded (it will be sent again): {failed}");
        }
        Ok(attempts)
    }

    async fn send(&self, endpoint: &EndpointRow, delivery: &DeliveryRow) -> Outcome {
        // The rules may have changed since the endpoint was saved, and an address literal
        // never reaches the resolver.
        if let Err(message) = guard::allowed(&endpoint.url, &self.allowed_hosts) {
            return Outcome::Failed(None, message);
        }
        let timestamp = chrono::Utc::now().timestamp();
        let signed = match signature(&endpoint.secret, &delivery.id, timestamp, &delivery.payload) {
            Ok(s) => s,
            Err(message) => return Outcome::Failed(None, message),
        };
        let answer = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(delivery.payload.clone())
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                Outcome::Delivered(i32::from(response.status().as_u16()))
            }
            Ok(response) => {
                let status = response.status();
                Outcome::Failed(
                    Some(i32::from(status.as_u16())),
                    format!("the receiver answered {status}"),
                )
            }
            Err(e) => Outcome::Failed(None, describe(&e)),
        }
    }

    /// Records the attempt, reschedules or gives up, updates the endpoint's health and gives
    /// the lease back.
    async fn settle(
        &self,
        pool: &DbPool,
        endpoint: String,
        delivery: DeliveryRow,
        outcome: Outcome,
    ) -> Result<(), ApiError> {
        let worker = self.worker.clone();
        let settings = self.settings.clone();
        db::write(pool, move |conn| {
            write_transaction(conn, |conn| {
                let now = db::now();
                // A lease that lapsed may belong to another worker now: its record wins, and
                // this attempt counts as one more delivery of the same event.
                if !store::holds(conn, &endpoint, &worker)? {
                    log::warn!(
                        "webhook {endpoint}: lease lost before {} was recorded",
                        delivery.id
                    );
                    return Ok(());
                }
                // Retries are counted from the first attempt, not from when the event was
                // queued: events waiting behind a failing one keep their full window.
                let retry_from = match delivery.attempts {
                    0 => now,
                    _ => delivery.retry_from,
                };
                match outcome {
                    Outcome::Delivered(status) => {
                        store::record_attempt(
                            conn,
                            delivery.seq,
                            &Attempt {
                                state: DELIVERED,
                                retry_from,
                                status: Some(status),
                                error: None,
                                next_attempt_at: now,
                                delivered_at: Some(now),
                            },
                        )?;
                        store::set_health(conn, &endpoint, None, now)?;
                    }
                    Outcome::Failed(status, error) => {
                        let window =
                            chrono::Duration::from_std(settings.retry_window).unwrap_or_default();
                        let give_up = now >= retry_from + window;
                        let wait = backoff(settings.first_retry, delivery.attempts + 1);
                        store::record_attempt(
                            conn,
                            delivery.seq,
                            &Attempt {
                                state: if give_up { FAILED } else { PENDING },
                                retry_from,
                                status,
                                error: Some(&error),
                                next_attempt_at: now
                                    + chrono::Duration::from_std(wait).unwrap_or_default(),
                                delivered_at: None,
                            },
                        )?;
                        if give_up {
                            log::warn!(
                                "webhook {endpoint}: gave up on {} ({}): {error}",
                                delivery.id,
                                delivery.event_type
                            );
                            store::set_health(conn, &endpoint, Some(&error), now)?;
                        }
                    }
                }
                store::release(conn, &endpoint, &worker)?;
                Ok::<_, ApiError>(())
            })
        })
        .await
    }
}

/// An HTTP client error in words an administrator can act on, with its cause.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = format!("the request {kind}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Delivers for as long as the server runs: a round whenever something is due, checking every
/// `WEBHOOK_POLL` otherwise. Failures are logged and tried again.
pub async fn run(pool: DbPool, sender: Sender) {
    loop {
        match sender.deliver_due(&pool).await {
            Ok(0) => actix_web::rt::time::sleep(sender.settings.poll).await,
            Ok(_) => {}
            Err(e) => {
                log::warn!("webhook deliveries failed: {e}");
                actix_web::rt::time::sleep(sender.settings.poll).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let signed = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        let first = Duration::from_secs(10);
        for (attempt, base) in [(1, 10.0), (2, 20.0), (3, 40.0), (30, 7200.0)] {
            let wait = backoff(first, attempt).as_secs_f64();
            assert!(
                (base * 0.75..=base * 1.25).contains(&wait),
                "attempt {attempt}: {wait}"
            );
        }
    }
}
