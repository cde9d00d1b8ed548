//! The audit trail: an event for every successful write, none for a refused one.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    writes_are_audited_with_their_changes,
    credentials_are_audited_without_secrets,
    refused_writes_leave_no_event,
    audit_filters_and_paging,
);

async fn events<A: TestApp>(app: &A, query: &str) -> Vec<Value> {
    all_pages(app, &format!("/api/v1/audit-events?{query}")).await
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

async fn writes_are_audited_with_their_changes(db: TestDb) {
    let admin = app(&db).await;
    let created = send(
        &admin,
        TestRequest::post()
            .uri("/api/v1/schools")
            .insert_header(("x-request-id", "sis-push-17"))
            .set_json(json!({"name": "Audited Elementary", "external_id": "S-7"})),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/schools/{}", created.id());
    patch(&admin, &uri, json!({"name": "Audited Primary"}))
        .await
        .expect(200);
    delete(&admin, &uri).await.expect(204);

    let trail = events(
        &admin,
        &format!("resource_type=school&resource_id={}", created.id()),
    )
    .await;
    assert_eq!(actions(&trail), ["create", "update", "delete"]);
    assert_eq!(trail[0]["request_id"], "sis-push-17");
    assert_eq!(trail[0]["actor"]["kind"], "client");
    assert_eq!(trail[0]["actor"]["role"], "admin");
    assert_eq!(
        trail[0]["changes"]["name"],
        json!({"old": null, "new": "Audited Elementary"})
    );
    assert_eq!(
        trail[1]["changes"],
        json!({"name": {"old": "Audited Elementary", "new": "Audited Primary"}})
    );
    assert_eq!(
        trail[2]["changes"]["external_id"],
        json!({"old": "S-7", "new": null})
    );

    let partner = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "P", "kind": "museum"}),
    )
    .await
    .expect(201);
    patch(
        &admin,
        &format!("/api/v1/partners/{}", partner.id()),
        json!({"status": "active"}),
    )
    .await
    .expect(200);
    let base = format!("/api/v1/partners/{}/contacts", partner.id());
    let contact = post(&admin, &base, json!({"name": "C", "primary": true}))
        .await
        .expect(201);
    delete(&admin, &format!("{base}/{}", contact.id()))
        .await
        .expect(204);
    let trail = events(&admin, &format!("resource_id={}", partner.id())).await;
    assert_eq!(actions(&trail), ["create", "update"]);
    assert_eq!(
        trail[1]["changes"],
        json!({"status": {"old": "prospect", "new": "active"}})
    );
    let trail = events(&admin, "resource_type=contact").await;
    assert_eq!(actions(&trail), ["create", "delete"]);

    // A new primary contact demotes the old one: two changes, two events.
    let first = post(&admin, &base, json!({"name": "First", "primary": true}))
        .await
        .expect(201);
    let second = post(&admin, &base, json!({"name": "Second", "primary": true}))
        .await
        .expect(201);
    let trail = events(&admin, &format!("resource_id={}", first.id())).await;
    assert_eq!(actions(&trail), ["create", "update"]);
    assert_eq!(
        trail[1]["changes"],
        json!({"primary": {"old": true, "new": false}})
    );
    // Deleting the partner removes its contacts, each recorded.
    delete(&admin, &format!("/api/v1/partners/{}", partner.id()))
        .await
        .expect(204);
    for contact in [first.id(), second.id()] {
        let trail = events(&admin, &format!("resource_id={contact}")).await;
        assert_eq!(actions(&trail).last(), Some(&"delete"), "{contact}");
    }
}

