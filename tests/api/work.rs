//! What happens inside an agreement: responsibilities and investment, activities, the summary
//! and the export.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::{agreement, move_to, school, vetted_partner};
use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    responsibilities_and_investment_balance,
    partner_updates_only_its_side_status,
    activities_filters_and_totals,
    summary_in_one_call,
    exports_as_json_csv_and_markdown,
);

fn days(n: i64) -> String {
    let t = chrono::Utc::now().date_naive();
    (if n >= 0 {
        t + chrono::Days::new(n as u64)
    } else {
        t - chrono::Days::new((-n) as u64)
    })
    .to_string()
}

async fn responsibilities_and_investment_balance(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    let base = format!("/api/v1/agreements/{id}/responsibilities");
    let contact = post(
        &app,
        &format!("/api/v1/partners/{museum}/contacts"),
        json!({"name": "Curator"}),
    )
    .await
    .expect(201)
    .id();
    let items = [
        json!({"party": "partner", "description": "Curators review drafts", "assignee_contact_id": contact, "due_on": days(-2), "status": "in_progress",
               "investment": {"kind": "hours", "committed": 40, "delivered": 10.5, "unit": "hours"}}),
        json!({"party": "school", "description": "Project time", "due_on": days(30), "investment": {"kind": "hours", "committed": 120, "delivered": 60}}),
        json!({"party": "district", "description": "Buses", "due_on": days(-5), "status": "done", "investment": {"kind": "money", "committed": 1200.10, "delivered": 0.2}}),
        json!({"party": "partner", "description": "Gallery", "investment": {"kind": "in_kind", "committed": 3000}}),
        json!({"party": "partner", "description": "Extra money", "investment": {"kind": "money", "committed": 0.1, "delivered": 0.1}}),
    ];
    for body in items {
        post(&app, &base, body).await.expect(201);
    }
    let invalid = post(&app, &base, json!({"party": "partner", "description": "", "investment": {"kind": "hours", "committed": -1}, "assignee_user_id": "x"}))
        .await
        .expect(422);
    assert_eq!(
        invalid.error_fields(),
        ["assignee_user_id", "description", "investment.committed"]
    );
    let stranger = post(
        &app,
        "/api/v1/partners",
        json!({"name": "S", "kind": "other"}),
    )
    .await
    .expect(201)
    .id();
    let stranger_contact = post(
        &app,
        &format!("/api/v1/partners/{stranger}/contacts"),
        json!({"name": "S"}),
    )
    .await
    .expect(201)
    .id();
    post(
        &app,
        &base,
        json!({"party": "partner", "description": "x", "assignee_contact_id": stranger_contact}),
    )
    .await
    .expect(422);

    let all = get(&app, &base).await.expect(200);
    let list = all.body["data"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["description"], "Buses", "soonest due first");
    let overdue = get(&app, &format!("{base}?overdue=true")).await.expect(200);
    let overdue: Vec<&str> = overdue.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        overdue,
        ["Curators review drafts"],
        "done items are never overdue"
    );
    let partner_side = get(&app, &format!("{base}?party=partner"))
        .await
        .expect(200);
    assert_eq!(partner_side.body["data"].as_array().unwrap().len(), 3);

    let investment = get(&app, &format!("/api/v1/agreements/{id}/investment"))
        .await
        .expect(200);
    let balance: Vec<&Value> = investment.body["balance"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let hours = balance.iter().find(|b| b["kind"] == "hours").unwrap();
    assert_eq!(hours["committed"], 160.0);
    assert_eq!(hours["delivered"], 70.5);
    let share = |b: &Value, party: &str, key: &str| {
        b["shares"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["party"] == party)
            .unwrap()[key]
            .as_f64()
            .unwrap()
    };
    assert_eq!(share(hours, "partner", "committed_share"), 0.25);
    assert_eq!(share(hours, "school", "committed_share"), 0.75);
    assert_eq!(share(hours, "partner", "delivered_share"), 0.1489);
    let money = balance.iter().find(|b| b["kind"] == "money").unwrap();
    assert_eq!(money["committed"], 1200.2, "exact sums, no float drift");
    assert_eq!(money["delivered"], 0.3);
    let in_kind = balance.iter().find(|b| b["kind"] == "in_kind").unwrap();
    assert_eq!(share(in_kind, "partner", "committed_share"), 1.0);

    let first = list
        .iter()
        .find(|r| r["description"] == "Project time")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patched = patch(
        &app,
        &format!("{base}/{first}"),
        json!({"status": "done", "investment": {"delivered": 120}}),
    )
    .await
    .expect(200);
    assert_eq!(patched.body["investment"]["delivered"], 120.0);
    assert_eq!(patched.body["investment"]["committed"], 120.0);
    delete(&app, &format!("{base}/{first}")).await.expect(204);
    get(&app, &format!("{base}/{first}")).await.expect(404);
}

