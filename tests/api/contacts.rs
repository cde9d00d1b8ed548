use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    contact_lifecycle,
    at_most_one_primary_contact,
    contacts_belong_to_their_partner,
    deleting_a_partner_removes_its_contacts,
);

async fn partner<A: TestApp>(app: &A, name: &str) -> String {
    post(
        app,
        "/api/v1/partners",
        json!({"name": name, "kind": "nonprofit"}),
    )
    .await
    .expect(201)
    .id()
}

async fn contact_lifecycle(db: TestDb) {
    let app = app(&db).await;
    let partner_id = partner(&app, "Boys & Girls Club").await;
    let base = format!("/api/v1/partners/{partner_id}/contacts");
    let created = post(
        &app,
        &base,
        json!({"name": " Dana Whitcomb ", "email": "dana@club.example.org", "phone": "+1 207 555 0142", "role": "Director"}),
    )
    .await
    .expect(201);
    assert_eq!(created.body["name"], "Dana Whitcomb");
    assert_eq!(created.body["primary"], false);
    assert_eq!(created.body["partner_id"], partner_id);
    let uri = format!("{base}/{}", created.id());
    assert_eq!(created.header("location"), Some(uri.as_str()));
    assert_eq!(get(&app, &uri).await.expect(200).body, created.body);

    let invalid = post(
        &app,
        &base,
        json!({"email": "not-an-email", "phone": "call me"}),
    )
    .await
    .expect(422);
    assert_eq!(invalid.error_fields(), ["email", "name", "phone"]);

    let patched = patch(&app, &uri, json!({"role": null, "phone": "207-555-0100"}))
        .await
        .expect(200);
    assert_eq!(patched.body["role"], serde_json::Value::Null);
    assert_eq!(patched.body["version"], 2);
    put(&app, &uri, json!({"name": "Dana W."}))
        .await
        .expect(200);

    let listed = get(&app, &base).await.expect(200);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    delete(&app, &uri).await.expect(204);
    get(&app, &uri).await.expect(404);
}

async fn at_most_one_primary_contact(db: TestDb) {
    let app = app(&db).await;
    let partner_id = partner(&app, "Gardiner Rotary").await;
    let base = format!("/api/v1/partners/{partner_id}/contacts");
    let first = post(&app, &base, json!({"name": "First", "primary": true}))
        .await
        .expect(201);
    let second = post(&app, &base, json!({"name": "Second", "primary": true}))
        .await
        .expect(201);
    assert_eq!(second.body["primary"], true);

    let first_now = get(&app, &format!("{base}/{}", first.id()))
        .await
        .expect(200);
    assert_eq!(
        first_now.body["primary"], false,
        "the previous primary was demoted"
    );
    assert_eq!(
        first_now.body["version"], 2,
        "and that is a new version of it"
    );

    let third = post(&app, &base, json!({"name": "Third"}))
        .await
        .expect(201);
    patch(
        &app,
        &format!("{base}/{}", third.id()),
        json!({"primary": true}),
    )
    .await
    .expect(200);
    let primaries = get(&app, &format!("{base}?primary=true")).await.expect(200);
    assert_eq!(
        ids(primaries.body["data"].as_array().unwrap()),
        [third.id()]
    );

    // Concurrent promotions still leave exactly one primary.
    let uris = [first.id(), second.id()].map(|id| format!("{base}/{id}"));
    let promotions = uris
        .iter()
        .map(|uri| patch(&app, uri, json!({"primary": true})));
    let replies = futures_util::future::join_all(promotions).await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
    let primaries = get(&app, &format!("{base}?primary=true")).await.expect(200);
    assert_eq!(primaries.body["data"].as_array().unwrap().len(), 1);
}

async fn contacts_belong_to_their_partner(db: TestDb) {
    let app = app(&db).await;
    let a = partner(&app, "A").await;
    let b = partner(&app, "B").await;
    let contact = post(
        &app,
        &format!("/api/v1/partners/{a}/contacts"),
        json!({"name": "Pat"}),
    )
    .await
    .expect(201);
    get(
        &app,
        &format!("/api/v1/partners/{b}/contacts/{}", contact.id()),
    )
    .await
    .expect(404);
    delete(
        &app,
        &format!("/api/v1/partners/{b}/contacts/{}", contact.id()),
    )
    .await
    .expect(404);
    let missing = uuid::Uuid::now_v7();
    get(&app, &format!("/api/v1/partners/{missing}/contacts"))
        .await
        .expect(404);
    post(
        &app,
        &format!("/api/v1/partners/{missing}/contacts"),
        json!({"name": "Pat"}),
    )
    .await
    .expect(404);
    assert!(all_pages(&app, &format!("/api/v1/partners/{b}/contacts"))
        .await
        .is_empty());
}

async fn deleting_a_partner_removes_its_contacts(db: TestDb) {
    let app = app(&db).await;
    let a = partner(&app, "A").await;
    for i in 0..3 {
        post(
            &app,
            &format!("/api/v1/partners/{a}/contacts"),
            json!({"name": format!("C{i}")}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        all_pages(&app, &format!("/api/v1/partners/{a}/contacts?limit=2"))
            .await
            .len(),
        3
    );
    delete(&app, &format!("/api/v1/partners/{a}"))
        .await
        .expect(204);
    get(&app, &format!("/api/v1/partners/{a}/contacts"))
        .await
        .expect(404);
}
