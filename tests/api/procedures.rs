//! Standard operating procedures: written by administrators, versioned with history and diffs,
//! tagged and linked, and read by partners only when addressed to them (history included).

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(procedures_keep_their_history_and_partners_read_theirs);

async fn procedures_keep_their_history_and_partners_read_theirs(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let levels = get(&admin, "/api/v1/continuum-levels").await.expect(200);
    let level = levels.body["data"][0]["id"].as_str().unwrap().to_owned();
    let made = post(
        &admin,
        "/api/v1/procedures",
        json!({"title": "Welcoming a guest speaker", "audience": "teachers",
               "body": "1. Check the partner's vetting is **approved**.\n\n<script>x()</script>",
               "tags": ["vetting", "visitors", "vetting"], "continuum_level_ids": [level]}),
    )
    .await
    .expect(201);
    assert_eq!(made.body["tags"], json!(["vetting", "visitors"]));
    assert!(made.body["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>approved</strong>"));
    assert!(!made.body["body_html"].as_str().unwrap().contains("<script"));
    let uri = format!("/api/v1/procedures/{}", made.id());
    let bad = post(
        &admin,
        "/api/v1/procedures",
        json!({"title": "T", "audience": "staff", "body": "B", "tags": ["Not A Tag"],
               "agreement_ids": ["0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d"]}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let unknown = post(
        &admin,
        "/api/v1/procedures",
        json!({"title": "T", "audience": "staff", "body": "B",
               "agreement_ids": ["0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d"]}),
    )
    .await
    .expect(422);
    assert_eq!(unknown.error_fields(), ["agreement_ids[0]"]);

    // Staff read; only administrators write.
    let school = post(&admin, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201)
        .id();
    let teacher = staff(&db, &[&school]);
    send(
        &raw,
        TestRequest::get().uri(&uri).insert_header(teacher.header()),
    )
    .await
    .expect(200);
    send(
        &raw,
        TestRequest::patch()
            .uri(&uri)
            .insert_header(teacher.header())
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"title": "Mine now"}"#),
    )
    .await
    .expect(403);

    // Two changes: the history lists three versions, each with what it changed.
    patch(
        &admin,
        &uri,
        json!({"body": "1. Check vetting.\n2. Sign in at the office."}),
    )
    .await
    .expect(200);
    patch(
        &admin,
        &uri,
        json!({"audience": "partners", "tags": ["visitors"]}),
    )
    .await
    .expect(200);
    let versions = get(&admin, &format!("{uri}/versions")).await.expect(200);
    let changed: Vec<Vec<String>> = versions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["changed_fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .filter(|f| f != "updated_at" && f != "version")
                .collect()
        })
        .collect();
    assert_eq!(changed[0], Vec::<String>::new());
    assert!(changed[1].contains(&"body".to_owned()), "{changed:?}");
    assert!(changed[2].contains(&"audience".to_owned()) && changed[2].contains(&"tags".to_owned()));
    let first = get(&admin, &format!("{uri}/versions/1")).await.expect(200);
    assert_eq!(
        first.body["procedure"]["title"],
        "Welcoming a guest speaker"
    );
    assert_eq!(first.body["recorded_by"]["role"], "admin");
    let diff = get(&admin, &format!("{uri}/versions/3/diff?from=1"))
        .await
        .expect(200);
    assert_eq!(diff.body["changes"]["audience"]["old"], "teachers");
    assert_eq!(diff.body["changes"]["audience"]["new"], "partners");

    // A partner reads procedures for partners, and only the versions that were for partners.
    let museum = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let partner = principal(&db, Role::Partner, &[], Some(&museum));
    let as_partner = |uri: &str| TestRequest::get().uri(uri).insert_header(partner.header());
    post(
        &admin,
        "/api/v1/procedures",
        json!({"title": "Grading rubric", "audience": "teachers", "body": "Internal."}),
    )
    .await
    .expect(201);
    let listed = send(&raw, as_partner("/api/v1/procedures"))
        .await
        .expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [made.id()]);
    let theirs = send(&raw, as_partner(&format!("{uri}/versions")))
        .await
        .expect(200);
    let seen: Vec<i64> = theirs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [3], "versions written for teachers stay internal");
    send(&raw, as_partner(&format!("{uri}/versions/1")))
        .await
        .expect(404);
    send(&raw, as_partner(&format!("{uri}/versions/3/diff?from=1")))
        .await
        .expect(404);
    let tagged = get(
        &admin,
        &format!("/api/v1/procedures?tag=visitors&continuum_level_id={level}"),
    )
    .await
    .expect(200);
    assert_eq!(ids(tagged.body["data"].as_array().unwrap()), [made.id()]);
    delete(&admin, &uri).await.expect(204);
    get(&admin, &format!("{uri}/versions")).await.expect(404);
}