async fn partner_updates_only_its_side_status(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    let base = format!("/api/v1/agreements/{id}/responsibilities");
    let ours = post(
        &app,
        &base,
        json!({"party": "partner", "description": "Host the trip"}),
    )
    .await
    .expect(201)
    .id();
    let theirs = post(
        &app,
        &base,
        json!({"party": "school", "description": "Permission slips"}),
    )
    .await
    .expect(201)
    .id();
    let me = principal(&db, Role::Partner, &[], Some(&museum));
    let merge = |uri: String, body: Value| {
        send(
            &raw,
            TestRequest::patch()
                .uri(&uri)
                .insert_header(me.header())
                .insert_header(("content-type", "application/merge-patch+json"))
                .set_payload(body.to_string()),
        )
    };
    let done = merge(format!("{base}/{ours}"), json!({"status": "done"}))
        .await
        .expect(200);
    assert_eq!(done.body["status"], "done");
    merge(
        format!("{base}/{ours}"),
        json!({"status": "done", "description": "changed"}),
    )
    .await
    .expect(403);
    merge(format!("{base}/{theirs}"), json!({"status": "done"}))
        .await
        .expect(403);
    send(
        &raw,
        TestRequest::post()
            .uri(&base)
            .insert_header(me.header())
            .set_json(json!({"party": "partner", "description": "x"})),
    )
    .await
    .expect(403);
    // Another partner's agreement is not even visible.
    let other = vetted_partner(&app, "Other").await;
    let foreign = agreement(&app, &other, &[], json!({}))
        .await
        .expect(201)
        .id();
    let foreign_item = post(
        &app,
        &format!("/api/v1/agreements/{foreign}/responsibilities"),
        json!({"party": "partner", "description": "x"}),
    )
    .await
    .expect(201)
    .id();
    merge(
        format!("/api/v1/agreements/{foreign}/responsibilities/{foreign_item}"),
        json!({"status": "done"}),
    )
    .await
    .expect(404);
}

