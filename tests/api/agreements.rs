//! Agreements: lifecycle, the vetting rule, generated check-ins, history, and who sees what.

use actix_web::test::TestRequest;
use chrono::{Days, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    lifecycle_with_only_legal_transitions,
    check_ins_are_generated_once,
    vetting_rule_guards_activation,
    active_past_its_end_reads_as_expired,
    version_history_and_diffs,
    invalid_agreements_change_nothing,
    partner_sees_only_its_agreements,
    staff_write_only_for_their_schools,
    timeline_items_and_check_in_records,
);

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days(n: i64) -> String {
    let t = today();
    let d = if n >= 0 {
        t + Days::new(n as u64)
    } else {
        t - Days::new((-n) as u64)
    };
    d.to_string()
}

/// A partner whose vetting is approved until well after the tests.
pub async fn vetted_partner<A: TestApp>(app: &A, name: &str) -> String {
    post(
        app,
        "/api/v1/partners",
        json!({"name": name, "kind": "museum", "vetting": {
            "status": "approved", "background_check_on": days(-30),
            "background_check_expires_on": days(700), "insurance_expires_on": days(400)}}),
    )
    .await
    .expect(201)
    .id()
}

pub async fn school<A: TestApp>(app: &A, name: &str) -> String {
    post(app, "/api/v1/schools", json!({"name": name}))
        .await
        .expect(201)
        .id()
}

pub async fn agreement<A: TestApp>(app: &A, lead: &str, schools: &[&str], extra: Value) -> Reply {
    let mut body = json!({
        "title": "Exhibitions of student work",
        "lead_partner_id": lead,
        "school_ids": schools,
        "purpose": "A public audience for project work",
        "desired_outcomes": ["90% of 8th graders exhibit"],
        "contributions": [{"party": "partner", "description": "gallery space"}, {"party": "school", "description": "project time"}],
        "communication_channels": [{"channel": "planning call", "cadence": "monthly", "owner": "liaison"}],
        "start_date": days(-10),
        "end_date": days(360),
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    post(app, "/api/v1/agreements", body).await
}

pub async fn move_to<A: TestApp>(app: &A, id: &str, to: &str) -> Reply {
    post(
        app,
        &format!("/api/v1/agreements/{id}/transitions"),
        json!({"to": to, "note": format!("to {to}")}),
    )
    .await
}

async fn lifecycle_with_only_legal_transitions(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let s = school(&app, "Richmond MS").await;
    let created = agreement(&app, &museum, &[&s], json!({})).await.expect(201);
    let id = created.id();
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["review_cadence"], "quarterly");
    assert_eq!(created.body["involves_students"], true);
    assert_eq!(created.body["school_ids"], json!([s]));
    assert_eq!(created.body["contributions"][0]["party"], "partner");

    let uri = format!("/api/v1/agreements/{id}");
    let refused = patch(&app, &uri, json!({"status": "active"}))
        .await
        .expect(422);
    assert_eq!(refused.error_fields(), ["status"]);
    put(&app, &uri, json!({"status": "active"}))
        .await
        .expect(422);

    let illegal = move_to(&app, &id, "active").await.expect(409);
    assert!(
        illegal.body["detail"]
            .as_str()
            .unwrap()
            .contains("proposed"),
        "{}",
        illegal.text
    );
    move_to(&app, &id, "expired").await.expect(422);
    move_to(&app, &id, "proposed").await.expect(200);
    assert_eq!(
        move_to(&app, &id, "active").await.expect(200).body["status"],
        "active"
    );
    move_to(&app, &id, "on_hold").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    move_to(&app, &id, "completed").await.expect(200);
    let closed = move_to(&app, &id, "active").await.expect(409);
    assert!(closed.body["detail"].as_str().unwrap().contains("closed"));

    let transitions = get(&app, &format!("{uri}/transitions")).await.expect(200);
    let steps: Vec<(String, String)> = transitions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["from"].as_str().unwrap().to_owned(),
                t["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("draft", "proposed"),
            ("proposed", "active"),
            ("active", "on_hold"),
            ("on_hold", "active"),
            ("active", "completed")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(transitions.body[0]["note"], "to proposed");
    assert_eq!(transitions.body[0]["by"]["role"], "admin");
    delete(&app, &uri).await.expect(409);
    let listed = get(&app, "/api/v1/agreements?status=completed")
        .await
        .expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [id]);
}

async fn check_ins_are_generated_once(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": days(-100), "end_date": days(400), "review_cadence": "quarterly"}),
    )
    .await
    .expect(201)
    .id();
    move_to(&app, &id, "proposed").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    let timeline = get(
        &app,
        &format!("/api/v1/agreements/{id}/timeline?kind=check_in"),
    )
    .await
    .expect(200);
    let dates: Vec<String> = timeline.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["scheduled_on"].as_str().unwrap().to_owned())
        .collect();
    // Every quarter from the start up to the end date, from today on.
    let start = today() - Days::new(100);
    let expected: Vec<String> = (1..)
        .map(|q| {
            start
                .checked_add_months(chrono::Months::new(3 * q))
                .unwrap()
        })
        .take_while(|d| *d <= today() + Days::new(400))
        .filter(|d| *d >= today())
        .map(|d| d.to_string())
        .collect();
    assert_eq!(dates, expected);
    assert!(expected.len() >= 4);
    assert!(timeline.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["generated"] == true && i["status"] == "scheduled"));

    move_to(&app, &id, "on_hold").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    let again = get(
        &app,
        &format!("/api/v1/agreements/{id}/timeline?kind=check_in"),
    )
    .await
    .expect(200);
    assert_eq!(
        again.body["data"].as_array().unwrap().len(),
        expected.len(),
        "re-activating adds no duplicates"
    );
}

