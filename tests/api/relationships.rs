//! The relationship inventory: relationships kept one by one and imported from the teacher
//! survey, partners matched or added, and a partner's page saying who knows it.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    relationships_are_kept_and_imported_from_the_teacher_survey,
    who_knows_a_partner_follows_every_relationship_write,
    the_teacher_survey_rows_as_json_import_alike
);

fn sheet(body: &str, mode: &str) -> TestRequest {
    TestRequest::post()
        .uri(&format!("/api/v1/relationships/batch?mode={mode}"))
        .insert_header(("content-type", "text/csv"))
        .set_payload(body.to_owned())
}

async fn relationships_are_kept_and_imported_from_the_teacher_survey(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let school = post(
        &admin,
        "/api/v1/schools",
        json!({"name": "Lincoln", "external_id": "043"}),
    )
    .await
    .expect(201)
    .id();
    let museum = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum", "external_id": "MUS-1"}),
    )
    .await
    .expect(201)
    .id();
    let curator = post(
        &admin,
        &format!("/api/v1/partners/{museum}/contacts"),
        json!({"name": "Dana Curator"}),
    )
    .await
    .expect(201)
    .id();
    let other = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Other", "kind": "business"}),
    )
    .await
    .expect(201)
    .id();
    let teacher = post(
        &admin,
        "/api/v1/users",
        json!({"email": "r.okafor@lincoln.example", "name": "Rita Okafor", "role": "staff",
               "school_ids": [school]}),
    )
    .await
    .expect(201)
    .id();

    // One at a time: exactly one of user and named teacher; the contact is the partner's.
    let bad = post(
        &admin,
        "/api/v1/relationships",
        json!({"user_id": teacher, "teacher_name": "Ms. Okafor", "partner_id": museum}),
    )
    .await
    .expect(422);
    assert_eq!(bad.error_fields(), ["teacher_name"]);
    let other_contact = post(
        &admin,
        &format!("/api/v1/partners/{other}/contacts"),
        json!({"name": "Someone"}),
    )
    .await
    .expect(201)
    .id();
    let wrong = post(
        &admin,
        "/api/v1/relationships",
        json!({"teacher_name": "Mr. Li", "partner_id": museum, "contact_id": other_contact}),
    )
    .await
    .expect(422);
    assert_eq!(wrong.error_fields(), ["contact_id"]);
    let made = post(
        &admin,
        "/api/v1/relationships",
        json!({"teacher_name": "Mr. Li", "school_id": school, "partner_id": museum,
               "contact_id": curator, "kinds": ["speaker", "field_trip_host", "speaker"],
               "since": "2019-09-01", "last_contact_on": "2026-10-20"}),
    )
    .await
    .expect(201);
    assert_eq!(made.body["kinds"], json!(["speaker", "field_trip_host"]));
    // Staff record their own schools' relationships only.
    let elsewhere = post(&admin, "/api/v1/schools", json!({"name": "Elsewhere"}))
        .await
        .expect(201)
        .id();
    let outsider = staff(&db, &[&elsewhere]);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/relationships")
            .insert_header(outsider.header())
            .set_json(json!({"teacher_name": "X", "school_id": school, "partner_id": museum})),
    )
    .await
    .expect(403);

    // A sheet with a bad row is refused whole (mode=all), naming the row; nothing is written.
    let head = "teacher_email,teacher_name,school_external_id,partner_external_id,partner_name,contact_name,kinds,since,last_contact_on,notes\n";
    let with_bad = format!(
        "{head}r.okafor@lincoln.example,,043,MUS-1,,Dana Curator,speaker;field_trip_host,2020-01-15,2026-11-02,Neighbour\n\
         ,Mr. Li,043,,Riverside Library,,juggling,,,\n"
    );
    let refused = send(&admin, sheet(&with_bad, "all")).await.expect(422);
    assert_eq!(refused.body["rows"][0]["index"], 1, "{}", refused.text);
    assert_eq!(refused.body["rows"][0]["field"], "kinds");
    assert_eq!(count_rows(&db.pool, "relationships"), 1);
    assert_eq!(count_rows(&db.pool, "partners"), 2);

    let good = format!(
        "{head}r.okafor@lincoln.example,,043,MUS-1,,Dana Curator,speaker;field_trip_host,2020-01-15,2026-11-02,Neighbour\n\
         ,Ms. Park,043,,riverside library,,tutoring,,,\n\
         ,Mr. Stone,043,,Riverside Library,Ann Librarian,meeting_space | tutoring,,,\n"
    );
    let done = send(&admin, sheet(&good, "all")).await.expect(200);
    assert_eq!(
        (
            &done.body["received"],
            &done.body["created"],
            &done.body["partners_created"],
            &done.body["contacts_created"]
        ),
        (&json!(3), &json!(3), &json!(1), &json!(1)),
        "{}",
        done.text
    );
    let libraries = get(&admin, "/api/v1/partners?q=riverside")
        .await
        .expect(200);
    let library = &libraries.body["data"][0];
    assert_eq!(library["status"], "prospect");
    assert_eq!(library["known_by"]["staff"], 2);

    // Partial: the good rows go in, the bad are reported.
    let partial = format!(
        "{head}nobody@lincoln.example,,043,MUS-1,,,speaker,,,\n,Mr. Gold,043,MUS-1,,,,,,\n"
    );
    let report = send(&admin, sheet(&partial, "partial")).await.expect(200);
    assert_eq!(report.body["created"], 1);
    assert_eq!(report.body["rejected"], 1);
    assert_eq!(report.body["errors"][0]["field"], "teacher_email");

    // The partner's page says who knows it: Mr. Li, Rita Okafor (by her account) and Mr. Gold.
    let page = get(&admin, &format!("/api/v1/partners/{museum}"))
        .await
        .expect(200);
    assert_eq!(page.body["known_by"]["staff"], 3, "{}", page.text);
    let names: Vec<&str> = page.body["known_by"]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Rita Okafor") && names.contains(&"Mr. Li"),
        "{names:?}"
    );
    // The inventory is the district's: partner accounts read none of it, not even their own.
    let named = principal(&db, Role::Partner, &[], Some(&museum));
    let own_page = send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/partners/{museum}"))
            .insert_header(named.header()),
    )
    .await
    .expect(200);
    assert_eq!(own_page.body["known_by"], json!({"staff": 0, "people": []}));
    let partner = principal(&db, Role::Partner, &[], Some(&museum));
    let seen = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/relationships")
            .insert_header(partner.header()),
    )
    .await
    .expect(200);
    assert_eq!(seen.body["data"], json!([]));
    send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/relationships/{}", made.id()))
            .insert_header(partner.header()),
    )
    .await
    .expect(404);
}

