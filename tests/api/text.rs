//! Text and shapes of input: what an attacker or a fuzzer sends, on both databases.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    control_characters_are_refused_and_change_nothing,
    blank_strings_are_refused_null_clears,
    wrong_types_name_their_field,
    integral_numbers_count_as_integers,
    short_text_is_one_line_long_text_may_break,
);

/// Tabs and line breaks belong to long text: a name, code or external id with one is 422
/// (the document says so with a pattern), and nothing is written; a description keeps them.
async fn short_text_is_one_line_long_text_may_break(db: TestDb) {
    let app = app(&db).await;
    for (field, value) in [("name", "Kennebec\tMuseum"), ("external_id", "CRM\n42")] {
        let mut body = json!({"name": "Kennebec Museum", "kind": "museum"});
        body[field] = json!(value);
        let reply = post(&app, "/api/v1/partners", body).await.expect(422);
        assert_eq!(
            first_error(&reply),
            (field.into(), format!("/{field}"), "one_line".into())
        );
    }
    let made = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum",
               "description": "Field trips.\n\tExhibitions, too."}),
    )
    .await
    .expect(201);
    assert_eq!(
        made.body["description"],
        "Field trips.\n\tExhibitions, too."
    );
    let uri = format!("/api/v1/partners/{}", made.id());
    patch(&app, &uri, json!({"name": "Two\r\nlines"}))
        .await
        .expect(422);
    assert_eq!(
        get(&app, &uri).await.expect(200).body["name"],
        "Kennebec Museum"
    );
    let listed = get(&app, "/api/v1/partners").await.expect(200);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    // The document states the rule.
    let doc = get(&app, "/api/v1/openapi.json").await.expect(200);
    let name = &doc.body["components"]["schemas"]["PartnerInput"]["properties"]["name"];
    assert_eq!(
        name["pattern"],
        partnerships::openapi::LINE_PATTERN,
        "{name}"
    );
}

fn first_error(reply: &Reply) -> (String, String, String) {
    let e = &reply.body["errors"][0];
    (
        e["field"].as_str().unwrap_or_default().to_owned(),
        e["pointer"].as_str().unwrap_or_default().to_owned(),
        e["code"].as_str().unwrap_or_default().to_owned(),
    )
}

/// On PostgreSQL a NUL in text used to reach the database and answer 500.
async fn control_characters_are_refused_and_change_nothing(db: TestDb) {
    let app = app(&db).await;
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Nul\u{0}Co", "kind": "business"}),
    )
    .await
    .expect(422);
    assert_eq!(
        first_error(&reply),
        ("name".into(), "/name".into(), "control_character".into())
    );
    let reply = post(
        &app,
        "/api/v1/schools",
        json!({"name": "École\u{0}", "address": {"city": "Bell\u{7}ville"}}),
    )
    .await
    .expect(422);
    assert_eq!(reply.error_fields(), ["address.city", "name"]);
    assert!(all_pages(&app, "/api/v1/partners").await.is_empty());
    assert!(all_pages(&app, "/api/v1/schools").await.is_empty());

    let reply = get(&app, "/api/v1/partners?q=a%00b").await.expect(422);
    assert_eq!(reply.error_fields(), ["q"]);
    get(&app, "/api/v1/kpi-records?student_group=%01")
        .await
        .expect(422);
    get(&app, "/api/v1/kpi-definitions/attendance%00rate")
        .await
        .expect(404);
    // Tabs and line breaks are text.
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "Tabbed", "kind": "business", "description": "line one\nline\ttwo"}),
    )
    .await
    .expect(201);
}

async fn blank_strings_are_refused_null_clears(db: TestDb) {
    let app = app(&db).await;
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Blank", "kind": "business", "external_id": "", "website": "  "}),
    )
    .await
    .expect(422);
    assert_eq!(reply.error_fields(), ["external_id", "website"]);
    let created = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Clear me", "kind": "business", "description": "some"}),
    )
    .await
    .expect(201);
    let uri = format!("/api/v1/partners/{}", created.id());
    let reply = patch(&app, &uri, json!({"description": ""}))
        .await
        .expect(422);
    assert_eq!(reply.error_fields(), ["description"]);
    let cleared = patch(&app, &uri, json!({"description": null}))
        .await
        .expect(200);
    assert!(cleared.body["description"].is_null());
}

