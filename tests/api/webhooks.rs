//! Webhooks against a real receiver on loopback: signed Standard Webhooks events, in order, at
//! least once, through failures and concurrent workers; the SSRF guard; the outbox written
//! only when the change commits.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::dns::Resolve;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::both;
use crate::support::*;
use partnerships::config::{AppSettings, Policy, WebhookDelivery};
use partnerships::webhooks::delivery::Sender;
use partnerships::webhooks::guard::GuardedResolver;

both!(
    events_arrive_signed_and_in_order_through_failures,
    a_failing_endpoint_shows_its_error_and_recovers,
    the_secret_is_shown_once,
    rolled_back_writes_send_nothing,
    credentials_are_never_sent_to_subscribers,
    two_workers_never_send_an_event_twice,
    receivers_inside_the_network_are_refused,
    events_waiting_behind_a_failure_keep_their_retries,
    an_endpoint_in_backoff_does_not_hold_up_the_others,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// How many more requests to fail with 503.
    failures: Arc<Mutex<u32>>,
    port: u16,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// A receiver on loopback that fails its first `failures` requests.
    fn start(failures: u32) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(Mutex::new(failures));
        let (g, f) = (got.clone(), failing.clone());
        let server = HttpServer::new(move || {
            let (g, f) = (g.clone(), f.clone());
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: String| {
                    let (g, f) = (g.clone(), f.clone());
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let mut left = f.lock().unwrap();
                        let answered = if *left > 0 {
                            *left -= 1;
                            503
                        } else {
                            204
                        };
                        g.lock().unwrap().push(Received {
                            id: header("webhook-id"),
                            timestamp: header("webhook-timestamp"),
                            signature: header("webhook-signature"),
                            body,
                            answered,
                        });
                        match answered {
                            204 => HttpResponse::NoContent().finish(),
                            _ => HttpResponse::ServiceUnavailable().finish(),
                        }
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            got,
            failures: failing,
            port,
            handle,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn host(&self) -> Vec<String> {
        vec![format!("127.0.0.1:{}", self.port)]
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn fail_next(&self, n: u32) {
        *self.failures.lock().unwrap() = n;
    }
}

fn allowing(hosts: Vec<String>) -> AppSettings {
    AppSettings::from(Policy {
        webhook_allowed_hosts: hosts,
        ..Policy::default()
    })
}

/// A worker that retries at once, giving up after `window`.
fn sender(hosts: &[String], window: Duration) -> Sender {
    patient(hosts, window, Duration::ZERO)
}

/// A worker that waits `first_retry` before retrying, giving up after `window`.
fn patient(hosts: &[String], window: Duration, first_retry: Duration) -> Sender {
    Sender::new(
        &WebhookDelivery {
            retry_window: window,
            first_retry,
            timeout: Duration::from_secs(5),
            poll: Duration::from_millis(10),
        },
        hosts,
    )
    .unwrap()
}

/// Runs delivery rounds until nothing is due.
async fn drain(db: &TestDb, sender: &Sender) {
    for _ in 0..100 {
        if sender.deliver_due(&db.pool).await.unwrap() == 0 {
            return;
        }
    }
    panic!("deliveries never drained");
}

/// What a receiver checks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the
/// secret's bytes.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature == expected
}

fn localhost() -> reqwest::dns::Name {
    match reqwest::dns::Name::from_str("localhost") {
        Ok(name) => name,
        Err(_) => panic!("localhost is a name"),
    }
}

fn body(r: &Received) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

async fn events_arrive_signed_and_in_order_through_failures(db: TestDb) {
    let receiver = Receiver::start(3);
    let app = app_with(&db, allowing(receiver.host())).await;
    let hook = post(
        &app,
        "/api/v1/webhooks",
        json!({"url": receiver.url(), "events": ["partner.*"], "description": "SIS"}),
    )
    .await
    .expect(201);
    let secret = hook.body["secret"].as_str().unwrap().to_owned();
    let hook_id = hook.id();
    let partner = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/partners/{}", partner.id());
    patch(&app, &uri, json!({"description": "Field trips"}))
        .await
        .expect(200);
    // Not subscribed: no event.
    post(&app, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201);
    delete(&app, &uri).await.expect(204);

    drain(&db, &sender(&receiver.host(), Duration::from_secs(3600))).await;
    let got = receiver.received();
    // The first event failed three times, with the same id each time, before anything after
    // it was sent.
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [503, 503, 503, 204, 204, 204],
        "{got:?}"
    );
    assert!(got[..4].iter().all(|r| r.id == got[0].id));
    assert!(got.iter().all(|r| verifies(&secret, r)), "{got:?}");
    let delivered: Vec<Value> = got.iter().filter(|r| r.answered == 204).map(body).collect();
    assert_eq!(
        delivered
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["partner.created", "partner.updated", "partner.deleted"]
    );
    assert_eq!(delivered[0]["id"], got[0].id.as_str());
    assert_eq!(delivered[0]["data"]["id"], partner.id().as_str());
    assert_eq!(delivered[1]["data"]["description"], "Field trips");
    assert_eq!(delivered[1]["data"]["version"], 2);
    // A tampered body does not verify.
    let mut forged = got[3].clone();
    forged.body = forged.body.replace("Kennebec", "Evil");
    assert!(!verifies(&secret, &forged));

    let log = get(&app, &format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .await
        .expect(200);
    let log = log.body["data"].as_array().unwrap().clone();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|d| d["state"] == "delivered"));
    assert_eq!(log[2]["attempts"], 4);
    assert_eq!(log[2]["last_status"], 204);
    assert_eq!(log[0]["type"], "partner.deleted");
    let page = get(
        &app,
        &format!("/api/v1/webhooks/{hook_id}/deliveries?limit=2"),
    )
    .await
    .expect(200);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = get(
        &app,
        &format!("/api/v1/webhooks/{hook_id}/deliveries?limit=2&cursor={cursor}"),
    )
    .await
    .expect(200);
    assert_eq!(rest.body["data"][0]["id"], log[2]["id"]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    receiver.handle.stop(false).await;
}

async fn a_failing_endpoint_shows_its_error_and_recovers(db: TestDb) {
    let receiver = Receiver::start(1000);
    let app = app_with(&db, allowing(receiver.host())).await;
    let hook = post(
        &app,
        "/api/v1/webhooks",
        json!({"url": receiver.url(), "events": ["school.created"]}),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/webhooks/{}", hook.id());
    assert_eq!(hook.body["status"], "active");
    post(&app, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201);
    // No retry window: the first failure gives the event up.
    let impatient = sender(&receiver.host(), Duration::ZERO);
    drain(&db, &impatient).await;
    let failing = get(&app, &uri).await.expect(200);
    assert_eq!(failing.body["status"], "failing");
    assert!(
        failing.body["last_error"].as_str().unwrap().contains("503"),
        "{}",
        failing.body
    );
    assert!(failing.body["version"].as_i64().unwrap() > hook.body["version"].as_i64().unwrap());
    let log = get(&app, &format!("{uri}/deliveries?state=failed"))
        .await
        .expect(200);
    let failed = log.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(log.body["data"][0]["last_status"], 503);

    // The receiver is fixed; the failed event is sent again, and the endpoint recovers.
    receiver.fail_next(0);
    let again = post(
        &app,
        &format!("{uri}/deliveries/{failed}/redeliver"),
        json!({}),
    )
    .await
    .expect(202);
    assert_eq!(again.body["state"], "pending");
    let ping = post(&app, &format!("{uri}/ping"), json!({}))
        .await
        .expect(202);
    drain(&db, &impatient).await;
    let healthy = get(&app, &uri).await.expect(200);
    assert_eq!(healthy.body["status"], "active");
    let got = receiver.received();
    let last: Vec<Value> = got[got.len() - 2..].iter().map(body).collect();
    assert_eq!(last[0]["id"], failed.as_str());
    assert_eq!(last[0]["type"], "school.created");
    assert_eq!(last[1]["type"], "webhook.ping");
    assert_eq!(last[1]["id"], ping.id().as_str());
    post(
        &app,
        &format!("{uri}/deliveries/msg_missing/redeliver"),
        json!({}),
    )
    .await
    .expect(404);

    // Paused: events queue but are not sent; resumed, they go out.
    patch(&app, &uri, json!({"enabled": false}))
        .await
        .expect(200);
    post(&app, "/api/v1/schools", json!({"name": "Garfield"}))
        .await
        .expect(201);
    let before = receiver.received().len();
    drain(&db, &impatient).await;
    assert_eq!(receiver.received().len(), before);
    patch(&app, &uri, json!({"enabled": true}))
        .await
        .expect(200);
    drain(&db, &impatient).await;
    let got = receiver.received();
    assert_eq!(got.len(), before + 1);
    assert_eq!(body(&got[before])["data"]["name"], "Garfield");
    receiver.handle.stop(false).await;
}

async fn the_secret_is_shown_once(db: TestDb) {
    let app = app(&db).await;
    let made = post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/a", "events": ["*"]}),
    )
    .await
    .expect(201);
    let secret = made.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let uri = format!("/api/v1/webhooks/{}", made.id());
    let shown = get(&app, &uri).await.expect(200);
    assert!(!shown.text.contains(secret));
    assert!(shown.body.get("secret").is_none());
    let listed = get(&app, "/api/v1/webhooks").await.expect(200);
    assert!(!listed.text.contains(secret));
    let audit = get(&app, "/api/v1/audit-events?resource_type=webhook")
        .await
        .expect(200);
    assert!(!audit.text.contains(secret));
    // Unknown or repeated events, and bad URLs, are 422 naming each.
    let bad = post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "ftp://x.example.org/", "events": ["partner.exploded", "*", "*"]}),
    )
    .await
    .expect(422);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["events[0]", "events[2]", "url"]);
}