/// Partners no relationship names are read without asking who knows them (a count the database
/// keeps); the page must still follow every write: a relationship added, moved to another
/// partner, deleted, and the partner itself changed in between.
async fn who_knows_a_partner_follows_every_relationship_write(db: TestDb) {
    let admin = app(&db).await;
    let partner = |name: &str| {
        let admin = &admin;
        let name = name.to_owned();
        async move {
            post(
                admin,
                "/api/v1/partners",
                json!({"name": name, "kind": "museum"}),
            )
            .await
            .expect(201)
            .id()
        }
    };
    let (first, second) = (partner("First").await, partner("Second").await);
    let known = |id: String| {
        let admin = &admin;
        async move {
            let page = get(admin, &format!("/api/v1/partners/{id}"))
                .await
                .expect(200);
            let listed = get(admin, "/api/v1/partners?limit=100").await.expect(200);
            let in_list = listed.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == json!(id))
                .map(|p| p["known_by"].clone())
                .unwrap();
            assert_eq!(page.body["known_by"], in_list, "item and list agree");
            let names: Vec<String> = page.body["known_by"]["people"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            names
        }
    };
    let counted_wrong = || {
        count_rows(
            &db.pool,
            "partners WHERE relationship_count <> \
             (SELECT COUNT(*) FROM relationships r WHERE r.partner_id = partners.id)",
        )
    };
    assert!(known(first.clone()).await.is_empty());

    let li = post(
        &admin,
        "/api/v1/relationships",
        json!({"teacher_name": "Mr. Li", "partner_id": first}),
    )
    .await
    .expect(201)
    .id();
    let park = post(
        &admin,
        "/api/v1/relationships",
        json!({"teacher_name": "Ms. Park", "partner_id": first}),
    )
    .await
    .expect(201)
    .id();
    assert_eq!(known(first.clone()).await, ["Mr. Li", "Ms. Park"]);
    assert!(known(second.clone()).await.is_empty());
    assert_eq!(counted_wrong(), 0);

    // A change to the partner itself keeps what the database counted.
    patch(
        &admin,
        &format!("/api/v1/partners/{first}"),
        json!({"description": "Renamed wing"}),
    )
    .await
    .expect(200);
    assert_eq!(known(first.clone()).await, ["Mr. Li", "Ms. Park"]);

    patch(
        &admin,
        &format!("/api/v1/relationships/{li}"),
        json!({"partner_id": second}),
    )
    .await
    .expect(200);
    assert_eq!(known(first.clone()).await, ["Ms. Park"]);
    assert_eq!(known(second.clone()).await, ["Mr. Li"]);
    assert_eq!(counted_wrong(), 0);

    // A change that keeps the partner counts nothing twice.
    patch(
        &admin,
        &format!("/api/v1/relationships/{park}"),
        json!({"notes": "Met at the open house"}),
    )
    .await
    .expect(200);
    assert_eq!(known(first.clone()).await, ["Ms. Park"]);
    assert_eq!(counted_wrong(), 0);

    delete(&admin, &format!("/api/v1/relationships/{li}"))
        .await
        .expect(204);
    assert!(known(second.clone()).await.is_empty());
    assert_eq!(known(first.clone()).await, ["Ms. Park"]);
    assert_eq!(counted_wrong(), 0);
}