async fn vetting_rule_guards_activation(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let unvetted = post(
        &app,
        "/api/v1/partners",
        json!({"name": "New Garage", "kind": "business"}),
    )
    .await
    .expect(201)
    .id();
    let id = agreement(&app, &museum, &[], json!({"partner_ids": [unvetted]}))
        .await
        .expect(201)
        .id();
    move_to(&app, &id, "proposed").await.expect(200);
    let refused = move_to(&app, &id, "active").await.expect(422);
    assert_eq!(refused.error_fields(), ["partner_ids"]);
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("New Garage") && message.contains("not_started"),
        "{message}"
    );
    assert_eq!(
        get(&app, &format!("/api/v1/agreements/{id}")).await.body["status"],
        "proposed",
        "nothing changed"
    );

    let vetting = json!({"vetting": {"status": "approved", "background_check_expires_on": days(300), "insurance_expires_on": days(300)}});
    let approved = patch(&app, &format!("/api/v1/partners/{unvetted}"), vetting)
        .await
        .expect(200);
    assert_eq!(approved.body["vetting"]["status"], "approved");
    assert!(
        approved.body["vetting"]["decided_by"].is_string()
            && approved.body["vetting"]["decided_at"].is_string()
    );
    move_to(&app, &id, "active").await.expect(200);

    // Adding an unvetted partner to an active agreement is refused too.
    let other = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Other", "kind": "business"}),
    )
    .await
    .expect(201)
    .id();
    patch(
        &app,
        &format!("/api/v1/agreements/{id}"),
        json!({"partner_ids": [unvetted, other]}),
    )
    .await
    .expect(422);

    // An approval whose insurance has run out reads as expired and does not count.
    let lapsed = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Lapsed", "kind": "nonprofit", "vetting": {"status": "approved", "insurance_expires_on": days(-1)}}),
    )
    .await
    .expect(201);
    assert_eq!(lapsed.body["vetting"]["status"], "expired");
    let lapsed_id = lapsed.id();
    let expired_list = get(&app, "/api/v1/partners?vetting_status=expired")
        .await
        .expect(200);
    assert_eq!(
        ids(expired_list.body["data"].as_array().unwrap()),
        vec![lapsed_id.clone()]
    );
    let second = agreement(&app, &lapsed_id, &[], json!({}))
        .await
        .expect(201)
        .id();
    move_to(&app, &second, "proposed").await.expect(200);
    move_to(&app, &second, "active").await.expect(422);
    // Without students the rule does not apply.
    patch(
        &app,
        &format!("/api/v1/agreements/{second}"),
        json!({"involves_students": false}),
    )
    .await
    .expect(200);
    move_to(&app, &second, "active").await.expect(200);

    let expiring = get(
        &app,
        "/api/v1/partners?vetting_expiring_within_days=310&sort=name",
    )
    .await
    .expect(200);
    let names: Vec<&str> = expiring.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["New Garage"],
        "approved, not expired, a date within 310 days"
    );
    get(&app, "/api/v1/partners?vetting_status=approved")
        .await
        .expect(200);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "X", "kind": "other", "vetting": {"status": "expired"}}),
    )
    .await
    .expect(422);
}

