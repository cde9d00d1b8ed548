//! Guards against misuse found in review: who may decide vetting, partners on shared
//! agreements, staff outside their schools, generated check-ins, exports opened in spreadsheets.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::{agreement, move_to, school, vetted_partner};
use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    only_administrators_decide_vetting,
    partners_on_a_shared_agreement_touch_only_their_own,
    staff_log_activities_for_their_schools_only,
    rescheduled_check_ins_are_not_generated_again,
    agreements_are_bounded_and_edits_are_not_blocked_by_lapsed_vetting,
    investment_never_adds_different_units,
    exports_are_safe_in_spreadsheets_and_markdown,
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

fn merge(uri: &str, who: &Principal, body: Value) -> TestRequest {
    TestRequest::patch()
        .uri(uri)
        .insert_header(who.header())
        .insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(body.to_string())
}

/// The attack of the security review: an admin approves with dates that have passed, so the
/// vetting reads `expired`; staff, or an integration with `partners:write`, then clear the
/// dates to bring it back to `approved`. Every change of status or dates is now a decision
/// (admin or `vetting:decide`), recorded in the history; others only propose.
async fn only_administrators_decide_vetting(db: TestDb) {
    use partnerships::auth::Scope;
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let staff = staff(&db, &[]);
    let sync = principal(&db, Role::Integration, &[Scope::PartnersWrite], None);
    let vendor = principal(
        &db,
        Role::Integration,
        &[Scope::PartnersWrite, Scope::VettingDecide],
        None,
    );
    let partner = post(
        &app,
        "/api/v1/partners",
        json!({"name": "P", "kind": "business"}),
    )
    .await
    .expect(201)
    .id();
    let uri = format!("/api/v1/partners/{partner}");
    patch(
        &app,
        &uri,
        json!({"vetting": {"status": "approved", "background_check_expires_on": "2020-01-01",
                            "insurance_expires_on": "2020-01-01", "notes": "ID seen in person"}}),
    )
    .await
    .expect(200);
    assert_eq!(get(&app, &uri).await.body["vetting"]["status"], "expired");
    let revive =
        json!({"vetting": {"background_check_expires_on": null, "insurance_expires_on": null}});
    for who in [&staff, &sync] {
        send(&raw, merge(&uri, who, revive.clone()))
            .await
            .expect(403);
        send(
            &raw,
            merge(&uri, who, json!({"vetting": {"status": "pending"}})),
        )
        .await
        .expect(403);
    }
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/partners")
            .insert_header(staff.header())
            .set_json(json!({"name": "Q", "kind": "business", "vetting": {"status": "approved"}})),
    )
    .await
    .expect(403);
    // Other fields, and notes, are still theirs to change.
    send(
        &raw,
        merge(
            &uri,
            &staff,
            json!({"description": "still editable", "vetting": {"notes": "call back"}}),
        ),
    )
    .await
    .expect(200);
    assert_eq!(get(&app, &uri).await.body["vetting"]["status"], "expired");
    // An integration that cannot read the notes cannot wipe them by writing back the `null`
    // it sees.
    send(
        &raw,
        merge(
            &uri,
            &sync,
            json!({"vetting": {"notes": null}, "description": "synced"}),
        ),
    )
    .await
    .expect(200);
    assert_eq!(get(&app, &uri).await.body["vetting"]["notes"], "call back");

    // Staff propose evidence: recorded, and the vetting stays as decided.
    let history = format!("{uri}/vetting");
    let proposal = send(
        &raw,
        TestRequest::post()
            .uri(&history)
            .insert_header(staff.header())
            .set_json(
                json!({"background_check_expires_on": days(700), "evidence": "New check BC-1"}),
            ),
    )
    .await
    .expect(201);
    assert_eq!(proposal.body["kind"], "proposal");
    assert_eq!(get(&app, &uri).await.body["vetting"]["status"], "expired");

    // A vendor granted vetting:decide decides.
    let decided = send(
        &raw,
        TestRequest::post()
            .uri(&history)
            .insert_header(vendor.header())
            .set_json(
                json!({"status": "approved", "background_check_expires_on": days(700),
                             "insurance_expires_on": days(300), "evidence": "BC-1 verified"}),
            ),
    )
    .await
    .expect(201);
    assert_eq!(decided.body["kind"], "decision");
    let now = get(&app, &uri).await.body;
    assert_eq!(now["vetting"]["status"], "approved");
    assert_eq!(now["vetting"]["decided_by"], vendor.id.as_str());
    // A decision names its status.
    send(
        &raw,
        TestRequest::post()
            .uri(&history)
            .insert_header(vendor.header())
            .set_json(json!({"evidence": "no status"})),
    )
    .await
    .expect(422);

    // The history: the admin's decision, the proposal, the vendor's decision, in order.
    let listed = get(&app, &history).await.expect(200);
    let kinds: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["decision", "proposal", "decision"]);
    let proposals = get(&app, &format!("{history}?kind=proposal"))
        .await
        .expect(200);
    assert_eq!(proposals.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(proposals.body["data"][0]["kind"], "proposal");
    get(&app, &format!("{history}?kind=verdict"))
        .await
        .expect(400);
    let first = &listed.body["data"][0];
    assert_eq!(first["background_check_expires_on"], "2020-01-01");
    assert_eq!(first["notes"], "ID seen in person");

    // Notes are for admin and staff: partners and viewers see null.
    let own = principal(&db, Role::Partner, &[], Some(&partner));
    let viewer = principal(&db, Role::Viewer, &[], None);
    for who in [&own, &viewer] {
        let seen = send(
            &raw,
            TestRequest::get().uri(&uri).insert_header(who.header()),
        )
        .await
        .expect(200);
        assert_eq!(seen.body["vetting"]["notes"], Value::Null);
        assert_eq!(seen.body["vetting"]["status"], "approved");
        let entries = send(
            &raw,
            TestRequest::get().uri(&history).insert_header(who.header()),
        )
        .await
        .expect(200);
        assert!(entries.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["notes"].is_null()));
    }
    let seen = send(
        &raw,
        TestRequest::get().uri(&uri).insert_header(staff.header()),
    )
    .await
    .expect(200);
    assert_eq!(seen.body["vetting"]["notes"], "call back");
}

