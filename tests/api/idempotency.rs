//! `Idempotency-Key` on POST: a retry gets the first answer and does nothing twice; a reused
//! key with another body is 422; a key still running is 409; keys belong to their caller.

use std::rc::Rc;

use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    a_retried_post_is_done_once,
    a_reused_key_or_a_running_one_is_refused,
    concurrent_retries_run_once,
    keys_belong_to_their_caller,
    secrets_are_never_kept,
);

fn keyed(uri: &str, key: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(("idempotency-key", key))
        .set_json(body)
}

async fn a_retried_post_is_done_once(db: TestDb) {
    let app = app(&db).await;
    let body = json!({"name": "Retry High"});
    let first = send(&app, keyed("/api/v1/schools", "k-1", body.clone()))
        .await
        .expect(201);
    assert!(first.header("idempotent-replayed").is_none());
    let events = count_rows(&db.pool, "audit_events");
    let again = send(&app, keyed("/api/v1/schools", "k-1", body.clone()))
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(count_rows(&db.pool, "schools"), 1, "created once");
    assert_eq!(
        count_rows(&db.pool, "audit_events"),
        events,
        "nothing done again"
    );

    // A batch of KPI records, the nightly script's retry after a timeout.
    let school = first.id();
    let batch = json!([{"kpi_code": "students_served", "school_id": school, "student_group": "all",
        "period_start": "2026-09-01", "period_end": "2026-09-30", "value": 40, "n": 40}]);
    let pushed = send(
        &app,
        keyed(
            "/api/v1/kpi-records/batch",
            "nightly-2026-09",
            batch.clone(),
        ),
    )
    .await
    .expect(200);
    let batches = count_rows(&db.pool, "changes");
    let retried = send(
        &app,
        keyed("/api/v1/kpi-records/batch", "nightly-2026-09", batch),
    )
    .await
    .expect(200);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.body, pushed.body);
    assert_eq!(
        retried.body["inserted"], 1,
        "the first answer, not 'unchanged'"
    );
    assert_eq!(count_rows(&db.pool, "changes"), batches);

    // A refusal is an answer too: the same bad request gets the same 422.
    let bad = send(&app, keyed("/api/v1/schools", "k-2", json!({"name": ""})))
        .await
        .expect(422);
    let bad_again = send(&app, keyed("/api/v1/schools", "k-2", json!({"name": ""})))
        .await
        .expect(422);
    assert_eq!(bad_again.body["errors"], bad.body["errors"]);
    // Without a key nothing is remembered.
    post(&app, "/api/v1/schools", body.clone())
        .await
        .expect(201);
    post(&app, "/api/v1/schools", body).await.expect(201);
    assert_eq!(count_rows(&db.pool, "schools"), 3);
    // A key is short visible text.
    let long = "k".repeat(256);
    send(
        &app,
        keyed("/api/v1/schools", &long, json!({"name": "Long"})),
    )
    .await
    .expect(422);
}

async fn a_reused_key_or_a_running_one_is_refused(db: TestDb) {
    let app = app(&db).await;
    send(
        &app,
        keyed("/api/v1/schools", "k-1", json!({"name": "First"})),
    )
    .await
    .expect(201);
    let reused = send(
        &app,
        keyed("/api/v1/schools", "k-1", json!({"name": "Second"})),
    )
    .await
    .expect(422);
    assert_eq!(reused.body["errors"][0]["code"], "reused");
    // The same key on another endpoint is another request too.
    send(
        &app,
        keyed(
            "/api/v1/partners",
            "k-1",
            json!({"name": "First", "kind": "other"}),
        ),
    )
    .await
    .expect(422);
    assert_eq!(count_rows(&db.pool, "schools"), 1);
    assert_eq!(count_rows(&db.pool, "partners"), 0);

    // A request with this key is still running (claimed, not answered yet).
    let raw = raw_app(&db, auth_settings()).await;
    let caller = principal(&db, Role::Admin, &[], None);
    send(
        &raw,
        keyed("/api/v1/schools", "busy", json!({"name": "Busy"})).insert_header(caller.header()),
    )
    .await
    .expect(201);
    diesel::sql_query("UPDATE idempotency_keys SET status = NULL WHERE key = 'busy'")
        .execute(&mut **db.pool.get().unwrap())
        .unwrap();
    let running = send(
        &raw,
        keyed("/api/v1/schools", "busy", json!({"name": "Busy"})).insert_header(caller.header()),
    )
    .await
    .expect(409);
    assert!(running.text.contains("still running"));
    assert_eq!(count_rows(&db.pool, "schools"), 2);
}

/// Several copies of one request at once: exactly one runs; the others are told it is running
/// (409) or, once it is done, get its answer.
async fn concurrent_retries_run_once(db: TestDb) {
    let app = Rc::new(app(&db).await);
    let copies: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            actix_web::rt::spawn(async move {
                let reply = send(
                    &*app,
                    keyed("/api/v1/schools", "same", json!({"name": "Only once"})),
                )
                .await;
                (
                    reply.status.as_u16(),
                    reply.header("idempotent-replayed").is_some(),
                )
            })
        })
        .collect();
    let mut ran = 0;
    for copy in copies {
        match copy.await.unwrap() {
            (201, false) => ran += 1,
            (201, true) | (409, false) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(ran, 1);
    assert_eq!(count_rows(&db.pool, "schools"), 1);
}

/// A new client's secret is shown once: its answer is never stored, and a retry is told so.
async fn secrets_are_never_kept(db: TestDb) {
    let app = app(&db).await;
    let created = send(
        &app,
        keyed(
            "/api/v1/clients",
            "new-client",
            json!({"name": "Vendor", "role": "viewer"}),
        ),
    )
    .await
    .expect(201);
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    let stored: Vec<String> = all_bodies(&db);
    assert!(
        stored.iter().all(|b| !b.contains(&secret)),
        "the secret is not in the database"
    );
    let retried = send(
        &app,
        keyed(
            "/api/v1/clients",
            "new-client",
            json!({"name": "Vendor", "role": "viewer"}),
        ),
    )
    .await
    .expect(409);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert!(!retried.text.contains(&secret));
    assert_eq!(retried.header("location"), created.header("location"));
}

#[derive(diesel::QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    body: Option<String>,
}

fn all_bodies(db: &TestDb) -> Vec<String> {
    diesel::sql_query("SELECT body FROM idempotency_keys")
        .load::<Stored>(&mut **db.pool.get().unwrap())
        .unwrap()
        .into_iter()
        .filter_map(|s| s.body)
        .collect()
}

async fn keys_belong_to_their_caller(db: TestDb) {
    let raw = raw_app(&db, auth_settings()).await;
    let (one, two) = (
        principal(&db, Role::Admin, &[], None),
        principal(&db, Role::Admin, &[], None),
    );
    for who in [&one, &two] {
        let reply = send(
            &raw,
            keyed("/api/v1/schools", "shared-key", json!({"name": "Mine"}))
                .insert_header(who.header()),
        )
        .await
        .expect(201);
        assert!(reply.header("idempotent-replayed").is_none());
    }
    assert_eq!(count_rows(&db.pool, "schools"), 2);
    // Without a valid token the key is not even looked at.
    send(
        &raw,
        keyed("/api/v1/schools", "shared-key", json!({"name": "Mine"})),
    )
    .await
    .expect(401);
}
