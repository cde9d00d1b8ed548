//! The HTTP conventions every resource shares: problem+json for every failure, request ids,
//! limits, health, CORS and the docs.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::config::HttpSettings;

both!(
    request_ids_are_echoed_or_generated,
    malformed_bodies_are_400_problems,
    wrong_content_type_is_415,
    oversized_body_is_413,
    unknown_paths_and_methods,
    health_and_readiness,
    cors_answers_configured_origins,
    docs_and_openapi_are_served,
    requests_wait_their_turn_for_a_connection,
);

async fn request_ids_are_echoed_or_generated(db: TestDb) {
    let app = app(&db).await;
    let mine = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/schools/unknown")
            .insert_header(("x-request-id", "sis-nightly-42")),
    )
    .await
    .expect(404);
    assert_eq!(mine.header("x-request-id"), Some("sis-nightly-42"));
    assert_eq!(mine.body["request_id"], "sis-nightly-42");

    let generated = get(&app, "/api/v1/schools").await.expect(200);
    let id = generated.header("x-request-id").expect("a generated id");
    assert!(uuid::Uuid::parse_str(id).is_ok());

    // Ids with characters that could forge log lines are replaced.
    let hostile = send(
        &app,
        TestRequest::get()
            .uri("/healthz")
            .insert_header(("x-request-id", "a b\"c")),
    )
    .await;
    assert_ne!(hostile.header("x-request-id"), Some("a b\"c"));
}

async fn malformed_bodies_are_400_problems(db: TestDb) {
    let app = app(&db).await;
    for body in [
        "{\"name\": ",
        "not json",
        "[1,2]",
        "{\"name\": \"A\", \"name\": 3}",
    ] {
        let reply = send(
            &app,
            TestRequest::post()
                .uri("/api/v1/schools")
                .insert_header(("content-type", "application/json"))
                .set_payload(body),
        )
        .await
        .expect(400);
        assert!(reply.body["request_id"].is_string());
    }
    let unknown = post(
        &app,
        "/api/v1/schools",
        json!({"name": "A", "principal_ssn": "x"}),
    )
    .await
    .expect(400);
    assert!(unknown.body["detail"]
        .as_str()
        .unwrap()
        .contains("principal_ssn"));
    assert!(all_pages(&app, "/api/v1/schools").await.is_empty());
}

async fn wrong_content_type_is_415(db: TestDb) {
    let app = app(&db).await;
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/partners")
            .insert_header(("content-type", "text/csv"))
            .set_payload("name,kind\nA,museum\n"),
    )
    .await
    .expect(415);
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_payload("{}"),
    )
    .await
    .expect(415);
}

async fn oversized_body_is_413(db: TestDb) {
    let app = app_with(
        &db,
        HttpSettings {
            max_body_bytes: 2048,
            ..HttpSettings::default()
        },
    )
    .await;
    let big = json!({"name": "A", "kind": "museum", "description": "d".repeat(4000)});
    let reply = post(&app, "/api/v1/partners", big).await.expect(413);
    assert!(reply.body["detail"].as_str().unwrap().contains("2048"));
    assert!(all_pages(&app, "/api/v1/partners").await.is_empty());
}

async fn unknown_paths_and_methods(db: TestDb) {
    let app = app(&db).await;
    get(&app, "/api/v1/nothing-here").await.expect(404);
    get(&app, "/nothing").await.expect(404);
    let reply = send(&app, TestRequest::delete().uri("/api/v1/schools"))
        .await
        .expect(405);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let id = uuid::Uuid::now_v7();
    let reply = send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/partners/{id}")),
    )
    .await
    .expect(405);
    assert_eq!(reply.header("allow"), Some("GET, PUT, PATCH, DELETE"));
    // A literal path answers for itself, not for the `{id}` pattern it also matches.
    let reply = send(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/activities/totals"),
    )
    .await
    .expect(405);
    assert_eq!(reply.header("allow"), Some("GET"));
}

