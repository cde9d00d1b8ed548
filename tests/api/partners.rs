use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    partner_lifecycle,
    invalid_partner_reports_every_field_and_changes_nothing,
    referrals_must_exist_and_block_deletion,
    list_filters,
    partner_external_id_is_unique,
);

async fn partner_lifecycle(db: TestDb) {
    let app = app(&db).await;
    let created = post(
        &app,
        "/api/v1/partners",
        json!({
            "name": "Kennebec River Museum",
            "kind": "museum",
            "website": "https://kennebecmuseum.example.org",
            "offerings": ["speaker", "field_trip_host", "speaker"],
            "address": {"city": "Gardiner"}
        }),
    )
    .await
    .expect(201);
    let id = created.id();
    assert_eq!(
        created.body["status"], "prospect",
        "status defaults to prospect"
    );
    assert_eq!(
        created.body["offerings"],
        json!(["speaker", "field_trip_host"]),
        "a set"
    );
    assert_eq!(created.body["referred_by"], serde_json::Value::Null);
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/partners/{id}").as_str())
    );

    let uri = format!("/api/v1/partners/{id}");
    let read = get(&app, &uri).await.expect(200);
    assert_eq!(read.body, created.body);

    let patched = send(
        &app,
        TestRequest::patch()
            .uri(&uri)
            .insert_header(("if-match", read.etag()))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(json!({"status": "active", "offerings": ["mentoring"]}).to_string()),
    )
    .await
    .expect(200);
    assert_eq!(patched.body["status"], "active");
    assert_eq!(patched.body["offerings"], json!(["mentoring"]));
    assert_eq!(
        patched.body["website"],
        "https://kennebecmuseum.example.org"
    );
    assert_eq!(patched.etag(), "\"2\"");

    let replaced = put(
        &app,
        &uri,
        json!({"name": "Kennebec River Museum", "kind": "nonprofit"}),
    )
    .await
    .expect(200);
    assert_eq!(replaced.body["kind"], "nonprofit");
    assert_eq!(replaced.body["offerings"], json!([]));
    assert_eq!(replaced.body["status"], "prospect");
    assert_eq!(replaced.body["website"], serde_json::Value::Null);

    delete(&app, &uri).await.expect(204);
    get(&app, &uri).await.expect(404);
}

async fn invalid_partner_reports_every_field_and_changes_nothing(db: TestDb) {
    let app = app(&db).await;
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({
            "name": "x".repeat(201),
            "website": "mailto:info@example.org",
            "description": "d".repeat(5001),
            "address": {"city": "c".repeat(101)},
            "referred_by": "not-an-id"
        }),
    )
    .await
    .expect(422);
    assert_eq!(
        reply.error_fields(),
        [
            "address.city",
            "description",
            "kind",
            "name",
            "referred_by",
            "website"
        ]
    );
    // Wrong types and unknown values are malformed input.
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "spaceship"}),
    )
    .await
    .expect(400);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum", "offerings": ["juggling"]}),
    )
    .await
    .expect(400);
    // Vetting is an object, not its fields in order as an array.
    let vetting = post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum", "vetting": [null, null]}),
    )
    .await
    .expect(400);
    assert!(vetting.text.contains("vetting"), "{}", vetting.text);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum", "student_name": "Jo"}),
    )
    .await
    .expect(400);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": 5, "kind": "museum"}),
    )
    .await
    .expect(400);
    assert!(
        all_pages(&app, "/api/v1/partners").await.is_empty(),
        "nothing was written"
    );
}

