//! The KPI catalogue.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};

both!(catalogue_is_seeded_and_editable_by_admins);

async fn catalogue_is_seeded_and_editable_by_admins(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let catalogue = get(&app, "/api/v1/kpi-definitions").await.expect(200);
    let codes: Vec<&str> = catalogue.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in [
        "attendance_rate",
        "chronic_absence_rate",
        "course_pass_rate",
        "engagement_index",
        "students_served",
        "volunteer_hours",
    ] {
        assert!(codes.contains(&code), "{code} is seeded");
    }
    let by_code = get(&app, "/api/v1/kpi-definitions/chronic_absence_rate")
        .await
        .expect(200);
    assert_eq!(by_code.body["direction"], "lower_is_better");
    assert_eq!(by_code.body["aggregation"], "rate");
    let by_id = get(&app, &format!("/api/v1/kpi-definitions/{}", by_code.id()))
        .await
        .expect(200);
    assert_eq!(by_id.body, by_code.body);

    let created = post(&app, "/api/v1/kpi-definitions", json!({"code": "internship_completion", "name": "Internship completion",
        "unit": "percent", "direction": "higher_is_better", "aggregation": "rate", "min_value": 0, "max_value": 100}))
        .await
        .expect(201);
    post(&app, "/api/v1/kpi-definitions", json!({"code": "internship_completion", "name": "Twin", "unit": "count", "direction": "neutral", "aggregation": "sum"}))
        .await
        .expect(409);
    let invalid = post(
        &app,
        "/api/v1/kpi-definitions",
        json!({"code": "Bad Code", "min_value": 5, "max_value": 1}),
    )
    .await
    .expect(422);
    assert_eq!(
        invalid.error_fields(),
        [
            "aggregation",
            "code",
            "direction",
            "max_value",
            "name",
            "unit"
        ]
    );
    patch(
        &app,
        "/api/v1/kpi-definitions/internship_completion",
        json!({"description": "Share of internships finished"}),
    )
    .await
    .expect(200);
    delete(&app, &format!("/api/v1/kpi-definitions/{}", created.id()))
        .await
        .expect(204);
    get(&app, "/api/v1/kpi-definitions/internship_completion")
        .await
        .expect(404);

    let reader = principal(&db, Role::Integration, &[Scope::KpiWrite], None);
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/kpi-definitions")
            .insert_header(reader.header()),
    )
    .await
    .expect(200);
    send(&raw, TestRequest::post().uri("/api/v1/kpi-definitions").insert_header(reader.header())
        .set_json(json!({"code": "x1", "name": "X", "unit": "count", "direction": "neutral", "aggregation": "sum"})))
        .await
        .expect(403);
    let outsider = principal(&db, Role::Integration, &[Scope::PartnersRead], None);
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/kpi-definitions")
            .insert_header(outsider.header()),
    )
    .await
    .expect(403);
}
