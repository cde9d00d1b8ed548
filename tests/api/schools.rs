use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    school_lifecycle,
    invalid_school_reports_every_field_and_changes_nothing,
    unique_ids_conflict_and_change_nothing,
    stale_if_match_is_refused,
    concurrent_conditional_updates_have_one_winner,
    merge_patch_sets_clears_and_validates,
    list_filters_and_sorts,
    paging_neither_skips_nor_repeats_while_rows_are_inserted,
);

fn school(name: &str) -> serde_json::Value {
    json!({"name": name, "lowest_grade": "KG", "highest_grade": "05"})
}

async fn school_lifecycle(db: TestDb) {
    let app = app(&db).await;
    let created = post(
        &app,
        "/api/v1/schools",
        json!({
            "name": "  Richmond Middle School ",
            "external_id": "SIS-0412",
            "nces_id": "230000600123",
            "address": {"line1": "28 High Street", "city": "Richmond", "region": "ME"},
            "lowest_grade": "06",
            "highest_grade": "08"
        }),
    )
    .await
    .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/schools/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(
        created.body["name"], "Richmond Middle School",
        "strings are trimmed"
    );
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["address"]["city"], "Richmond");
    assert!(uuid::Uuid::parse_str(&id).unwrap().get_version_num() == 7);

    let read = get(&app, &format!("/api/v1/schools/{id}"))
        .await
        .expect(200);
    assert_eq!(read.body, created.body);
    assert_eq!(read.etag(), "\"1\"");

    let not_modified = send(
        &app,
        TestRequest::get()
            .uri(&format!("/api/v1/schools/{id}"))
            .insert_header(("if-none-match", "\"1\"")),
    )
    .await;
    assert_eq!(not_modified.status.as_u16(), 304);

    let replaced = send(
        &app,
        TestRequest::put()
            .uri(&format!("/api/v1/schools/{id}"))
            .insert_header(("if-match", "\"1\""))
            .set_json(json!({"name": "Richmond MS", "lowest_grade": "05", "highest_grade": "08"})),
    )
    .await
    .expect(200);
    assert_eq!(replaced.etag(), "\"2\"");
    assert_eq!(
        replaced.body["external_id"],
        serde_json::Value::Null,
        "PUT clears absent fields"
    );
    assert_eq!(replaced.body["created_at"], created.body["created_at"]);
    assert_ne!(replaced.body["updated_at"], created.body["updated_at"]);

    // The same PUT again changes nothing, not even the version.
    let again = put(
        &app,
        &format!("/api/v1/schools/{id}"),
        json!({"name": "Richmond MS", "lowest_grade": "05", "highest_grade": "08"}),
    )
    .await
    .expect(200);
    assert_eq!(again.body["version"], 2);

    send(
        &app,
        TestRequest::delete()
            .uri(&format!("/api/v1/schools/{id}"))
            .insert_header(("if-match", "\"2\"")),
    )
    .await
    .expect(204);
    get(&app, &format!("/api/v1/schools/{id}"))
        .await
        .expect(404);
    delete(&app, &format!("/api/v1/schools/{id}"))
        .await
        .expect(404);
    get(&app, "/api/v1/schools/not-a-uuid").await.expect(404);
}

async fn invalid_school_reports_every_field_and_changes_nothing(db: TestDb) {
    let app = app(&db).await;
    let reply = post(
        &app,
        "/api/v1/schools",
        json!({
            "name": "   ",
            "nces_id": "12-34",
            "state_id": "x".repeat(51),
            "address": {"postal_code": "1".repeat(21)},
            "lowest_grade": "09",
            "highest_grade": "KG"
        }),
    )
    .await
    .expect(422);
    assert_eq!(
        reply.error_fields(),
        [
            "address.postal_code",
            "highest_grade",
            "name",
            "nces_id",
            "state_id"
        ]
    );
    assert!(reply.body["request_id"].is_string());
    for error in reply.body["errors"].as_array().unwrap() {
        assert!(error["code"].is_string() && error["message"].is_string());
    }
    // An address is an object: the fields in order as an array are not one (serde's derive
    // takes them), and a field inside it is still named.
    let listed = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Lincoln", "address": [null, null]}),
    )
    .await
    .expect(400);
    assert!(listed.text.contains("address"), "{}", listed.text);
    let inner = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Lincoln", "address": {"town": "Gardiner"}}),
    )
    .await
    .expect(400);
    assert!(inner.text.contains("town"), "{}", inner.text);
    // A whole body given as an array of its fields is not an object either.
    post(&app, "/api/v1/schools", json!(["Lincoln", null]))
        .await
        .expect(400);
    let list = get(&app, "/api/v1/schools").await.expect(200);
    assert_eq!(list.body["data"], json!([]), "nothing was written");
}