async fn wrong_types_name_their_field(db: TestDb) {
    let app = app(&db).await;
    let reply = post(&app, "/api/v1/partners", json!({"name": "A", "kind": 5}))
        .await
        .expect(400);
    assert_eq!(
        first_error(&reply),
        ("kind".into(), "/kind".into(), "type".into())
    );
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "spaceship"}),
    )
    .await
    .expect(400);
    assert_eq!(first_error(&reply).2, "enum");
    let reply = post(
        &app,
        "/api/v1/partners",
        json!({"name": "A", "kind": "museum", "address": {"city": "X", "planet": "Mars"}}),
    )
    .await
    .expect(400);
    assert_eq!(
        first_error(&reply),
        (
            "address.planet".into(),
            "/address/planet".into(),
            "unknown_field".into()
        )
    );
    // Not JSON at all is still a plain 400.
    let reply = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/partners")
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"name\":"),
    )
    .await
    .expect(400);
    assert!(reply.body["errors"].is_null());
}

async fn integral_numbers_count_as_integers(db: TestDb) {
    let app = app(&db).await;
    let level = post(
        &app,
        "/api/v1/continuum-levels",
        json!({"rank": 92.0, "name": "Ninety-two"}),
    )
    .await
    .expect(201);
    assert_eq!(level.body["rank"], 92);
    let reply = post(
        &app,
        "/api/v1/continuum-levels",
        json!({"rank": 92.5, "name": "Fraction"}),
    )
    .await
    .expect(400);
    assert_eq!(first_error(&reply).1, "/rank");
}

both!(search_ignores_case_and_accents_alike_on_both_databases);

async fn search_ignores_case_and_accents_alike_on_both_databases(db: TestDb) {
    let app = app(&db).await;
    let school = post(
        &app,
        "/api/v1/schools",
        json!({"name": "École Sainte-Anne"}),
    )
    .await
    .expect(201)
    .id();
    post(&app, "/api/v1/schools", json!({"name": "Lincoln High"}))
        .await
        .expect(201);
    for q in ["ecole", "%C3%89COLE", "%C3%A9cole", "sainte-ANNE"] {
        let found = all_pages(&app, &format!("/api/v1/schools?q={q}")).await;
        assert_eq!(ids(&found), std::slice::from_ref(&school), "q={q}");
    }
    let partner = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Musée du Château", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let found = all_pages(&app, "/api/v1/partners?q=chateau").await;
    assert_eq!(ids(&found), [partner]);
    // LIKE wildcards in q are literal.
    assert!(all_pages(&app, "/api/v1/schools?q=%25").await.is_empty());

    // Rows from before the search keys are found once filled in at start.
    {
        use diesel::prelude::*;
        use partnerships::db::schema::schools;
        let mut conn = db.pool.get().unwrap();
        diesel::update(schools::table)
            .set(schools::search_key.eq(""))
            .execute(&mut **conn)
            .unwrap();
        assert_eq!(
            all_pages(&app, "/api/v1/schools?q=ecole").await.len(),
            0,
            "the key is what is searched"
        );
        assert_eq!(partnerships::db::search::backfill(&mut conn).unwrap(), 2);
    }
    let found = all_pages(&app, "/api/v1/schools?q=%C3%89cole").await;
    assert_eq!(ids(&found), [school]);
}

both!(a_patch_names_only_fields_of_the_resource);

/// A member set to null that is no field used to vanish in the merge and answer 200.
async fn a_patch_names_only_fields_of_the_resource(db: TestDb) {
    let app = app(&db).await;
    let id = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Patchy", "kind": "business", "address": {"city": "Augusta"}}),
    )
    .await
    .expect(201)
    .id();
    let uri = format!("/api/v1/partners/{id}");
    for body in [
        json!({"": null}),
        json!({"colour": null}),
        json!({"address": {"planet": null}}),
    ] {
        let reply = patch(&app, &uri, body.clone()).await.expect(400);
        assert_eq!(reply.body["errors"][0]["code"], "unknown_field", "{body}");
    }
    let reply = patch(&app, &uri, json!({"address": {"city": null}}))
        .await
        .expect(200);
    assert!(reply.body["address"]["city"].is_null());
    assert_eq!(reply.body["version"], 2);
}
