//! Committees and site councils, their members and meetings, and communication plans: who
//! forms and sees them, the rules of seats and attendance, overdue tasks, and the dashboard.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    committees_are_formed_by_their_schools_staff,
    seats_are_held_by_one_person_and_partners_see_their_committees,
    meetings_record_who_came,
    communication_plans_mark_overdue_tasks,
);

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

async fn school<A: TestApp>(app: &A, name: &str) -> String {
    post(app, "/api/v1/schools", json!({"name": name}))
        .await
        .expect(201)
        .id()
}

async fn council<A: TestApp>(app: &A, school: Option<&str>) -> String {
    post(
        app,
        "/api/v1/committees",
        json!({"name": "Site council", "kind": "site_council", "school_id": school,
               "purpose": "Plan the year with families"}),
    )
    .await
    .expect(201)
    .id()
}

fn family_seat(name: &str, start: i64, end: Option<i64>) -> Value {
    json!({"name": name, "role": "member", "represents": "family",
           "term_start": day(start), "term_end": end.map(day)})
}

async fn committees_are_formed_by_their_schools_staff(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let lincoln = school(&admin, "Lincoln").await;
    let other = school(&admin, "Other").await;
    let teacher = staff(&db, &[&lincoln]);
    let as_teacher = |req: TestRequest| req.insert_header(teacher.header());

    // Staff form their school's committees, not another school's nor the district's.
    let body = |school: Option<&str>| {
        json!({"name": "Communication committee", "kind": "communication_committee",
               "school_id": school})
    };
    let mine = send(
        &raw,
        as_teacher(TestRequest::post().uri("/api/v1/committees")).set_json(body(Some(&lincoln))),
    )
    .await
    .expect(201);
    assert_eq!(mine.body["status"], "active");
    for school in [Some(other.as_str()), None] {
        send(
            &raw,
            as_teacher(TestRequest::post().uri("/api/v1/committees")).set_json(body(school)),
        )
        .await
        .expect(403);
    }
    // Bad input names each field and changes nothing.
    let bad = post(
        &admin,
        "/api/v1/committees",
        json!({"name": "Bad\tname", "kind": "book_club", "school_id": "nowhere"}),
    )
    .await;
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.text);
    let unknown = post(
        &admin,
        "/api/v1/committees",
        json!({"name": "Ghost council", "kind": "advisory",
               "school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d"}),
    )
    .await
    .expect(422);
    assert_eq!(unknown.error_fields(), ["school_id"]);
    let listed = get(&admin, "/api/v1/committees?kind=communication_committee")
        .await
        .expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [mine.id()]);

    // A committee with members is kept: it retires instead.
    let uri = format!("/api/v1/committees/{}", mine.id());
    post(
        &admin,
        &format!("{uri}/members"),
        family_seat("Ana Ruiz", -10, None),
    )
    .await
    .expect(201);
    delete(&admin, &uri).await.expect(409);
    let retired = send(
        &raw,
        as_teacher(TestRequest::patch().uri(&uri))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"status": "retired"}"#),
    )
    .await
    .expect(200);
    assert_eq!(retired.body["status"], "retired");
    let empty = council(&admin, Some(&other)).await;
    delete(&admin, &format!("/api/v1/committees/{empty}"))
        .await
        .expect(204);
}