async fn unique_ids_conflict_and_change_nothing(db: TestDb) {
    let app = app(&db).await;
    post(
        &app,
        "/api/v1/schools",
        json!({"name": "A", "external_id": "S-1", "nces_id": "230000600001"}),
    )
    .await
    .expect(201);
    let b = post(
        &app,
        "/api/v1/schools",
        json!({"name": "B", "external_id": "S-2"}),
    )
    .await
    .expect(201);
    let dup = post(
        &app,
        "/api/v1/schools",
        json!({"name": "C", "external_id": "S-1"}),
    )
    .await
    .expect(409);
    assert!(
        dup.body["detail"].as_str().unwrap().contains("external_id"),
        "{}",
        dup.text
    );
    post(
        &app,
        "/api/v1/schools",
        json!({"name": "C", "nces_id": "230000600001"}),
    )
    .await
    .expect(409);
    let uri = format!("/api/v1/schools/{}", b.id());
    put(&app, &uri, json!({"name": "B", "external_id": "S-1"}))
        .await
        .expect(409);
    let after = get(&app, &uri).await.expect(200);
    assert_eq!(after.body, b.body, "a refused update changes nothing");
    let all = all_pages(&app, "/api/v1/schools").await;
    assert_eq!(all.len(), 2);
}

async fn stale_if_match_is_refused(db: TestDb) {
    let app = app(&db).await;
    let created = post(&app, "/api/v1/schools", school("Gardiner High"))
        .await
        .expect(201);
    let uri = format!("/api/v1/schools/{}", created.id());
    patch(&app, &uri, json!({"name": "Gardiner Area High"}))
        .await
        .expect(200);
    for req in [
        TestRequest::put().uri(&uri).set_json(school("Stale")),
        TestRequest::patch()
            .uri(&uri)
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(json!({"name": "Stale"}).to_string()),
        TestRequest::delete().uri(&uri),
    ] {
        send(&app, req.insert_header(("if-match", "\"1\"")))
            .await
            .expect(412);
    }
    send(
        &app,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(("if-match", "W/\"2\"")),
    )
    .await
    .expect(412);
    send(
        &app,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(("if-match", "2")),
    )
    .await
    .expect(400);
    let current = get(&app, &uri).await.expect(200);
    assert_eq!(current.body["name"], "Gardiner Area High");
    assert_eq!(current.body["version"], 2);
    send(
        &app,
        TestRequest::delete()
            .uri(&uri)
            .insert_header(("if-match", "*")),
    )
    .await
    .expect(204);
}

async fn concurrent_conditional_updates_have_one_winner(db: TestDb) {
    let app = app(&db).await;
    let created = post(&app, "/api/v1/schools", school("Dresden Elementary"))
        .await
        .expect(201);
    let uri = format!("/api/v1/schools/{}", created.id());
    let attempts = (0..8).map(|i| {
        send(
            &app,
            TestRequest::patch()
                .uri(&uri)
                .insert_header(("if-match", "\"1\""))
                .insert_header(("content-type", "application/merge-patch+json"))
                .set_payload(json!({"name": format!("Writer {i}")}).to_string()),
        )
    });
    let replies = futures_util::future::join_all(attempts).await;
    let winners: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    let losers = replies.iter().filter(|r| r.status == 412).count();
    assert_eq!(
        winners.len(),
        1,
        "exactly one conditional update wins: {replies:?}"
    );
    assert_eq!(losers, 7);
    let current = get(&app, &uri).await.expect(200);
    assert_eq!(current.body["version"], 2);
    assert_eq!(current.body["name"], winners[0].body["name"]);

    // Without If-Match every concurrent update lands, one after the other.
    let attempts = (0..6).map(|i| patch(&app, &uri, json!({"state_id": format!("ME-{i}")})));
    let replies = futures_util::future::join_all(attempts).await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
    assert_eq!(get(&app, &uri).await.body["version"], 8);
}

async fn merge_patch_sets_clears_and_validates(db: TestDb) {
    let app = app(&db).await;
    let created = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Pittston Consolidated", "external_id": "S-9", "address": {"city": "Pittston", "region": "ME"}}),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/schools/{}", created.id());
    let patched = patch(
        &app,
        &uri,
        json!({"external_id": null, "address": {"city": "Randolph"}, "active": false}),
    )
    .await
    .expect(200);
    assert_eq!(patched.body["external_id"], serde_json::Value::Null);
    assert_eq!(patched.body["address"]["city"], "Randolph");
    assert_eq!(
        patched.body["address"]["region"], "ME",
        "nested fields not named are kept"
    );
    assert_eq!(patched.body["active"], false);
    assert_eq!(patched.body["name"], "Pittston Consolidated");

    patch(&app, &uri, json!({"name": null})).await.expect(422);
    patch(&app, &uri, json!({"id": "other"})).await.expect(400);
    patch(&app, &uri, json!({"active": "yes"}))
        .await
        .expect(400);
    patch(&app, &uri, json!(["not", "an", "object"]))
        .await
        .expect(400);
    send(
        &app,
        TestRequest::patch()
            .uri(&uri)
            .insert_header(("content-type", "text/plain"))
            .set_payload("{}"),
    )
    .await
    .expect(415);
    assert_eq!(
        get(&app, &uri).await.body,
        patched.body,
        "refused patches change nothing"
    );
}

