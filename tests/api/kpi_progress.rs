//! KPI progress per agreement and the district dashboard: arithmetic across schools (weighted
//! means, rates, sums), direction-aware progress and on-track flags, and suppression per role.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::{agreement, move_to, vetted_partner};
use crate::both;
use crate::kpi_records::{push_json, setup};
use crate::support::*;
use partnerships::auth::{Role, Scope};

both!(
    agreement_kpis_combine_and_assess,
    series_run_oldest_first_whatever_the_push_order,
    district_dashboard_in_one_call
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

fn row(
    kpi: &str,
    school: &str,
    agreement: &str,
    group: &str,
    month: u32,
    value: f64,
    n: i64,
) -> Value {
    json!({"kpi_code": kpi, "school_id": school, "agreement_id": agreement, "student_group": group,
        "period_start": format!("2026-{month:02}-01"), "period_end": format!("2026-{month:02}-28"),
        "value": value, "n": n})
}

fn with_ratio(mut row: Value, numerator: f64, denominator: f64) -> Value {
    row["numerator"] = json!(numerator);
    row["denominator"] = json!(denominator);
    row
}

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

fn kpi<'a>(body: &'a Value, code: &str, group: &str) -> &'a Value {
    body["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kpi_code"] == code && k["student_group"] == group)
        .unwrap_or_else(|| panic!("{code}/{group} in {body}"))
}