async fn referrals_must_exist_and_block_deletion(db: TestDb) {
    let app = app(&db).await;
    let friend = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Hannaford", "kind": "business"}),
    )
    .await
    .expect(201);
    let missing = uuid::Uuid::now_v7().to_string();
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Ghost referral", "kind": "business", "referred_by": missing}),
    )
    .await
    .expect(422);
    assert_eq!(reply.error_fields(), ["referred_by"]);

    let referred = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Maine Credit Union", "kind": "business", "referred_by": friend.id()}),
    )
    .await
    .expect(201);
    assert_eq!(referred.body["referred_by"], friend.id());

    let self_ref = patch(
        &app,
        &format!("/api/v1/partners/{}", referred.id()),
        json!({"referred_by": referred.id()}),
    )
    .await
    .expect(422);
    assert_eq!(self_ref.error_fields(), ["referred_by"]);

    let friend_uri = format!("/api/v1/partners/{}", friend.id());
    let refused = delete(&app, &friend_uri).await.expect(409);
    assert!(refused.body["detail"].as_str().unwrap().contains("archive"));
    get(&app, &friend_uri).await.expect(200);
    patch(&app, &friend_uri, json!({"status": "archived"}))
        .await
        .expect(200);

    let listed = get(
        &app,
        &format!("/api/v1/partners?referred_by={}", friend.id()),
    )
    .await
    .expect(200);
    assert_eq!(
        ids(listed.body["data"].as_array().unwrap()),
        [referred.id()]
    );

    delete(&app, &format!("/api/v1/partners/{}", referred.id()))
        .await
        .expect(204);
    delete(&app, &friend_uri).await.expect(204);
}

async fn list_filters(db: TestDb) {
    let app = app(&db).await;
    for (name, kind, status, offerings) in [
        (
            "Gardiner Public Library",
            "library",
            "active",
            json!(["facility", "after_school_program"]),
        ),
        (
            "Bath Iron Works",
            "business",
            "active",
            json!(["apprenticeship", "job_shadowing", "internship"]),
        ),
        (
            "Kennebec Valley CC",
            "higher_education",
            "prospect",
            json!(["mentoring", "internship"]),
        ),
        (
            "Jo Volunteer",
            "individual",
            "inactive",
            json!(["volunteer", "in_kind"]),
        ),
    ] {
        post(
            &app,
            "/api/v1/partners",
            json!({"name": name, "kind": kind, "status": status, "offerings": offerings}),
        )
        .await
        .expect(201);
    }
    let names = |reply: Reply| -> Vec<String> {
        reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(
            get(&app, "/api/v1/partners?offering=internship&sort=name")
                .await
                .expect(200)
        ),
        ["Bath Iron Works", "Kennebec Valley CC"]
    );
    assert_eq!(
        names(
            get(&app, "/api/v1/partners?offering=in_kind")
                .await
                .expect(200)
        ),
        ["Jo Volunteer"]
    );
    assert_eq!(
        names(get(&app, "/api/v1/partners?kind=library").await.expect(200)),
        ["Gardiner Public Library"]
    );
    assert_eq!(
        names(
            get(&app, "/api/v1/partners?status=active&sort=-name")
                .await
                .expect(200)
        ),
        ["Gardiner Public Library", "Bath Iron Works"]
    );
    assert_eq!(
        names(
            get(&app, "/api/v1/partners?q=valley&status=prospect")
                .await
                .expect(200)
        ),
        ["Kennebec Valley CC"]
    );
    get(&app, "/api/v1/partners?kind=spaceship")
        .await
        .expect(400);
    get(&app, "/api/v1/partners?offering=juggling")
        .await
        .expect(400);

    let all = all_pages(&app, "/api/v1/partners?limit=1").await;
    assert_eq!(all.len(), 4);
}

async fn partner_external_id_is_unique(db: TestDb) {
    let app = app(&db).await;
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "other", "external_id": "CRM-1"}),
    )
    .await
    .expect(201);
    let dup = post(
        &app,
        "/api/v1/partners",
        json!({"name": "B", "kind": "other", "external_id": "CRM-1"}),
    )
    .await
    .expect(409);
    assert!(dup.body["detail"].as_str().unwrap().contains("external_id"));
    let found = get(&app, "/api/v1/partners?external_id=CRM-1")
        .await
        .expect(200);
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
}