async fn rolled_back_writes_send_nothing(db: TestDb) {
    let app = app(&db).await;
    post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/a", "events": ["partner.created"]}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum"}),
    )
    .await
    .expect(201);
    assert_eq!(count_rows(&db.pool, "webhook_deliveries"), 1);
    // A write that records its change and then fails leaves no event behind.
    let mut conn = db.pool.get().unwrap();
    let failed: Result<(), partnerships::error::ApiError> = partnerships::db::write_transaction(
        &mut conn,
        |conn| {
            partnerships::changes::record_from(
                conn,
                <partnerships::partners::model::Partners as partnerships::resource::Resource>::TOPIC,
                "0190a0a0-0000-7000-8000-000000000001",
                "created",
                &json!({"name": "Ghost"}),
            )?;
            Err(partnerships::error::ApiError::Conflict(
                "changed my mind".into(),
            ))
        },
    );
    assert!(failed.is_err());
    drop(conn);
    assert_eq!(count_rows(&db.pool, "webhook_deliveries"), 1);
}

/// A subscriber to everything hears of partners, never of what holds credentials: users, API
/// clients and other webhook endpoints are in the audit trail only.
async fn credentials_are_never_sent_to_subscribers(db: TestDb) {
    let app = app(&db).await;
    post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/a", "events": ["*"]}),
    )
    .await
    .expect(201);
    let user = post(
        &app,
        "/api/v1/users",
        json!({"email": "u@d.org", "name": "U", "role": "viewer"}),
    )
    .await
    .expect(201);
    patch(
        &app,
        &format!("/api/v1/users/{}", user.id()),
        json!({"name": "V"}),
    )
    .await
    .expect(200);
    post(
        &app,
        "/api/v1/clients",
        json!({"name": "Some client", "role": "viewer"}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/b", "events": ["*"]}),
    )
    .await
    .expect(201);
    assert_eq!(count_rows(&db.pool, "webhook_deliveries"), 0);
    let audit = get(&app, "/api/v1/audit-events?resource_type=user")
        .await
        .expect(200);
    assert_eq!(audit.body["data"].as_array().map(Vec::len), Some(2));
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum"}),
    )
    .await
    .expect(201);
    // Both endpoints subscribe to everything: each is told of the partner, once.
    assert_eq!(count_rows(&db.pool, "webhook_deliveries"), 2);
}