async fn health_and_readiness(db: TestDb) {
    let app = app(&db).await;
    assert_eq!(get(&app, "/healthz").await.expect(200).body["status"], "ok");
    assert_eq!(get(&app, "/readyz").await.expect(200).body["status"], "ok");

    // A pool whose database cannot be reached: ready says 503, and so does any data request.
    let unreachable = match &db.backend {
        partnerships::db::Backend::Sqlite(_) => partnerships::db::Backend::Sqlite(
            std::env::temp_dir()
                .join("partnerships-no-such-dir")
                .join("x")
                .join("db.sqlite"),
        ),
        partnerships::db::Backend::Postgres(_) => {
            partnerships::db::Backend::Postgres("postgres://nobody@127.0.0.1:1/none".to_owned())
        }
    };
    let pool = partnerships::db::establish_lazy(
        &unreachable,
        &partnerships::db::PoolSettings {
            max_size: 1,
            connect_timeout: std::time::Duration::from_millis(300),
            statement_timeout: std::time::Duration::ZERO,
        },
    );
    let down = actix_web::test::init_service(partnerships::build_app(
        pool,
        &partnerships::config::AppSettings::default(),
        &crate::support::auth_settings(),
    ))
    .await;
    let reply = get(&down, "/readyz").await.expect(503);
    assert!(reply.header("retry-after").is_some());
    assert!(
        !reply.text.contains("127.0.0.1") && !reply.text.contains("sqlite"),
        "causes stay in the log"
    );
    let token = principal(&db, partnerships::auth::Role::Admin, &[], None);
    send(
        &down,
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(token.header()),
    )
    .await
    .expect(503);
    assert_eq!(
        get(&down, "/healthz").await.expect(200).body["status"],
        "ok"
    );
}

async fn cors_answers_configured_origins(db: TestDb) {
    let app = app_with(
        &db,
        HttpSettings {
            cors_origins: vec!["https://portal.district.example".to_owned()],
            ..HttpSettings::default()
        },
    )
    .await;
    let preflight = send(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/schools")
            .insert_header(("origin", "https://portal.district.example"))
            .insert_header(("access-control-request-method", "POST"))
            .insert_header(("access-control-request-headers", "content-type, if-match")),
    )
    .await;
    assert!(preflight.status.is_success(), "{preflight:?}");
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://portal.district.example")
    );
    let simple = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(("origin", "https://portal.district.example")),
    )
    .await
    .expect(200);
    assert!(simple
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase()
        .contains("etag"));
    let other = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(("origin", "https://evil.example")),
    )
    .await;
    assert!(other.header("access-control-allow-origin").is_none());

    // Without configured origins no CORS headers are sent.
    let plain = app_with(&db, HttpSettings::default()).await;
    let reply = send(
        &plain,
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(("origin", "https://portal.district.example")),
    )
    .await
    .expect(200);
    assert!(reply.header("access-control-allow-origin").is_none());
}

async fn docs_and_openapi_are_served(db: TestDb) {
    let app = app(&db).await;
    let doc = get(&app, "/api/v1/openapi.json").await.expect(200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc.body["paths"]["/api/v1/partners/{id}"]["patch"].is_object());
    let redirect = get(&app, "/docs").await;
    assert!(redirect.status.is_redirection());
    assert_eq!(redirect.header("location"), Some("/docs/"));
    let ui = get(&app, "/docs/").await.expect(200);
    assert!(ui.text.contains("swagger"), "Swagger UI page");
    get(&app, "/docs/swagger-ui.css").await.expect(200);
}

/// A request waits for one of the pool's connections at the pool's gate, first come first
/// served, and answers 503 with Retry-After when none is free within the pool's timeout; once
/// a connection is free again it is served.
async fn requests_wait_their_turn_for_a_connection(db: TestDb) {
    let pool = partnerships::db::establish(
        &db.backend,
        &partnerships::db::PoolSettings {
            max_size: 1,
            connect_timeout: std::time::Duration::from_millis(300),
            statement_timeout: std::time::Duration::ZERO,
        },
    )
    .expect("pool");
    let app = actix_web::test::init_service(partnerships::build_app(
        pool.clone(),
        &partnerships::config::AppSettings::default(),
        &crate::support::auth_settings(),
    ))
    .await;
    let token = principal(&db, partnerships::auth::Role::Admin, &[], None);
    let list = || {
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(token.header())
    };
    // Another request holds the only turn (its connection stays in the pool, unused).
    let held = pool.connection_turn().await.expect("the only turn");
    let started = std::time::Instant::now();
    let reply = send(&app, list()).await.expect(503);
    assert!(reply.header("retry-after").is_some());
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    drop(held);
    send(&app, list()).await.expect(200);
}