async fn activities_filters_and_totals(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let museum = vetted_partner(&app, "Museum").await;
    let library = vetted_partner(&app, "Library").await;
    let s = school(&app, "Richmond MS").await;
    let id = agreement(&app, &museum, &[&s], json!({}))
        .await
        .expect(201)
        .id();
    let log = |body: Value| post(&app, "/api/v1/activities", body);
    log(json!({"partner_id": museum, "agreement_id": id, "school_id": s, "kind": "field_trip", "occurred_on": days(-20), "hours": 3.5, "students_reached": 58})).await.expect(201);
    log(json!({"partner_id": museum, "agreement_id": id, "kind": "talk", "occurred_on": days(-10), "hours": 1.25, "students_reached": 30, "families_reached": 12})).await.expect(201);
    log(json!({"partner_id": library, "school_id": s, "kind": "volunteering", "occurred_on": days(-5), "hours": 10})).await.expect(201);
    let wrong = log(
        json!({"partner_id": library, "agreement_id": id, "kind": "talk", "occurred_on": days(-1)}),
    )
    .await
    .expect(422);
    assert_eq!(wrong.error_fields(), ["agreement_id"]);
    log(json!({"partner_id": museum, "kind": "juggling", "occurred_on": days(0)}))
        .await
        .expect(400);
    log(json!({"partner_id": museum, "kind": "talk", "occurred_on": days(0), "hours": -1, "students_reached": -3})).await.expect(422);

    let by_partner = get(
        &app,
        &format!("/api/v1/activities?partner_id={museum}&sort=-created_at"),
    )
    .await
    .expect(200);
    assert_eq!(by_partner.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(by_partner.body["data"][0]["kind"], "talk");
    let range = get(
        &app,
        &format!("/api/v1/activities?from={}&to={}", days(-15), days(0)),
    )
    .await
    .expect(200);
    assert_eq!(range.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(all_pages(&app, "/api/v1/activities?limit=1").await.len(), 3);

    let totals = get(&app, "/api/v1/activities/totals?by=partner")
        .await
        .expect(200);
    let museum_total = totals.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == museum)
        .unwrap()
        .clone();
    assert_eq!(
        museum_total,
        json!({"key": museum, "activities": 2, "hours": 4.75, "students_reached": 88, "families_reached": 12})
    );
    let by_agreement = get(&app, "/api/v1/activities/totals?by=agreement")
        .await
        .expect(200);
    let keys: Vec<&Value> = by_agreement.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["key"])
        .collect();
    assert_eq!(keys.len(), 2, "the agreement and no agreement");
    let by_school = get(
        &app,
        &format!("/api/v1/activities/totals?by=school&school_id={s}"),
    )
    .await
    .expect(200);
    assert_eq!(by_school.body["groups"][0]["hours"], 13.5);

    // A partner logs and sees only its own.
    let me = principal(&db, Role::Partner, &[], Some(&library));
    let mine = send(&raw, TestRequest::post().uri("/api/v1/activities").insert_header(me.header())
        .set_json(json!({"partner_id": library, "kind": "tour", "occurred_on": days(0), "students_reached": 20}))).await.expect(201);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/activities")
            .insert_header(me.header())
            .set_json(json!({"partner_id": museum, "kind": "tour", "occurred_on": days(0)})),
    )
    .await
    .expect(403);
    let seen = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/activities")
            .insert_header(me.header()),
    )
    .await
    .expect(200);
    assert!(seen.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["partner_id"] == library));
    assert_eq!(seen.body["data"].as_array().unwrap().len(), 2);
    let museum_activity = by_partner.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/activities/{museum_activity}"))
            .insert_header(me.header()),
    )
    .await
    .expect(404);
    let totals = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/activities/totals")
            .insert_header(me.header()),
    )
    .await
    .expect(200);
    assert_eq!(totals.body["groups"].as_array().unwrap().len(), 1);
    patch(
        &app,
        &format!("/api/v1/activities/{}", mine.id()),
        json!({"hours": 2}),
    )
    .await
    .expect(200);
    delete(&app, &format!("/api/v1/activities/{}", mine.id()))
        .await
        .expect(204);
}