async fn partners_on_a_shared_agreement_touch_only_their_own(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let a = vetted_partner(&app, "A").await;
    let b = vetted_partner(&app, "B").await;
    let id = agreement(&app, &a, &[], json!({"partner_ids": [b]}))
        .await
        .expect(201)
        .id();
    let base = format!("/api/v1/agreements/{id}/responsibilities");
    let a_contact = post(
        &app,
        &format!("/api/v1/partners/{a}/contacts"),
        json!({"name": "Ann"}),
    )
    .await
    .expect(201)
    .id();
    let of_a = post(
        &app,
        &base,
        json!({"party": "partner", "description": "A's job", "assignee_contact_id": a_contact}),
    )
    .await
    .expect(201)
    .id();
    let unassigned = post(
        &app,
        &base,
        json!({"party": "partner", "description": "Someone's job"}),
    )
    .await
    .expect(201)
    .id();
    let (as_a, as_b) = (
        principal(&db, Role::Partner, &[], Some(&a)),
        principal(&db, Role::Partner, &[], Some(&b)),
    );
    send(
        &raw,
        merge(&format!("{base}/{of_a}"), &as_b, json!({"status": "done"})),
    )
    .await
    .expect(403);
    send(
        &raw,
        merge(
            &format!("{base}/{unassigned}"),
            &as_b,
            json!({"status": "done"}),
        ),
    )
    .await
    .expect(403);
    send(
        &raw,
        merge(
            &format!("{base}/{unassigned}"),
            &as_a,
            json!({"status": "done"}),
        ),
    )
    .await
    .expect(403);
    send(
        &raw,
        merge(
            &format!("{base}/{of_a}"),
            &as_a,
            json!({"status": "in_progress"}),
        ),
    )
    .await
    .expect(200);

    // Nothing of an agreement a partner is not part of is visible to it.
    let c = vetted_partner(&app, "C").await;
    let foreign = agreement(&app, &c, &[], json!({})).await.expect(201).id();
    let item = post(
        &app,
        &format!("/api/v1/agreements/{foreign}/responsibilities"),
        json!({"party": "school", "description": "x"}),
    )
    .await
    .expect(201)
    .id();
    for uri in [
        format!("/api/v1/agreements/{foreign}/responsibilities"),
        format!("/api/v1/agreements/{foreign}/responsibilities/{item}"),
        format!("/api/v1/agreements/{foreign}/investment"),
        format!("/api/v1/agreements/{foreign}/summary"),
        format!("/api/v1/agreements/{foreign}/export"),
        format!("/api/v1/agreements/{foreign}/versions/1"),
        format!("/api/v1/agreements/{foreign}/versions/1/diff"),
    ] {
        send(
            &raw,
            TestRequest::get().uri(&uri).insert_header(as_a.header()),
        )
        .await
        .expect(404);
    }
    // On a shared agreement a partner's summary counts only its own activities.
    post(&app, "/api/v1/activities", json!({"partner_id": a, "agreement_id": id, "kind": "talk", "occurred_on": days(-1), "students_reached": 5})).await.expect(201);
    post(&app, "/api/v1/activities", json!({"partner_id": b, "agreement_id": id, "kind": "talk", "occurred_on": days(-1), "students_reached": 7})).await.expect(201);
    let summary = send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/agreements/{id}/summary"))
            .insert_header(as_b.header()),
    )
    .await
    .expect(200);
    assert_eq!(summary.body["activities"]["students_reached"], 7);
    assert_eq!(
        get(&app, &format!("/api/v1/agreements/{id}/summary"))
            .await
            .body["activities"]["students_reached"],
        12
    );
}