async fn active_past_its_end_reads_as_expired(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let old = agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": days(-400), "end_date": days(-5)}),
    )
    .await
    .expect(201)
    .id();
    let current = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    for id in [&old, &current] {
        move_to(&app, id, "proposed").await.expect(200);
        move_to(&app, id, "active").await.expect(200);
    }
    assert_eq!(
        get(&app, &format!("/api/v1/agreements/{old}")).await.body["status"],
        "expired"
    );
    let expired = get(&app, "/api/v1/agreements?status=expired")
        .await
        .expect(200);
    assert_eq!(
        ids(expired.body["data"].as_array().unwrap()),
        vec![old.clone()]
    );
    let active = get(&app, "/api/v1/agreements?status=active")
        .await
        .expect(200);
    assert_eq!(ids(active.body["data"].as_array().unwrap()), [current]);
    // Extending the end date makes it active again; an expired agreement can still be closed.
    patch(
        &app,
        &format!("/api/v1/agreements/{old}"),
        json!({"end_date": days(30)}),
    )
    .await
    .expect(200);
    assert_eq!(
        get(&app, &format!("/api/v1/agreements/{old}")).await.body["status"],
        "active"
    );
    move_to(&app, &old, "completed").await.expect(200);
}

async fn version_history_and_diffs(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(&app, &museum, &[], json!({"title": "First title"}))
        .await
        .expect(201)
        .id();
    let uri = format!("/api/v1/agreements/{id}");
    patch(&app, &uri, json!({"title": "Second title"}))
        .await
        .expect(200);
    patch(
        &app,
        &uri,
        json!({"purpose": "A sharper purpose", "desired_outcomes": ["a", "b"]}),
    )
    .await
    .expect(200);
    patch(&app, &uri, json!({})).await.expect(200);
    move_to(&app, &id, "proposed").await.expect(200);

    let versions = get(&app, &format!("{uri}/versions")).await.expect(200);
    let list = versions.body.as_array().unwrap();
    let actions: Vec<&str> = list.iter().map(|v| v["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["create", "update", "update", "transition"],
        "a no-op patch makes no version"
    );
    assert_eq!(list[1]["changed_fields"], json!(["title"]));
    assert_eq!(
        list[2]["changed_fields"],
        json!(["desired_outcomes", "purpose"])
    );
    assert_eq!(list[3]["changed_fields"], json!(["status"]));

    let first = get(&app, &format!("{uri}/versions/1")).await.expect(200);
    assert_eq!(first.body["agreement"]["title"], "First title");
    assert_eq!(first.body["agreement"]["version"], 1);
    let diff = get(&app, &format!("{uri}/versions/3/diff?from=1"))
        .await
        .expect(200);
    assert_eq!(
        diff.body["changes"]["title"],
        json!({"old": "First title", "new": "Second title"})
    );
    assert_eq!(diff.body["changes"]["purpose"]["new"], "A sharper purpose");
    let previous = get(&app, &format!("{uri}/versions/2/diff"))
        .await
        .expect(200);
    assert_eq!(previous.body["from"], 1);
    get(&app, &format!("{uri}/versions/9")).await.expect(404);
    assert_eq!(get(&app, &uri).await.body["version"], 4);
}

async fn invalid_agreements_change_nothing(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let missing = uuid::Uuid::now_v7().to_string();
    let reply = post(
        &app,
        "/api/v1/agreements",
        json!({"contributions": [{"party": "aliens", "description": "x"}]}),
    )
    .await;
    assert_eq!(reply.status, 400, "unknown enum values are malformed input");
    let reply = post(
        &app,
        "/api/v1/agreements",
        json!({"title": "", "start_date": days(10), "end_date": days(5), "desired_outcomes": [""], "partner_ids": ["nope"]}),
    )
    .await
    .expect(422);
    assert_eq!(
        reply.error_fields(),
        [
            "desired_outcomes",
            "end_date",
            "lead_partner_id",
            "partner_ids",
            "title"
        ]
    );
    let reply = agreement(&app, &missing, &[&missing], json!({}))
        .await
        .expect(422);
    assert_eq!(reply.error_fields(), ["partner_ids", "school_ids"]);
    assert!(all_pages(&app, "/api/v1/agreements").await.is_empty());
    let draft = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    delete(&app, &format!("/api/v1/agreements/{draft}"))
        .await
        .expect(204);
    // A partner in an agreement cannot be deleted.
    agreement(&app, &museum, &[], json!({})).await.expect(201);
    delete(&app, &format!("/api/v1/partners/{museum}"))
        .await
        .expect(409);
}

async fn partner_sees_only_its_agreements(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let mine = vetted_partner(&app, "Mine").await;
    let theirs = vetted_partner(&app, "Theirs").await;
    let a1 = agreement(&app, &mine, &[], json!({}))
        .await
        .expect(201)
        .id();
    let a2 = agreement(&app, &theirs, &[], json!({}))
        .await
        .expect(201)
        .id();
    let a3 = agreement(&app, &theirs, &[], json!({"partner_ids": [mine]}))
        .await
        .expect(201)
        .id();
    let me = principal(&db, Role::Partner, &[], Some(&mine));
    let as_me = |uri: String| {
        send(
            &raw,
            TestRequest::get().uri(&uri).insert_header(me.header()),
        )
    };
    let listed = as_me("/api/v1/agreements".to_owned()).await.expect(200);
    let mut seen = ids(listed.body["data"].as_array().unwrap());
    seen.sort();
    let mut expected = vec![a1.clone(), a3.clone()];
    expected.sort();
    assert_eq!(seen, expected);
    for uri in [
        format!("/api/v1/agreements/{a2}"),
        format!("/api/v1/agreements/{a2}/timeline"),
        format!("/api/v1/agreements/{a2}/versions"),
        format!("/api/v1/agreements/{a2}/transitions"),
    ] {
        as_me(uri).await.expect(404);
    }
    as_me(format!("/api/v1/agreements/{a3}")).await.expect(200);
    let filtered = as_me(format!("/api/v1/agreements?partner_id={theirs}"))
        .await
        .expect(200);
    assert_eq!(
        ids(filtered.body["data"].as_array().unwrap()),
        vec![a3.clone()]
    );
    send(
        &raw,
        TestRequest::post()
            .uri(&format!("/api/v1/agreements/{a1}/transitions"))
            .insert_header(me.header())
            .set_json(json!({"to": "proposed"})),
    )
    .await
    .expect(403);
}

async fn staff_write_only_for_their_schools(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let museum = vetted_partner(&app, "Museum").await;
    let (mine, other) = (school(&app, "Mine").await, school(&app, "Other").await);
    let teacher = staff(&db, &[&mine]);
    let nobody = staff(&db, &[]);
    let create = |who: &Principal, schools: Vec<String>| {
        let body = json!({"title": "T", "lead_partner_id": museum, "school_ids": schools, "start_date": days(0), "end_date": days(10)});
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/agreements")
                .insert_header(who.header())
                .set_json(body),
        )
    };
    let ok = create(&teacher, vec![mine.clone()]).await.expect(201).id();
    create(&teacher, vec![mine.clone(), other.clone()])
        .await
        .expect(403);
    create(&teacher, vec![]).await.expect(403);
    create(&nobody, vec![mine.clone()]).await.expect(403);
    let theirs = agreement(&app, &museum, &[&other], json!({}))
        .await
        .expect(201)
        .id();
    send(
        &raw,
        TestRequest::patch()
            .uri(&format!("/api/v1/agreements/{theirs}"))
            .insert_header(teacher.header())
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"title":"mine now"}"#),
    )
    .await
    .expect(403);
    send(
        &raw,
        TestRequest::patch()
            .uri(&format!("/api/v1/agreements/{ok}"))
            .insert_header(teacher.header())
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(format!(r#"{{"school_ids":["{other}"]}}"#)),
    )
    .await
    .expect(403);
    send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/agreements/{theirs}"))
            .insert_header(teacher.header()),
    )
    .await
    .expect(200);
}

