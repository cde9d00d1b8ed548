//! `GET /metrics`: off without `METRICS_TOKEN`, its token as the bearer, and the series a
//! district's Prometheus scrapes: requests by route template, pool connections, ingest rows,
//! the webhook queue.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::config::AppSettings;

both!(metrics_count_requests_by_route_behind_a_token);

async fn metrics_count_requests_by_route_behind_a_token(db: TestDb) {
    // Off by default.
    let plain = app(&db).await;
    get(&plain, "/metrics").await.expect(404);

    let settings = AppSettings {
        metrics_token: Some("scrape-me-0123456789".into()),
        ..AppSettings::default()
    };
    let app = app_with(&db, settings).await;
    // A webhook endpoint whose first event waits in the queue.
    post(
        &app,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/m", "events": ["school.created"]}),
    )
    .await
    .expect(201);
    let school = post(&app, "/api/v1/schools", json!({"name": "Metric High"}))
        .await
        .expect(201)
        .id();
    for _ in 0..2 {
        get(&app, &format!("/api/v1/schools/{school}"))
            .await
            .expect(200);
    }
    let batch = json!([{"kpi_code": "students_served", "school_id": school, "student_group": "all",
        "period_start": "2026-09-01", "period_end": "2026-09-30", "value": 40, "n": 40}]);
    crate::kpi_records::push_json(&app, batch.as_array().unwrap().clone())
        .await
        .expect(200);
    let scrape = |token: &'static str| {
        TestRequest::get()
            .uri("/metrics")
            .insert_header(("authorization", format!("Bearer {token}")))
    };
    send(&app, scrape("wrong-token")).await.expect(401);
    let text = send(&app, scrape("scrape-me-0123456789"))
        .await
        .expect(200)
        .text;
    assert!(
        text.contains(
            "http_requests_total{method=\"GET\",route=\"/api/v1/schools/{id}\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(!text.contains(&school), "route templates, never ids");
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("db_pool_connections{state=\"idle\"}"));
    assert!(text.contains("kpi_ingest_rows_total{outcome=\"inserted\"} 1"));
    assert!(text.contains("changes_latest_seq"));
    assert!(
        text.contains("webhook_deliveries{state=\"pending\"} 1"),
        "{text}"
    );
    assert!(text.contains("webhook_deliveries{state=\"failed\"} 0"));
    assert!(text.contains("webhook_endpoints_failing 0"));
}