/// The sheet's rows as JSON (what generated clients send) go through the same rules: partners
/// matched or added, offerings as a list, bad rows named by index alone.
async fn the_teacher_survey_rows_as_json_import_alike(db: TestDb) {
    let admin = app(&db).await;
    post(
        &admin,
        "/api/v1/schools",
        json!({"name": "Lincoln", "external_id": "043"}),
    )
    .await
    .expect(201);
    let rows = json!([
        {"teacher_name": "Ms. Okafor", "school_external_id": "043",
         "partner_name": "Kennebec Museum", "partner_kind": "museum",
         "contact_name": "Dana Curator", "kinds": ["speaker", "field_trip_host"],
         "since": "2024-09-01", "notes": "Hosts the river unit."},
        {"teacher_name": "Mr. Reyes", "school_external_id": "043", "partner_name": "kennebec museum"}
    ]);
    let reply = send(
        &admin,
        TestRequest::post()
            .uri("/api/v1/relationships/batch")
            .set_json(rows),
    )
    .await
    .expect(200);
    assert_eq!(
        [
            "received",
            "created",
            "partners_created",
            "contacts_created",
            "rejected"
        ]
        .map(|k| reply.body[k].as_u64().unwrap()),
        [2, 2, 1, 1, 0],
        "{}",
        reply.text
    );
    let listed = get(&admin, "/api/v1/relationships?limit=10")
        .await
        .expect(200);
    let kinds: Vec<_> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kinds"].clone())
        .collect();
    assert!(
        kinds.contains(&json!(["speaker", "field_trip_host"])),
        "{kinds:?}"
    );

    // A school nobody has is a row rule: the row is named by index, without a line.
    let refused = send(
        &admin,
        TestRequest::post()
            .uri("/api/v1/relationships/batch")
            .set_json(
                json!([{"teacher_name": "T", "school_external_id": "999", "partner_name": "P"}]),
            ),
    )
    .await
    .expect(422);
    assert_eq!(refused.body["rows"][0]["index"], 0, "{}", refused.text);
    assert!(
        refused.body["rows"][0]["line"].is_null(),
        "{}",
        refused.text
    );
    // An offering the catalogue does not have is refused before any row is read.
    send(
        &admin,
        TestRequest::post()
            .uri("/api/v1/relationships/batch")
            .set_json(json!([{"teacher_name": "T", "partner_name": "P", "kinds": ["juggling"]}])),
    )
    .await
    .expect(400);
    assert_eq!(count_rows(&db.pool, "relationships"), 2);
}