async fn summary_in_one_call(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": days(-100), "end_date": days(200)}),
    )
    .await
    .expect(201)
    .id();
    move_to(&app, &id, "proposed").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    let base = format!("/api/v1/agreements/{id}");
    let past = post(
        &app,
        &format!("{base}/timeline"),
        json!({"kind": "check_in", "title": "Missed one", "scheduled_on": days(-30)}),
    )
    .await
    .expect(201)
    .id();
    let held = post(
        &app,
        &format!("{base}/timeline"),
        json!({"kind": "check_in", "title": "Held", "scheduled_on": days(-60)}),
    )
    .await
    .expect(201)
    .id();
    put(
        &app,
        &format!("{base}/timeline/{held}/check-in"),
        json!({"notes": "fine"}),
    )
    .await
    .expect(200);
    post(&app, &format!("{base}/timeline"), json!({"kind": "check_in", "title": "Skipped", "scheduled_on": days(-45), "status": "missed"})).await.expect(201);
    post(
        &app,
        &format!("{base}/responsibilities"),
        json!({"party": "partner", "description": "a", "due_on": days(-1)}),
    )
    .await
    .expect(201);
    post(&app, &format!("{base}/responsibilities"), json!({"party": "school", "description": "b", "status": "done", "investment": {"kind": "hours", "committed": 10, "delivered": 10}})).await.expect(201);
    post(&app, "/api/v1/activities", json!({"partner_id": museum, "agreement_id": id, "kind": "talk", "occurred_on": days(-3), "hours": 2, "students_reached": 25})).await.expect(201);

    let summary = get(&app, &format!("{base}/summary")).await.expect(200);
    let body = &summary.body;
    assert_eq!(body["agreement"]["status"], "active");
    assert_eq!(body["days_to_end"], 200);
    assert_eq!(
        body["responsibilities"],
        json!({"total": 2, "planned": 1, "in_progress": 0, "done": 1, "blocked": 0, "dropped": 0, "overdue": 1})
    );
    let generated = get(
        &app,
        &format!("{base}/timeline?kind=check_in&from={}", days(0)),
    )
    .await
    .expect(200);
    let upcoming = generated.body["data"].as_array().unwrap().len();
    assert_eq!(body["check_ins"]["kept"], 1);
    assert_eq!(body["check_ins"]["missed"], 1);
    assert_eq!(body["check_ins"]["overdue"], 1, "{past} is still scheduled");
    assert_eq!(body["check_ins"]["upcoming"], upcoming);
    assert_eq!(
        body["check_ins"]["next_on"],
        generated.body["data"][0]["scheduled_on"]
    );
    assert_eq!(body["investment"]["balance"][0]["committed"], 10.0);
    assert_eq!(body["activities"]["hours"], 2.0);
    assert_eq!(body["activities"]["students_reached"], 25);
}

async fn exports_as_json_csv_and_markdown(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(
        &app,
        &museum,
        &[],
        json!({"title": "Evidence, with \"quotes\""}),
    )
    .await
    .expect(201)
    .id();
    let base = format!("/api/v1/agreements/{id}");
    post(
        &app,
        &format!("{base}/responsibilities"),
        json!({"party": "partner", "description": "Review drafts, in two rounds | carefully",
        "investment": {"kind": "hours", "committed": 40, "delivered": 12}}),
    )
    .await
    .expect(201);
    post(
        &app,
        &format!("{base}/timeline"),
        json!({"kind": "exhibition", "title": "Spring show", "scheduled_on": days(40)}),
    )
    .await
    .expect(201);

    let json_export = get(&app, &format!("{base}/export")).await.expect(200);
    assert_eq!(json_export.body["agreement"]["id"], id);
    assert_eq!(
        json_export.body["responsibilities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(json_export.body["timeline"][0]["title"], "Spring show");
    assert_eq!(json_export.body["transitions"], json!([]));

    let csv = send(
        &app,
        TestRequest::get()
            .uri(&format!("{base}/export"))
            .insert_header(("accept", "text/csv")),
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "section",
            "item",
            "party",
            "date",
            "status",
            "detail",
            "committed",
            "delivered",
            "unit"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let title = records
        .iter()
        .find(|r| &r[0] == "agreement" && &r[1] == "title")
        .unwrap();
    assert_eq!(&title[5], "Evidence, with \"quotes\"", "quoting survives");
    let responsibility = records.iter().find(|r| &r[0] == "responsibility").unwrap();
    assert_eq!(
        (&responsibility[2], &responsibility[6], &responsibility[7]),
        ("partner", "40", "12")
    );
    assert!(records
        .iter()
        .any(|r| &r[0] == "timeline" && r[5].contains("Spring show")));

    let md = get(&app, &format!("{base}/export?format=markdown")).await;
    assert_eq!(md.status, 200);
    assert!(md.text.starts_with("# Evidence, with \"quotes\""));
    assert!(
        md.text
            .contains("| partner | Review drafts, in two rounds \\| carefully |"),
        "{}",
        md.text
    );
    assert!(md.text.contains("## Investment balance"));
    get(&app, &format!("{base}/export?format=pdf"))
        .await
        .expect(400);
}