async fn staff_log_activities_for_their_schools_only(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let museum = vetted_partner(&app, "Museum").await;
    let (mine, other) = (school(&app, "Mine").await, school(&app, "Other").await);
    let teacher = staff(&db, &[&mine]);
    let theirs = agreement(&app, &museum, &[&other], json!({}))
        .await
        .expect(201)
        .id();
    let log = |body: Value| {
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/activities")
                .insert_header(teacher.header())
                .set_json(body),
        )
    };
    log(json!({"partner_id": museum, "school_id": mine, "kind": "talk", "occurred_on": days(0)}))
        .await
        .expect(201);
    log(json!({"partner_id": museum, "school_id": other, "kind": "talk", "occurred_on": days(0)}))
        .await
        .expect(403);
    log(json!({"partner_id": museum, "kind": "talk", "occurred_on": days(0)}))
        .await
        .expect(403);
    log(json!({"partner_id": museum, "school_id": mine, "agreement_id": theirs, "kind": "talk", "occurred_on": days(0)})).await.expect(403);
    let base = format!("/api/v1/agreements/{theirs}");
    send(
        &raw,
        TestRequest::post()
            .uri(&format!("{base}/responsibilities"))
            .insert_header(teacher.header())
            .set_json(json!({"party": "school", "description": "x"})),
    )
    .await
    .expect(403);
    send(
        &raw,
        TestRequest::post()
            .uri(&format!("{base}/timeline"))
            .insert_header(teacher.header())
            .set_json(json!({"kind": "event", "title": "x", "scheduled_on": days(3)})),
    )
    .await
    .expect(403);
}

async fn rescheduled_check_ins_are_not_generated_again(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": days(-10), "end_date": days(380), "review_cadence": "quarterly"}),
    )
    .await
    .expect(201)
    .id();
    move_to(&app, &id, "proposed").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    let base = format!("/api/v1/agreements/{id}/timeline");
    let first = get(&app, &format!("{base}?kind=check_in"))
        .await
        .expect(200);
    let count = first.body["data"].as_array().unwrap().len();
    let check_in = first.body["data"][0]["id"].as_str().unwrap().to_owned();
    patch(
        &app,
        &format!("{base}/{check_in}"),
        json!({"scheduled_on": days(70)}),
    )
    .await
    .expect(200);
    patch(
        &app,
        &format!("/api/v1/agreements/{id}"),
        json!({"review_cadence": "monthly"}),
    )
    .await
    .expect(200);
    move_to(&app, &id, "on_hold").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    assert_eq!(
        get(&app, &format!("{base}?kind=check_in")).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        count
    );
    // Extending the end date adds the check-ins of the new months only.
    patch(
        &app,
        &format!("/api/v1/agreements/{id}"),
        json!({"end_date": days(500)}),
    )
    .await
    .expect(200);
    move_to(&app, &id, "on_hold").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    let after = get(&app, &format!("{base}?kind=check_in")).await.body["data"]
        .as_array()
        .unwrap()
        .len();
    assert!(after > count && after <= count + 4, "{count} then {after}");
    let trail = get(
        &app,
        &format!("/api/v1/audit-events?resource_id={id}&action=generate_check_ins"),
    )
    .await
    .expect(200);
    assert_eq!(trail.body["data"].as_array().unwrap().len(), 2);
}