async fn seats_are_held_by_one_person_and_partners_see_their_committees(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let lincoln = school(&admin, "Lincoln").await;
    let committee = council(&admin, Some(&lincoln)).await;
    let members = format!("/api/v1/committees/{committee}/members");

    // Exactly one of user, contact and name.
    let both = post(
        &admin,
        &members,
        json!({"name": "Ana", "user_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
               "role": "chair", "represents": "staff", "term_start": day(0)}),
    )
    .await
    .expect(422);
    assert!(both.error_fields().contains(&"name".to_owned()));
    let neither = post(
        &admin,
        &members,
        json!({"role": "chair", "represents": "staff", "term_start": day(0),
               "term_end": day(-1)}),
    )
    .await
    .expect(422);
    assert_eq!(neither.error_fields(), ["name", "term_end"]);
    let ghost = post(
        &admin,
        &members,
        json!({"contact_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d", "role": "member",
               "represents": "business", "term_start": day(0)}),
    )
    .await
    .expect(422);
    assert_eq!(ghost.error_fields(), ["contact_id"]);

    let user = post(
        &admin,
        "/api/v1/users",
        json!({"email": "principal@lincoln.example", "name": "Pat Principal", "role": "staff",
               "school_ids": [lincoln]}),
    )
    .await
    .expect(201)
    .id();
    let chair = post(
        &admin,
        &members,
        json!({"user_id": user, "role": "chair", "represents": "staff", "term_start": day(-30)}),
    )
    .await
    .expect(201);
    assert_eq!(
        chair.body["name"], "Pat Principal",
        "users are named as they are"
    );
    assert_eq!(chair.body["current"], true);
    // One seat at a time for the same person.
    post(
        &admin,
        &members,
        json!({"user_id": user, "role": "member", "represents": "staff", "term_start": day(5)}),
    )
    .await
    .expect(409);

    // A partner's contact on the council: the partner sees it, another partner does not.
    let museum = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let other_partner = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Other Library", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    let contact = post(
        &admin,
        &format!("/api/v1/partners/{museum}/contacts"),
        json!({"name": "Dana Curator"}),
    )
    .await
    .expect(201)
    .id();
    let partner = principal(&db, Role::Partner, &[], Some(&museum));
    let outsider = principal(&db, Role::Partner, &[], Some(&other_partner));
    let read = |who: &Principal, uri: &str| TestRequest::get().uri(uri).insert_header(who.header());
    let item = format!("/api/v1/committees/{committee}");
    send(&raw, read(&partner, &item)).await.expect(404);
    let seat = post(
        &admin,
        &members,
        json!({"contact_id": contact, "role": "member", "represents": "business",
               "term_start": day(-1)}),
    )
    .await
    .expect(201);
    assert_eq!(seat.body["partner_id"], museum.as_str());
    assert_eq!(seat.body["name"], "Dana Curator");
    send(&raw, read(&partner, &item)).await.expect(200);
    let seen = send(&raw, read(&partner, "/api/v1/committees"))
        .await
        .expect(200);
    assert_eq!(
        ids(seen.body["data"].as_array().unwrap()),
        [committee.as_str()]
    );
    let roster = send(&raw, read(&partner, &members)).await.expect(200);
    assert_eq!(roster.body["data"].as_array().unwrap().len(), 2);
    send(&raw, read(&outsider, &item)).await.expect(404);
    send(&raw, read(&outsider, &members)).await.expect(404);
    let none = send(&raw, read(&outsider, "/api/v1/committees"))
        .await
        .expect(200);
    assert_eq!(none.body["data"], json!([]));
    // A partner reads, never writes, the roster.
    send(
        &raw,
        TestRequest::post()
            .uri(&members)
            .insert_header(partner.header())
            .set_json(family_seat("Sneaky", 0, None)),
    )
    .await
    .expect(403);

    // The term ends: the partner no longer sits on the council.
    patch(
        &admin,
        &format!("{members}/{}", seat.id()),
        json!({"term_end": day(-1)}),
    )
    .await
    .expect(200);
    send(&raw, read(&partner, &item)).await.expect(404);

    // Community seats per school on the dashboard: families, community and business.
    post(&admin, &members, family_seat("Ana Ruiz", -5, None))
        .await
        .expect(201);
    post(&admin, &members, family_seat("Ben Ode", -5, Some(-2)))
        .await
        .expect(201);
    let district_council = council(&admin, None).await;
    post(
        &admin,
        &format!("/api/v1/committees/{district_council}/members"),
        family_seat("Cy Dee", -1, None),
    )
    .await
    .expect(201);
    let current = get(&admin, &format!("{members}?current=true"))
        .await
        .expect(200);
    // The chair and Ana; Ben's term and the contact's have ended.
    assert_eq!(current.body["data"].as_array().unwrap().len(), 2);
    let past = all_pages(&admin, &format!("{members}?current=false&limit=1")).await;
    assert_eq!(past.len(), 2, "past members page one by one");
    let dash = get(&admin, "/api/v1/dashboards/district").await.expect(200);
    assert_eq!(
        dash.body["community"]["seats_by_school"],
        json!([
            {"school_id": lincoln, "school_name": "Lincoln", "community_seats": 1},
            {"school_id": null, "school_name": null, "community_seats": 1},
        ]),
        "Ana counts; the chair (staff) and the ended terms do not"
    );
}