async fn two_workers_never_send_an_event_twice(db: TestDb) {
    let receiver = Receiver::start(0);
    let app = app_with(&db, allowing(receiver.host())).await;
    for n in 0..3 {
        post(
            &app,
            "/api/v1/webhooks",
            json!({"url": format!("{}?n={n}", receiver.url()), "events": ["school.*"]}),
        )
        .await
        .expect(201);
    }
    for n in 0..5 {
        post(
            &app,
            "/api/v1/schools",
            json!({"name": format!("School {n}")}),
        )
        .await
        .expect(201);
    }
    let (one, two) = (
        sender(&receiver.host(), Duration::from_secs(3600)),
        sender(&receiver.host(), Duration::from_secs(3600)),
    );
    for _ in 0..40 {
        let (a, b) =
            futures_util::future::join(one.deliver_due(&db.pool), two.deliver_due(&db.pool)).await;
        if a.unwrap() + b.unwrap() == 0 {
            break;
        }
    }
    let got = receiver.received();
    let mut ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 15, "{got:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 15, "an event was sent twice");
    receiver.handle.stop(false).await;
}

async fn receivers_inside_the_network_are_refused(db: TestDb) {
    let receiver = Receiver::start(0);
    let app = app(&db).await;
    // Attack: make the server call the cloud metadata service, itself, or the network.
    for url in [
        "https://169.254.169.254/latest/meta-data/iam/",
        &receiver.url(),
        &receiver.url().replace("http:", "https:"),
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "http://hooks.district.example.org/hook",
    ] {
        let refused = post(
            &app,
            "/api/v1/webhooks",
            json!({"url": url, "events": ["*"]}),
        )
        .await
        .expect(422);
        assert_eq!(refused.error_fields(), ["url"], "{url}");
    }
    assert_eq!(count_rows(&db.pool, "webhook_endpoints"), 0);

    // Allowed once, then the district removes the host: deliveries stop at the guard, and the
    // receiver never hears from the server.
    let allowed = app_with(&db, allowing(receiver.host())).await;
    post(
        &allowed,
        "/api/v1/webhooks",
        json!({"url": receiver.url(), "events": ["school.*"]}),
    )
    .await
    .expect(201);
    post(&allowed, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201);
    drain(&db, &sender(&[], Duration::ZERO)).await;
    assert!(receiver.received().is_empty());
    let hooks = get(&allowed, "/api/v1/webhooks").await.expect(200);
    assert!(
        hooks.body["data"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("WEBHOOK_ALLOWED_HOSTS"),
        "{}",
        hooks.body
    );
    // A name that resolves inside the network is refused at resolution (DNS rebinding).
    let resolver = GuardedResolver {
        allowed_hosts: Vec::new(),
    };
    assert!(resolver.resolve(localhost()).await.is_err());
    let listed = GuardedResolver {
        allowed_hosts: vec!["localhost".to_owned()],
    };
    assert!(listed.resolve(localhost()).await.is_ok());
    receiver.handle.stop(false).await;
}

/// Found in review: retries were counted from when an event was queued, so events that waited
/// longer than the window behind a failing one were given up at their first attempt.
async fn events_waiting_behind_a_failure_keep_their_retries(db: TestDb) {
    let receiver = Receiver::start(1000);
    let app = app_with(&db, allowing(receiver.host())).await;
    let hook = post(
        &app,
        "/api/v1/webhooks",
        json!({"url": receiver.url(), "events": ["school.created"]}),
    )
    .await
    .expect(201)
    .id();
    for name in ["Lincoln", "Garfield"] {
        post(&app, "/api/v1/schools", json!({"name": name}))
            .await
            .expect(201);
    }
    // The events wait longer than the whole retry window before their first attempt.
    actix_web::rt::time::sleep(Duration::from_millis(1200)).await;
    let worker = patient(
        &receiver.host(),
        Duration::from_secs(1),
        Duration::from_secs(60),
    );
    drain(&db, &worker).await;
    assert_eq!(receiver.received().len(), 1, "one attempt, then backoff");
    let log = get(&app, &format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .expect(200);
    let log = log.body["data"].as_array().unwrap().clone();
    assert!(
        log.iter().all(|d| d["state"] == "pending"),
        "nothing is given up at its first attempt: {log:?}"
    );
    assert_eq!(log[1]["attempts"], 1);
    assert!(log[1]["next_attempt_at"].as_str().unwrap() > log[1]["created_at"].as_str().unwrap());
    let shown = get(&app, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    assert_eq!(shown.body["status"], "active");
    receiver.handle.stop(false).await;
}

/// Found in review: endpoints whose oldest event was waiting out its backoff were still
/// claimed first, a round at a time, and an endpoint behind them never had its turn.
async fn an_endpoint_in_backoff_does_not_hold_up_the_others(db: TestDb) {
    let failing = Receiver::start(100_000);
    let healthy = Receiver::start(0);
    let mut hosts = failing.host();
    hosts.extend(healthy.host());
    let app = app_with(&db, allowing(hosts.clone())).await;
    // More failing endpoints than a round serves, all made before the healthy one.
    for n in 0..17 {
        post(
            &app,
            "/api/v1/webhooks",
            json!({"url": format!("{}?n={n}", failing.url()), "events": ["school.*"]}),
        )
        .await
        .expect(201);
    }
    post(
        &app,
        "/api/v1/webhooks",
        json!({"url": healthy.url(), "events": ["school.*"]}),
    )
    .await
    .expect(201);
    for name in ["Lincoln", "Garfield"] {
        post(&app, "/api/v1/schools", json!({"name": name}))
            .await
            .expect(201);
    }
    drain(
        &db,
        &patient(&hosts, Duration::from_secs(3600), Duration::from_secs(60)),
    )
    .await;
    let got = healthy.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(body(&got[0])["data"]["name"], "Lincoln");
    assert_eq!(body(&got[1])["data"]["name"], "Garfield");
    assert_eq!(
        failing.received().len(),
        17,
        "one attempt each, then backoff"
    );
    failing.handle.stop(false).await;
    healthy.handle.stop(false).await;
}