async fn agreements_are_bounded_and_edits_are_not_blocked_by_lapsed_vetting(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let too_long = agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": "2026-01-01", "end_date": "2036-01-02", "review_cadence": "monthly"}),
    )
    .await
    .expect(422);
    assert_eq!(too_long.error_fields(), ["end_date"]);
    agreement(
        &app,
        &museum,
        &[],
        json!({"start_date": "2026-01-01", "end_date": "2036-01-01"}),
    )
    .await
    .expect(201);
    let id = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    move_to(&app, &id, "proposed").await.expect(200);
    move_to(&app, &id, "active").await.expect(200);
    patch(
        &app,
        &format!("/api/v1/partners/{museum}"),
        json!({"vetting": {"insurance_expires_on": days(-1)}}),
    )
    .await
    .expect(200);
    patch(
        &app,
        &format!("/api/v1/agreements/{id}"),
        json!({"title": "Typo fixed"}),
    )
    .await
    .expect(200);
    let newcomer = post(
        &app,
        "/api/v1/partners",
        json!({"name": "New", "kind": "other"}),
    )
    .await
    .expect(201)
    .id();
    patch(
        &app,
        &format!("/api/v1/agreements/{id}"),
        json!({"partner_ids": [newcomer]}),
    )
    .await
    .expect(422);
}

async fn investment_never_adds_different_units(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(&app, &museum, &[], json!({}))
        .await
        .expect(201)
        .id();
    let base = format!("/api/v1/agreements/{id}/responsibilities");
    for (party, amount, unit) in [
        ("partner", 100, "USD"),
        ("district", 300, "USD"),
        ("school", 5, "laptops"),
    ] {
        post(&app, &base, json!({"party": party, "description": "x", "investment": {"kind": "money", "committed": amount, "unit": unit}})).await.expect(201);
    }
    let investment = get(&app, &format!("/api/v1/agreements/{id}/investment"))
        .await
        .expect(200);
    let balance = investment.body["balance"].as_array().unwrap();
    let usd = balance.iter().find(|b| b["unit"] == "USD").unwrap();
    assert_eq!(usd["committed"], 400.0);
    assert_eq!(usd["shares"].as_array().unwrap().len(), 2);
    let laptops = balance.iter().find(|b| b["unit"] == "laptops").unwrap();
    assert_eq!(laptops["committed"], 5.0);
}

async fn exports_are_safe_in_spreadsheets_and_markdown(db: TestDb) {
    let app = app(&db).await;
    let museum = vetted_partner(&app, "Museum").await;
    let id = agreement(
        &app,
        &museum,
        &[],
        json!({"title": "=HYPERLINK(\"http://evil\")", "desired_outcomes": ["line one\nline two"],
               "purpose": "<img src=x onerror=alert(1)> [click](https://evil.example) ![b](https://evil.example/p.gif) www.evil.example"}),
    )
    .await
    .expect(201)
    .id();
    post(
        &app,
        &format!("/api/v1/agreements/{id}/responsibilities"),
        json!({"party": "partner", "description": "back\\|slash"}),
    )
    .await
    .expect(201);
    let csv = get(&app, &format!("/api/v1/agreements/{id}/export?format=csv")).await;
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let title = reader
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[1] == "title")
        .unwrap();
    assert_eq!(
        &title[5], "'=HYPERLINK(\"http://evil\")",
        "formulas are neutralised"
    );
    let md = get(
        &app,
        &format!("/api/v1/agreements/{id}/export?format=markdown"),
    )
    .await;
    assert!(md.text.contains("back\\\\\\|slash"), "{}", md.text);
    assert!(md.text.contains("- line one line two"));
    // Attack: HTML, a link and an image beacon in the purpose reach no renderer.
    for live in ["](https://", "![", "https://evil", "www.evil"] {
        assert!(!md.text.contains(live), "{live} in {}", md.text);
    }
    assert!(
        md.text
            .match_indices("<img")
            .all(|(i, _)| i > 0 && &md.text[i - 1..i] == "\\"),
        "raw HTML in {}",
        md.text
    );
    get(
        &app,
        &format!("/api/v1/agreements/{id}/versions/{}/diff", i64::MIN),
    )
    .await
    .expect(404);
}