async fn meetings_record_who_came(db: TestDb) {
    let admin = app(&db).await;
    let lincoln = school(&admin, "Lincoln").await;
    let committee = council(&admin, Some(&lincoln)).await;
    let other = council(&admin, Some(&lincoln)).await;
    let ana = post(
        &admin,
        &format!("/api/v1/committees/{committee}/members"),
        family_seat("Ana Ruiz", -30, None),
    )
    .await
    .expect(201)
    .id();
    let stranger = post(
        &admin,
        &format!("/api/v1/committees/{other}/members"),
        family_seat("Sam Else", -30, None),
    )
    .await
    .expect(201)
    .id();
    let library = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Riverside Library", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    let meetings = format!("/api/v1/committees/{committee}/meetings");
    let bad = post(
        &admin,
        &meetings,
        json!({"held_on": day(-7), "attendees": [ana, stranger],
               "host_partner_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d"}),
    )
    .await
    .expect(422);
    assert_eq!(bad.error_fields(), ["host_partner_id", "attendees[1]"]);
    let empty_decision = post(
        &admin,
        &meetings,
        json!({"held_on": day(-7), "decisions": ["  "]}),
    )
    .await
    .expect(422);
    assert_eq!(empty_decision.error_fields(), ["decisions"]);
    let held = post(
        &admin,
        &meetings,
        json!({"held_on": day(-7), "venue": "Riverside Library, room 2",
               "host_partner_id": library, "agenda": "1. Survey results\n2. Spring night",
               "minutes": "Agreed on a date.", "decisions": ["Spring night on 12 March"],
               "attendees": [ana, ana], "guests": 3}),
    )
    .await
    .expect(201);
    assert_eq!(held.body["attendees"], json!([ana]), "attendees are a set");
    post(
        &admin,
        &meetings,
        json!({"held_on": day(14), "agenda": "Budget"}),
    )
    .await
    .expect(201);
    let listed = get(&admin, &meetings).await.expect(200);
    let dates: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["held_on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, [day(14), day(-7)], "newest first");
    let hosted = get(&admin, &format!("{meetings}?host_partner_id={library}"))
        .await
        .expect(200);
    assert_eq!(ids(hosted.body["data"].as_array().unwrap()), [held.id()]);
    // A member who came is history: their seat is ended, not deleted.
    delete(
        &admin,
        &format!("/api/v1/committees/{committee}/members/{ana}"),
    )
    .await
    .expect(409);
    // A meeting is reached only through its own committee.
    get(
        &admin,
        &format!("/api/v1/committees/{other}/meetings/{}", held.id()),
    )
    .await
    .expect(404);
}

fn plan_body(committee: &str, school: Option<&str>) -> Value {
    json!({"title": "Family outreach", "school_id": school, "committee_id": committee,
           "goals": ["Every family hears about the partnerships open to them"],
           "audiences": ["Spanish-speaking families"],
           "channels": [{"channel": "newsletter", "languages": ["es", "en", "es"]},
                        {"channel": "phone_text", "languages": ["es"]}],
           "tasks": [
               {"title": "Autumn newsletter", "owner": "Chair", "due_on": day(-3),
                "channel": "newsletter"},
               {"title": "Texts for the spring night", "due_on": day(-1), "status": "done",
                "channel": "phone_text"},
               {"title": "Spring newsletter", "due_on": day(30), "channel": "newsletter"}],
           "targets": [{"measure": "families at the spring night", "target": 150}],
           "evaluation": {"method": "survey of families", "findings": "To come"}})
}

async fn communication_plans_mark_overdue_tasks(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let lincoln = school(&admin, "Lincoln").await;
    let other = school(&admin, "Other").await;
    let committee = council(&admin, Some(&lincoln)).await;

    // The rules across fields, each named.
    let mut bad = plan_body(&committee, Some(&lincoln));
    bad["agreement_id"] = json!("0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d");
    bad["channels"] = json!([{"channel": "website", "languages": ["english"]},
                             {"channel": "website"}]);
    let refused = post(&admin, "/api/v1/communication-plans", bad)
        .await
        .expect(422);
    let fields = refused.error_fields();
    for field in [
        "agreement_id",
        "channels[0].languages",
        "channels[1].channel",
        "tasks[0].channel",
    ] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }
    let mut ghost = plan_body(&committee, Some(&lincoln));
    ghost["committee_id"] = json!("0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d");
    let refused = post(&admin, "/api/v1/communication-plans", ghost)
        .await
        .expect(422);
    assert_eq!(refused.error_fields(), ["committee_id"]);
    assert_eq!(count_rows(&db.pool, "communication_plans"), 0);

    let plan = post(
        &admin,
        "/api/v1/communication-plans",
        plan_body(&committee, Some(&lincoln)),
    )
    .await
    .expect(201);
    assert_eq!(plan.body["overdue_tasks"], 1);
    let overdue: Vec<bool> = plan.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(overdue, [true, false, false]);
    assert_eq!(plan.body["channels"][0]["languages"], json!(["en", "es"]));
    assert_eq!(plan.body["tasks"][2]["status"], "planned");

    // Staff write the plans of their schools only; the district's are for admins.
    let teacher = staff(&db, &[&lincoln]);
    let uri = format!("/api/v1/communication-plans/{}", plan.id());
    let as_teacher = |req: TestRequest| req.insert_header(teacher.header());
    let moved = |school: Option<&str>| {
        as_teacher(TestRequest::patch().uri(&uri))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(json!({"school_id": school}).to_string())
    };
    send(&raw, moved(Some(&other))).await.expect(403);
    send(&raw, moved(None)).await.expect(403);
    // Nor hang a plan of their school on another school's committee.
    let theirs = council(&admin, Some(&other)).await;
    let mut borrowed = plan_body(&theirs, Some(&lincoln));
    borrowed["title"] = json!("Borrowed committee");
    send(
        &raw,
        as_teacher(TestRequest::post().uri("/api/v1/communication-plans")).set_json(borrowed),
    )
    .await
    .expect(403);
    // Finishing the late task clears it.
    let mut tasks = plan.body["tasks"].clone();
    for t in tasks.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("overdue");
    }
    let dash = get(&admin, "/api/v1/dashboards/district").await.expect(200);
    let late = &dash.body["community"]["overdue_communication_tasks"];
    assert_eq!(late["count"], 1);
    assert_eq!(late["items"][0]["title"], "Autumn newsletter");
    assert_eq!(late["items"][0]["plan_id"], plan.id().as_str());
    tasks[0]["status"] = json!("done");
    let done = send(
        &raw,
        as_teacher(TestRequest::patch().uri(&uri))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(json!({"tasks": tasks}).to_string()),
    )
    .await
    .expect(200);
    assert_eq!(done.body["overdue_tasks"], 0);
    let dash = get(&admin, "/api/v1/dashboards/district").await.expect(200);
    assert_eq!(
        dash.body["community"]["overdue_communication_tasks"]["count"],
        0
    );

    // A partner sees the plans of its agreements and of committees it sits on.
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
    send(&raw, as_partner(&uri)).await.expect(404);
    let agreement = post(
        &admin,
        "/api/v1/agreements",
        json!({"title": "Museum nights", "lead_partner_id": museum, "school_ids": [lincoln],
               "start_date": "2027-01-01", "end_date": "2027-12-31", "involves_students": false}),
    )
    .await
    .expect(201)
    .id();
    let mut theirs = plan_body(&committee, None);
    theirs["agreement_id"] = json!(agreement);
    let theirs = post(&admin, "/api/v1/communication-plans", theirs)
        .await
        .expect(201)
        .id();
    let seen = send(&raw, as_partner("/api/v1/communication-plans"))
        .await
        .expect(200);
    assert_eq!(
        ids(seen.body["data"].as_array().unwrap()),
        [theirs.as_str()]
    );
    // Staff of the agreement's school write its plan.
    send(
        &raw,
        as_teacher(TestRequest::patch().uri(&format!("/api/v1/communication-plans/{theirs}")))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"title": "Museum nights outreach"}"#),
    )
    .await
    .expect(200);
    let contact = post(
        &admin,
        &format!("/api/v1/partners/{museum}/contacts"),
        json!({"name": "Dana Curator"}),
    )
    .await
    .expect(201)
    .id();
    post(
        &admin,
        &format!("/api/v1/committees/{committee}/members"),
        json!({"contact_id": contact, "role": "member", "represents": "business",
               "term_start": day(0)}),
    )
    .await
    .expect(201);
    send(&raw, as_partner(&uri)).await.expect(200);
    let seen = send(&raw, as_partner("/api/v1/communication-plans?sort=id"))
        .await
        .expect(200);
    assert_eq!(seen.body["data"].as_array().unwrap().len(), 2);
}