async fn credentials_are_audited_without_secrets(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let client = post(
        &admin,
        "/api/v1/clients",
        json!({"name": "Nightly", "role": "integration", "scopes": ["kpi:write"]}),
    )
    .await
    .expect(201);
    let first_secret = client.body["client_secret"].as_str().unwrap().to_owned();
    let id = client.id();
    let rotated = send(
        &admin,
        TestRequest::post().uri(&format!("/api/v1/clients/{id}/secret")),
    )
    .await
    .expect(200);
    let secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    let reply = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=kpi:read")),
    )
    .await
    .expect(200);
    assert_eq!(reply.body["scope"], "kpi:read");
    send(
        &admin,
        TestRequest::post().uri(&format!("/api/v1/clients/{id}/revoke")),
    )
    .await
    .expect(200);

    let user = post(
        &admin,
        "/api/v1/users",
        json!({"email": "a@d.org", "name": "A", "role": "viewer", "password": "hunter2hunter2"}),
    )
    .await
    .expect(201);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": "a@d.org", "password": "hunter2hunter2"})),
    )
    .await
    .expect(200);
    patch(
        &admin,
        &format!("/api/v1/users/{}", user.id()),
        json!({"password": "correct horse battery", "role": "staff"}),
    )
    .await
    .expect(200);

    let trail = events(&admin, &format!("resource_id={id}")).await;
    assert_eq!(
        actions(&trail),
        ["create", "rotate_secret", "token_issued", "revoke"]
    );
    assert_eq!(
        trail[2]["actor"]["id"], id,
        "the client itself asked for the token"
    );
    assert_eq!(trail[2]["changes"]["scope"]["new"], "kpi:read");
    let trail = events(&admin, &format!("resource_id={}", user.id())).await;
    assert_eq!(actions(&trail), ["create", "login", "update"]);
    assert_eq!(
        trail[2]["changes"]["role"],
        json!({"old": "viewer", "new": "staff"})
    );
    assert!(
        trail[2]["changes"]["password"].is_object(),
        "a password change is recorded…"
    );

    let everything = serde_json::to_string(&events(&admin, "").await).unwrap();
    for secret in [
        first_secret.as_str(),
        secret.as_str(),
        "hunter2hunter2",
        "correct horse battery",
        "$argon2",
    ] {
        assert!(!everything.contains(secret), "…but no secret is: {secret}");
    }
}

async fn refused_writes_leave_no_event(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let school = post(
        &admin,
        "/api/v1/schools",
        json!({"name": "Stable", "external_id": "S-1"}),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/schools/{}", school.id());
    let before = events(&admin, "").await.len();

    post(&admin, "/api/v1/schools", json!({"name": ""}))
        .await
        .expect(422);
    post(
        &admin,
        "/api/v1/schools",
        json!({"name": "Dup", "external_id": "S-1"}),
    )
    .await
    .expect(409);
    send(
        &admin,
        TestRequest::post()
            .uri("/api/v1/schools")
            .insert_header(("content-type", "application/json"))
            .set_payload("{"),
    )
    .await
    .expect(400);
    send(
        &admin,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(("if-match", "\"7\"")),
    )
    .await
    .expect(412);
    send(
        &raw,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(viewer.header()),
    )
    .await
    .expect(403);
    delete(&admin, &format!("/api/v1/schools/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    put(
        &admin,
        &uri,
        json!({"name": "Stable", "external_id": "S-1"}),
    )
    .await
    .expect(200);
    patch(&admin, &uri, json!({})).await.expect(200);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": "nobody@d.org", "password": "nothing at all"})),
    )
    .await
    .expect(401);
    post(
        &admin,
        "/api/v1/clients",
        json!({"name": "P", "role": "partner"}),
    )
    .await
    .expect(422);
    post(&admin, "/api/v1/users", json!({"email": "x@d.org", "name": "X", "role": "staff", "school_ids": [uuid::Uuid::now_v7().to_string()]}))
        .await
        .expect(422);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=client_credentials&client_id={}&client_secret=wrong",
                viewer.id
            )),
    )
    .await
    .expect_status(401);

    let after = events(&admin, "").await;
    let (refused_sign_ins, others): (Vec<&str>, Vec<&str>) = actions(&after)
        .into_iter()
        .partition(|a| *a == "sign_in_failed");
    assert_eq!(
        others.len(),
        before,
        "refused writes and no-op updates leave no event"
    );
    assert_eq!(refused_sign_ins.len(), 2, "refused sign-ins are audited");
    assert_eq!(get(&admin, &uri).await.body["version"], 1);
}

async fn audit_filters_and_paging(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let staff = principal(&db, Role::Staff, &[], None);
    for i in 0..5 {
        post(&admin, "/api/v1/schools", json!({"name": format!("S{i}")}))
            .await
            .expect(201);
    }
    let start = chrono::Utc::now();
    for i in 0..3 {
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/partners")
                .insert_header(staff.header())
                .set_json(json!({"name": format!("P{i}"), "kind": "other"})),
        )
        .await
        .expect(201);
    }
    let by_staff = events(&admin, &format!("actor_id={}", staff.id)).await;
    assert_eq!(by_staff.len(), 3);
    assert!(by_staff
        .iter()
        .all(|e| e["actor"]["role"] == "staff" && e["resource_type"] == "partner"));
    let since = start
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B");
    assert_eq!(events(&admin, &format!("since={since}")).await.len(), 3);
    assert_eq!(
        events(
            &admin,
            &format!("until={since}&action=create&resource_type=school")
        )
        .await
        .len(),
        5
    );
    let paged = events(&admin, "limit=2").await;
    assert_eq!(paged.len(), 8);
    let mut sorted = ids(&paged);
    sorted.sort();
    assert_eq!(sorted, ids(&paged), "oldest first");
    get(&admin, "/api/v1/audit-events?colour=red")
        .await
        .expect(400);
}