async fn list_filters_and_sorts(db: TestDb) {
    let app = app(&db).await;
    for (name, active, ext) in [
        ("Monmouth Academy", true, "M-1"),
        ("monmouth elementary", false, "M-2"),
        ("Wales Central", true, "W-1"),
        ("100% Readiness_Center", true, "R-1"),
    ] {
        post(
            &app,
            "/api/v1/schools",
            json!({"name": name, "active": active, "external_id": ext}),
        )
        .await
        .expect(201);
    }
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = get(&app, "/api/v1/schools?q=MONMOUTH&sort=name")
        .await
        .expect(200);
    assert_eq!(names(&q), ["Monmouth Academy", "monmouth elementary"]);
    let wildcard = get(&app, "/api/v1/schools?q=%25%20Readiness_")
        .await
        .expect(200);
    assert_eq!(
        names(&wildcard),
        ["100% Readiness_Center"],
        "LIKE wildcards are escaped"
    );
    let no_wildcard = get(&app, "/api/v1/schools?q=_").await.expect(200);
    assert_eq!(names(&no_wildcard), ["100% Readiness_Center"]);
    let inactive = get(&app, "/api/v1/schools?active=false").await.expect(200);
    assert_eq!(names(&inactive), ["monmouth elementary"]);
    let by_ext = get(&app, "/api/v1/schools?external_id=W-1")
        .await
        .expect(200);
    assert_eq!(names(&by_ext), ["Wales Central"]);
    let desc = get(&app, "/api/v1/schools?sort=-name&active=true")
        .await
        .expect(200);
    assert_eq!(
        names(&desc),
        ["Wales Central", "Monmouth Academy", "100% Readiness_Center"]
    );
    let created_desc = get(&app, "/api/v1/schools?sort=-created_at")
        .await
        .expect(200);
    assert_eq!(names(&created_desc)[0], "100% Readiness_Center");

    let future = get(&app, "/api/v1/schools?updated_since=2999-01-01T00:00:00Z")
        .await
        .expect(200);
    assert_eq!(future.body["data"], json!([]));
    let past = get(&app, "/api/v1/schools?updated_since=2000-01-01T00:00:00Z")
        .await
        .expect(200);
    assert_eq!(past.body["data"].as_array().unwrap().len(), 4);

    for bad in [
        "/api/v1/schools?sort=size",
        "/api/v1/schools?limit=0",
        "/api/v1/schools?limit=501",
        "/api/v1/schools?colour=blue",
        "/api/v1/schools?active=maybe",
        "/api/v1/schools?updated_since=yesterday",
        "/api/v1/schools?cursor=garbage",
    ] {
        get(&app, bad).await.expect(400);
    }
    let page = get(&app, "/api/v1/schools?limit=1&sort=name")
        .await
        .expect(200);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    get(
        &app,
        &format!("/api/v1/schools?limit=1&sort=-name&cursor={cursor}"),
    )
    .await
    .expect(400);
}

async fn paging_neither_skips_nor_repeats_while_rows_are_inserted(db: TestDb) {
    let app = app(&db).await;
    let mut originals = Vec::new();
    for i in 0..23 {
        // Duplicate names make the id tie-break matter.
        let reply = post(
            &app,
            "/api/v1/schools",
            school(&format!("School {:02}", i % 7)),
        )
        .await
        .expect(201);
        originals.push(reply.id());
    }
    for sort in ["id", "name", "-name", "created_at", "-updated_at"] {
        let mut seen: Vec<String> = Vec::new();
        let mut uri = format!("/api/v1/schools?limit=4&sort={sort}");
        let mut inserted = 0;
        loop {
            let page = get(&app, &uri).await.expect(200);
            let data = page.body["data"].as_array().unwrap().clone();
            assert!(data.len() <= 4);
            seen.extend(ids(&data));
            // Rows arrive between page reads.
            post(
                &app,
                "/api/v1/schools",
                school(&format!("School {:02}", inserted % 7)),
            )
            .await
            .expect(201);
            inserted += 1;
            match page.body["next_cursor"].as_str() {
                Some(cursor) => {
                    uri = format!("/api/v1/schools?limit=4&sort={sort}&cursor={cursor}")
                }
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "sort={sort}: a row was repeated");
        for id in &originals {
            assert!(seen.contains(id), "sort={sort}: row {id} was skipped");
        }
    }
}