/// Periods pushed newest first, in two batches, come back oldest first in every series: the
/// rollup is read in no particular order (the unit test `a_series_runs_oldest_first…` covers
/// the ordering itself: tables this small are read in key order, on SQLite always and on
/// PostgreSQL by the plan it picks for them).
async fn series_run_oldest_first_whatever_the_push_order(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let agr = s.agreement.as_str();
    for months in [[11, 8], [10, 9]] {
        let mut rows = Vec::new();
        for month in months {
            for (kpi, group) in [("attendance_rate", "all"), ("engagement_index", "ell")] {
                rows.push(row(
                    kpi,
                    &s.school,
                    agr,
                    group,
                    month,
                    f64::from(month) / 4.0,
                    50,
                ));
            }
        }
        push_json(&app, rows).await.expect(200);
    }
    let url = format!("/api/v1/agreements/{agr}/kpis?from=2026-01-01&to=2026-12-31");
    let body = get(&app, &url).await.expect(200).body;
    for (kpi_code, group) in [("attendance_rate", "all"), ("engagement_index", "ell")] {
        let starts: Vec<&str> = kpi(&body, kpi_code, group)["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["period_start"].as_str().unwrap())
            .collect();
        assert_eq!(
            starts,
            ["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"],
            "{kpi_code}/{group}"
        );
    }
}

/// Two schools of one agreement: attendance (a rate), chronic absence (lower is better, no
/// ratios so a weighted mean), engagement (weighted mean), students served (a sum), and a
/// small group.
async fn seed<A: TestApp>(app: &A, s: &crate::kpi_records::Setup) {
    let (a, b, agr) = (
        s.school.as_str(),
        s.other_school.as_str(),
        s.agreement.as_str(),
    );
    let rows = vec![
        with_ratio(
            row("attendance_rate", a, agr, "all", 9, 90.0, 100),
            900.0,
            1000.0,
        ),
        with_ratio(
            row("attendance_rate", b, agr, "all", 9, 80.0, 50),
            400.0,
            500.0,
        ),
        with_ratio(
            row("attendance_rate", a, agr, "all", 10, 95.0, 100),
            950.0,
            1000.0,
        ),
        with_ratio(
            row("attendance_rate", b, agr, "all", 10, 90.0, 50),
            450.0,
            500.0,
        ),
        row("chronic_absence_rate", a, agr, "all", 10, 18.0, 100),
        row("chronic_absence_rate", b, agr, "all", 10, 21.0, 50),
        row("engagement_index", a, agr, "all", 10, 4.0, 100),
        row("engagement_index", b, agr, "all", 10, 3.0, 5),
        row("students_served", a, agr, "all", 10, 40.0, 40),
        row("students_served", b, agr, "all", 10, 25.0, 25),
        row(
            "attendance_rate",
            a,
            agr,
            "program_participants",
            10,
            99.0,
            4,
        ),
        row(
            "attendance_rate",
            b,
            agr,
            "program_participants",
            10,
            97.0,
            3,
        ),
        // Not the agreement's: must not count.
        json!({"kpi_code": "attendance_rate", "school_id": a, "student_group": "all",
            "period_start": "2026-10-01", "period_end": "2026-10-28", "value": 10.0, "n": 1000}),
    ];
    push_json(app, rows).await.expect(200);
    let targets = format!("/api/v1/agreements/{}/kpi-targets", s.agreement);
    post(app, &targets, json!({"kpi_code": "attendance_rate", "baseline_value": 85.0,
        "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15", "target_value": 90.0, "target_date": "2027-06-15"}))
        .await
        .expect(201);
    post(app, &targets, json!({"kpi_code": "chronic_absence_rate", "baseline_value": 20.0,
        "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15", "target_value": 10.0, "target_date": "2027-06-15"}))
        .await
        .expect(201);
    post(
        app,
        &targets,
        json!({"kpi_code": "course_pass_rate", "target_value": 80.0, "target_date": "2027-06-15"}),
    )
    .await
    .expect(201);
    post(
        app,
        &targets,
        json!({"kpi_code": "attendance_rate", "student_group": "program_participants",
            "baseline_value": 90.0, "baseline_period_end": "2026-06-15", "baseline_period_start": "2025-09-01",
            "target_value": 98.0, "target_date": "2027-06-15"}),
    )
    .await
    .expect(201);
}

async fn agreement_kpis_combine_and_assess(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    seed(&app, &s).await;
    let url = format!("/api/v1/agreements/{}/kpis", s.agreement);
    let body = get(&app, &url).await.expect(200).body;
    // A year up to today unless asked otherwise, and never more than three years at once.
    let today = chrono::Utc::now().date_naive();
    assert_eq!(body["to"], today.to_string());
    assert_eq!(body["from"], (today - chrono::Days::new(365)).to_string());
    let whole = get(&app, &format!("{url}?from=2000-01-01&to=2026-01-01"))
        .await
        .expect(422);
    assert_eq!(whole.body["errors"][0]["code"], "window_too_long");
    let old = get(&app, &format!("{url}?from=2020-01-01&to=2022-12-31"))
        .await
        .expect(200);
    assert!(old.body["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["series"].as_array().is_none_or(Vec::is_empty)));

    let attendance = kpi(&body, "attendance_rate", "all");
    let series = attendance["series"].as_array().unwrap();
    assert_eq!(series.len(), 2, "two periods, oldest first");
    assert!(
        close(&series[0]["value"], 1300.0 / 1500.0 * 100.0),
        "rate = Σnumerator/Σdenominator: {}",
        series[0]
    );
    assert!(close(&series[1]["value"], 1400.0 / 1500.0 * 100.0));
    assert_eq!(
        (series[1]["n"].as_i64(), series[1]["records"].as_i64()),
        (Some(150), Some(2))
    );
    assert_eq!(attendance["latest"], series[1]);
    assert!(close(&attendance["progress"], (1400.0 / 15.0 - 85.0) / 5.0));
    assert_eq!(attendance["on_track"], true, "target reached");
    assert_eq!(attendance["target"]["target_value"], 90.0);

    let absence = kpi(&body, "chronic_absence_rate", "all");
    assert!(
        close(&absence["latest"]["value"], 19.0),
        "weighted mean by n: {}",
        absence["latest"]
    );
    assert!(
        close(&absence["progress"], 0.1),
        "lower is better: 20 → 19 of 20 → 10"
    );
    assert_eq!(absence["on_track"], false, "behind the pace to June 2027");
    assert_eq!(absence["direction"], "lower_is_better");

    let engagement = kpi(&body, "engagement_index", "all");
    assert!(close(&engagement["latest"]["value"], 415.0 / 105.0));
    assert!(
        engagement["target"].is_null()
            && engagement["progress"].is_null()
            && engagement["on_track"].is_null()
    );
    assert!(
        close(
            &kpi(&body, "students_served", "all")["latest"]["value"],
            65.0
        ),
        "sums add up"
    );
    let pass = kpi(&body, "course_pass_rate", "all");
    assert!(
        pass["series"].as_array().unwrap().is_empty()
            && pass["latest"].is_null()
            && pass["on_track"].is_null()
    );
    let small = kpi(&body, "attendance_rate", "program_participants");
    assert_eq!(
        (
            small["latest"]["n"].as_i64(),
            small["latest"]["suppressed"].as_bool()
        ),
        (Some(7), Some(false)),
        "admins see small cells"
    );

    let filtered = get(&app, &format!("{url}?kpi=attendance_rate&from=2026-10-01"))
        .await
        .expect(200)
        .body;
    assert_eq!(filtered["kpis"].as_array().unwrap().len(), 2);
    assert_eq!(
        kpi(&filtered, "attendance_rate", "all")["series"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let raw = raw_app(&db, auth_settings()).await;
    let as_viewer = send(
        &raw,
        TestRequest::get()
            .uri(&url)
            .insert_header(principal(&db, Role::Viewer, &[], None).header()),
    )
    .await
    .expect(200)
    .body;
    let small = kpi(&as_viewer, "attendance_rate", "program_participants");
    assert_eq!(small["latest"]["suppressed"], true);
    assert!(small["latest"]["value"].is_null() && small["latest"]["n"].is_null());
    // 105 students in all, but one school's 5 would follow by subtraction from the other
    // school's visible record: the combined cell is hidden too.
    let engagement = kpi(&as_viewer, "engagement_index", "all");
    assert_eq!(engagement["latest"]["suppressed"], true);
    assert!(engagement["latest"]["value"].is_null());
    let attendance = kpi(&as_viewer, "attendance_rate", "all");
    assert!(
        close(&attendance["latest"]["value"], 1400.0 / 15.0),
        "cells of large groups stay visible"
    );
    send(
        &raw,
        TestRequest::get()
            .uri(&url)
            .insert_header(principal(&db, Role::Partner, &[], Some(&s.partner)).header()),
    )
    .await
    .expect(200);
    let stranger = vetted_partner(&app, "Other").await;
    send(
        &raw,
        TestRequest::get()
            .uri(&url)
            .insert_header(principal(&db, Role::Partner, &[], Some(&stranger)).header()),
    )
    .await
    .expect(404);
    send(
        &raw,
        TestRequest::get().uri(&url).insert_header(
            principal(&db, Role::Integration, &[Scope::AgreementsRead], None).header(),
        ),
    )
    .await
    .expect(403);
}

async fn district_dashboard_in_one_call(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    seed(&app, &s).await;
    move_to(&app, &s.agreement, "proposed").await.expect(200);
    move_to(&app, &s.agreement, "active").await.expect(200);
    let draft_partner = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Library", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    agreement(&app, &draft_partner, &[], json!({}))
        .await
        .expect(201);
    post(&app, "/api/v1/partners", json!({"name": "Soon", "kind": "business", "vetting": {"status": "approved",
        "background_check_on": days(-300), "background_check_expires_on": days(10), "insurance_expires_on": days(100)}}))
        .await
        .expect(201);
    let work = format!("/api/v1/agreements/{}/responsibilities", s.agreement);
    post(
        &app,
        &work,
        json!({"party": "partner", "description": "Host the exhibition", "due_on": days(-3),
        "investment": {"kind": "hours", "committed": 30, "delivered": 10}}),
    )
    .await
    .expect(201);
    post(
        &app,
        &work,
        json!({"party": "district", "description": "Buses", "due_on": days(30),
        "investment": {"kind": "hours", "committed": 10, "delivered": 0}}),
    )
    .await
    .expect(201);
    post(
        &app,
        &format!("/api/v1/agreements/{}/timeline", s.agreement),
        json!({"kind": "check_in", "title": "Early check-in", "scheduled_on": days(-2)}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/activities",
        json!({"partner_id": s.partner, "agreement_id": s.agreement, "kind": "talk",
        "occurred_on": days(-1), "hours": 1.5, "students_reached": 40, "families_reached": 4}),
    )
    .await
    .expect(201);

    let dash = get(&app, "/api/v1/dashboards/district")
        .await
        .expect(200)
        .body;
    assert_eq!(dash["agreements_by_status"]["active"], 1);
    assert_eq!(dash["agreements_by_status"]["draft"], 1);
    assert_eq!(dash["agreements_by_status"]["completed"], 0);
    assert_eq!(dash["partners_by_kind"]["museum"], 1);
    assert_eq!(dash["partners_by_kind"]["library"], 1);
    assert_eq!(dash["partners_by_kind"]["business"], 1);
    let levels: i64 = dash["partners_by_continuum_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["partners"].as_i64().unwrap())
        .sum();
    assert_eq!(levels, 3);
    let progress = &dash["kpi_progress"];
    assert_eq!(
        (
            progress["targets"].as_u64(),
            progress["on_track"].as_u64(),
            progress["off_track"].as_u64(),
            progress["not_assessed"].as_u64()
        ),
        (Some(4), Some(2), Some(1), Some(1)),
        "{progress}"
    );
    let attendance = progress["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kpi_code"] == "attendance_rate")
        .unwrap();
    assert!(
        close(&attendance["latest"]["value"], 1400.0 / 15.0),
        "latest period only: {attendance}"
    );
    assert_eq!(attendance["agreement_title"], "Exhibitions of student work");
    let hours = dash["investment"]["balance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "hours")
        .unwrap();
    assert_eq!(
        (hours["committed"].as_f64(), hours["delivered"].as_f64()),
        (Some(40.0), Some(10.0))
    );
    assert_eq!(dash["activities"]["students_reached"], 40);
    assert_eq!(dash["activities"]["hours"], 1.5);
    assert_eq!(dash["vetting_expiring"]["count"], 1);
    assert_eq!(dash["vetting_expiring"]["items"][0]["name"], "Soon");
    assert_eq!(dash["overdue_responsibilities"]["count"], 1);
    assert_eq!(
        dash["overdue_responsibilities"]["items"][0]["description"],
        "Host the exhibition"
    );
    assert_eq!(dash["missed_check_ins"]["count"], 1);
    assert_eq!(
        dash["missed_check_ins"]["items"][0]["title"],
        "Early check-in"
    );
    let narrow = get(
        &app,
        "/api/v1/dashboards/district?vetting_within_days=5&limit=1",
    )
    .await
    .expect(200)
    .body;
    assert_eq!(narrow["vetting_expiring"]["count"], 0);
    assert_eq!(narrow["kpi_progress"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(narrow["kpi_progress"]["targets"], 4, "counts stay complete");
    get(&app, "/api/v1/dashboards/district?limit=0")
        .await
        .expect(400);
    get(&app, "/api/v1/dashboards/district?vetting_within_days=400")
        .await
        .expect(400);

    let raw = raw_app(&db, auth_settings()).await;
    let as_viewer = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/dashboards/district")
            .insert_header(principal(&db, Role::Viewer, &[], None).header()),
    )
    .await
    .expect(200)
    .body;
    let overview = &as_viewer["kpi_progress"];
    assert_eq!(
        (
            overview["targets"].as_u64(),
            overview["on_track"].as_u64(),
            overview["not_assessed"].as_u64()
        ),
        (Some(4), Some(1), Some(2)),
        "a suppressed latest value is not assessed: {overview}"
    );
    let small = overview["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["student_group"] == "program_participants")
        .unwrap();
    assert_eq!(small["latest"]["suppressed"], true);
    assert!(small["latest"]["value"].is_null() && small["progress"].is_null());
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/dashboards/district")
            .insert_header(principal(&db, Role::Partner, &[], Some(&s.partner)).header()),
    )
    .await
    .expect(403);
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/dashboards/district")
            .insert_header(principal(&db, Role::Integration, &[Scope::KpiRead], None).header()),
    )
    .await
    .expect(403);
}
