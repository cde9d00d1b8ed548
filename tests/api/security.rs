//! Attack tests for the security issue: each does what an attacker would, and failed on the code
//! before the fix.

use std::net::SocketAddr;

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::config::{AppSettings, RateLimits};

both!(
    sign_in_floods_are_limited_and_audited,
    client_secrets_are_keyed_digests,
    the_sqlite_file_is_private,
    compressed_bodies_are_bounded,
    batch_error_answers_are_bounded,
);

fn from(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().expect("address")
}

async fn grant<A: TestApp>(app: &A, ip: &str, id: &str, secret: &str) -> Reply {
    send(
        app,
        TestRequest::post()
            .uri("/api/v1/oauth/token")
            .peer_addr(from(ip))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}"
            )),
    )
    .await
}

async fn login<A: TestApp>(app: &A, ip: &str, email: &str, password: &str) -> Reply {
    send(
        app,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr(from(ip))
            .set_json(json!({"email": email, "password": password})),
    )
    .await
}

fn events(reply: &Reply) -> Vec<Value> {
    reply.body["data"].as_array().cloned().unwrap_or_default()
}

/// Guessing a person's password from many addresses, or anything from one address: the
/// attempts run out (429 with Retry-After, an OAuth error body on the token endpoint); naming a
/// client with wrong secrets does not lock it out; every refused credential is in the audit
/// trail.
async fn sign_in_floods_are_limited_and_audited(db: TestDb) {
    let settings = AppSettings {
        rate_limits: RateLimits {
            per_source_per_minute: 6,
            per_account_per_minute: 3,
            trust_forwarded: false,
            ..RateLimits::default()
        },
        ..AppSettings::default()
    };
    let app = app_with(&db, settings.clone()).await;
    let raw = raw_app_with(&db, auth_settings(), settings).await;
    let created = post(
        &app,
        "/api/v1/clients",
        json!({"name": "SIS", "role": "viewer"}),
    )
    .await
    .expect(201);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let (id, secret) = (
        created.id(),
        created.body["client_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    let rotated = send(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/clients/{id}/secret"))
            .insert_header(("if-match", created.header("etag").expect("etag").to_owned())),
    )
    .await
    .expect(200);
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let secret = rotated.body["client_secret"]
        .as_str()
        .map_or(secret, str::to_owned);

    // Wrong secrets for a client, from many addresses, do not lock the client out (its
    // secret is beyond guessing; a per-client limit would only hand anyone a lockout).
    for ip in [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ] {
        grant(&raw, ip, &id, "guess").await.expect_status(401);
    }
    grant(&raw, "198.51.100.5", &id, &secret)
        .await
        .expect_status(200);

    // Guessing one person's password from many addresses: past three failures even the
    // right password is refused until the budget refills; someone else signs in as usual.
    for email in ["lee@district.example.org", "kim@district.example.org"] {
        post(
            &app,
            "/api/v1/users",
            json!({"email": email, "name": "P", "role": "viewer", "password": "correct horse battery"}),
        )
        .await
        .expect(201);
    }
    for ip in [
        "198.51.100.11",
        "198.51.100.12",
        "198.51.100.13",
        "198.51.100.14",
    ] {
        login(&raw, ip, "lee@district.example.org", "a wrong passphrase")
            .await
            .expect(401);
    }
    let limited = login(
        &raw,
        "198.51.100.15",
        "LEE@district.example.org",
        "correct horse battery",
    )
    .await
    .expect(429);
    let wait: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    login(
        &raw,
        "198.51.100.15",
        "kim@district.example.org",
        "correct horse battery",
    )
    .await
    .expect(200);

    // One address guessing many accounts runs out after six tries, whatever it names.
    for n in 0..6 {
        login(
            &raw,
            "203.0.113.9",
            &format!("user{n}@district.example.org"),
            "a wrong passphrase",
        )
        .await
        .expect(401);
    }
    let limited = login(&raw, "203.0.113.9", "user7@district.example.org", "x")
        .await
        .expect(429);
    assert_eq!(limited.body["status"], 429);
    assert!(limited.header("retry-after").is_some());
    let limited = grant(&raw, "203.0.113.9", &id, &secret)
        .await
        .expect_status(429);
    assert_eq!(limited.body["error"], "temporarily_unavailable");

    // Every refused attempt that was looked at is audited; the 429s are not attempts.
    let trail = get(&app, "/api/v1/audit-events?action=sign_in_failed&limit=100")
        .await
        .expect(200);
    let refused = events(&trail);
    assert_eq!(refused.len(), 4 + 4 + 6, "{}", trail.text);
    let clients = refused
        .iter()
        .filter(|e| e["resource_type"] == "client" && e["resource_id"] == id.as_str())
        .count();
    assert_eq!(clients, 4);
    assert!(refused
        .iter()
        .all(|e| e["actor"]["kind"] == "anonymous" && e["changes"]["source"].is_string()));

    // A fresh client from a fresh address is not affected.
    let other = post(
        &app,
        "/api/v1/clients",
        json!({"name": "Portal", "role": "viewer"}),
    )
    .await
    .expect(201);
    let other_secret = other.body["client_secret"].as_str().expect("secret");
    grant(&raw, "192.0.2.50", &other.id(), other_secret)
        .await
        .expect_status(200);
}