async fn timeline_items_and_check_in_records(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    let base = format!("/api/v1/agreements/{id}/timeline");
    let kickoff = post(
        &app,
        &base,
        json!({"kind": "kickoff", "title": "Kickoff", "scheduled_on": days(-3)}),
    )
    .await
    .expect(201);
    assert_eq!(kickoff.body["overdue"], true);
    let exhibition = post(
        &app,
        &base,
        json!({"kind": "exhibition", "title": "Spring show", "scheduled_on": days(60)}),
    )
    .await
    .expect(201);
    assert_eq!(exhibition.body["overdue"], false);
    post(
        &app,
        &base,
        json!({"kind": "picnic", "title": "x", "scheduled_on": days(1)}),
    )
    .await
    .expect(400);
    post(&app, &base, json!({"title": ""})).await.expect(422);

    let overdue = get(&app, &format!("{base}?overdue=true")).await.expect(200);
    assert_eq!(
        ids(overdue.body["data"].as_array().unwrap()),
        [kickoff.id()]
    );
    let record = json!({
        "attendees": ["Dana (museum)", "Jo (school)"],
        "notes": "Good start",
        "progress": [{"outcome": "90% of 8th graders exhibit", "status": "on_track"}],
        "challenges": "buses", "adjustments": "afternoon slot", "next_steps": "book buses"
    });
    let held = put(
        &app,
        &format!("{base}/{}/check-in", kickoff.id()),
        record.clone(),
    )
    .await
    .expect(200);
    assert_eq!(held.body["status"], "done");
    assert_eq!(held.body["overdue"], false);
    assert_eq!(held.body["check_in"]["progress"][0]["status"], "on_track");
    put(
        &app,
        &format!("{base}/{}/check-in", kickoff.id()),
        json!({"progress": [{"outcome": "x", "status": "meh"}]}),
    )
    .await
    .expect(400);
    let moved = patch(
        &app,
        &format!("{base}/{}", exhibition.id()),
        json!({"scheduled_on": days(90), "status": "cancelled"}),
    )
    .await
    .expect(200);
    assert_eq!(moved.body["version"], 2);
    let all = get(&app, &base).await.expect(200);
    assert_eq!(
        ids(all.body["data"].as_array().unwrap()),
        [kickoff.id(), exhibition.id()],
        "date order"
    );
    delete(&app, &format!("{base}/{}", exhibition.id()))
        .await
        .expect(204);
    get(&app, &format!("{base}/{}", exhibition.id()))
        .await
        .expect(404);
}