/// A stolen copy of the clients table holds keyed digests, not argon2 hashes that a flood must
/// pay for on every try; clients made before keep working and are moved to digests on their
/// next grant.
async fn client_secrets_are_keyed_digests(db: TestDb) {
    use partnerships::auth::password;
    use partnerships::clients::store as clients;

    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let created = post(
        &app,
        "/api/v1/clients",
        json!({"name": "SIS", "role": "viewer"}),
    )
    .await
    .expect(201);
    let secret = created.body["client_secret"].as_str().expect("secret");
    let mut conn = db.pool.get().expect("connection");
    let stored = clients::find(&mut conn, &created.id())
        .expect("query")
        .expect("row");
    assert!(stored.secret_hash.starts_with("hmac-sha256$"));
    assert!(!stored.secret_hash.contains(secret));
    grant(&raw, "192.0.2.1", &created.id(), secret)
        .await
        .expect_status(200);

    // A client from before digests, with an argon2 hash.
    let legacy_secret = "a legacy secret from version one";
    let mut legacy = stored.clone();
    legacy.id = partnerships::db::sql::new_id();
    legacy.name = "Legacy".to_owned();
    legacy.secret_hash = password::hash(legacy_secret).expect("hash");
    clients::insert(&mut conn, &legacy).expect("insert");
    grant(&raw, "192.0.2.2", &legacy.id, "wrong")
        .await
        .expect_status(401);
    grant(&raw, "192.0.2.2", &legacy.id, legacy_secret)
        .await
        .expect_status(200);
    let upgraded = clients::find(&mut conn, &legacy.id)
        .expect("query")
        .expect("row");
    assert!(upgraded.secret_hash.starts_with("hmac-sha256$"));
    grant(&raw, "192.0.2.2", &legacy.id, legacy_secret)
        .await
        .expect_status(200);
}

/// Another account on the server cannot read the database file: made owner-only, and an
/// existing world-readable file is tightened at start.
async fn the_sqlite_file_is_private(db: TestDb) {
    use std::os::unix::fs::PermissionsExt;
    let partnerships::db::Backend::Sqlite(path) = &db.backend else {
        return;
    };
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path), 0o600);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    partnerships::db::establish(&db.backend, &settings()).expect("pool");
    assert_eq!(mode(path), 0o600);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A gzip bomb: 64 MiB of JSON whitespace in about 64 KB. It gets 413 on every endpoint, login
/// included, and nothing is written; honest compressed bodies still work.
async fn compressed_bodies_are_bounded(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let encoded = |uri: &str, encoding: &str, body: Vec<u8>| {
        TestRequest::post()
            .uri(uri)
            .insert_header(("content-type", "application/json"))
            .insert_header(("content-encoding", encoding.to_owned()))
            .set_payload(body)
    };
    let honest = gzip(br#"{"name": "Gzip Elementary"}"#);
    send(&app, encoded("/api/v1/schools", "gzip", honest))
        .await
        .expect(201);
    let deflated = {
        use std::io::Write;
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(br#"{"name": "Deflate Middle"}"#).unwrap();
        encoder.finish().unwrap()
    };
    send(&app, encoded("/api/v1/schools", "deflate", deflated))
        .await
        .expect(201);

    let mut bomb = b"{\"name\": \"Bomb\"".to_vec();
    bomb.resize(64 * 1024 * 1024, b' ');
    bomb.push(b'}');
    let bomb = gzip(&bomb);
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let refused = send(&app, encoded("/api/v1/schools", "gzip", bomb.clone()))
        .await
        .expect(413);
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("inflates"));
    send(&raw, encoded("/api/v1/auth/login", "gzip", bomb.clone()))
        .await
        .expect(413);
    let schools = get(&app, "/api/v1/schools").await.expect(200);
    let names: Vec<&str> = schools.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Gzip Elementary", "Deflate Middle"],
        "the bomb wrote nothing"
    );

    send(
        &app,
        encoded("/api/v1/schools", "gzip", b"not gzip at all".to_vec()),
    )
    .await
    .expect(400);
    send(&app, encoded("/api/v1/schools", "br", b"{}".to_vec()))
        .await
        .expect(415);
}

/// A CSV header of 200,000 repeated columns (quadratic to check before), and a batch whose
/// 1,200 rows each name a 20,000-character unknown field: both refused quickly with a small
/// answer, not one that echoes megabytes back.
async fn batch_error_answers_are_bounded(db: TestDb) {
    let app = app(&db).await;
    let push = |content_type: &'static str, body: String| {
        TestRequest::post()
            .uri("/api/v1/kpi-records/batch")
            .insert_header(("content-type", content_type))
            .set_payload(body)
    };
    let header = vec!["value"; 200_000].join(",") + "\n";
    let refused = send(&app, push("text/csv", header)).await.expect(422);
    let errors = refused.body["errors"].as_array().unwrap();
    assert!(!errors.is_empty() && errors.len() <= 20, "{}", errors.len());
    assert!(
        refused.text.len() < 16 * 1024,
        "{} bytes",
        refused.text.len()
    );

    let long = "x".repeat(20_000);
    let rows: Vec<Value> = (0..1200).map(|_| json!({ long.as_str(): 1 })).collect();
    let refused = send(
        &app,
        push("application/json", Value::Array(rows).to_string()),
    )
    .await
    .expect(422);
    let listed = refused.body["rows"].as_array().unwrap();
    assert!(listed.iter().all(|r| r["index"].as_u64() < Some(1000)));
    assert_eq!(refused.body["rows_truncated"], true);
    assert!(
        refused.text.len() < 2 * 1024 * 1024,
        "an answer of {} bytes",
        refused.text.len()
    );
}
