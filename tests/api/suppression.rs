//! Suppression that survives arithmetic: each test performs the attack a reader without
//! `kpi:read_small_cells` would, against records, agreement series, the dashboard and target
//! baselines, and checks that nothing hidden can be worked out.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::kpi_records::{push_json, setup};
use crate::support::*;
use partnerships::auth::Role;

both!(
    subtraction_recovers_no_hidden_group,
    grades_a_school_lacks_do_not_shield_a_small_one,
    extreme_rates_are_hidden,
    target_baselines_follow_the_rules,
    thresholds_are_per_kpi,
    student_groups_are_a_catalogue,
);

/// A chronic-absence record: `numerator` of `n` students chronically absent.
fn absence(school: &str, agreement: &str, group: &str, n: i64, numerator: i64) -> Value {
    json!({"kpi_code": "chronic_absence_rate", "school_id": school, "agreement_id": agreement,
        "student_group": group, "period_start": "2026-09-01", "period_end": "2026-09-30",
        "value": numerator as f64 * 100.0 / n as f64, "n": n,
        "numerator": numerator, "denominator": n})
}

async fn read<A: TestApp>(app: &A, who: &Principal, uri: &str) -> Reply {
    send(app, TestRequest::get().uri(uri).insert_header(who.header()))
        .await
        .expect(200)
}

/// `value`, `n`, `numerator`, `suppressed` of each record in the page, by group.
fn by_group(reply: &Reply) -> Vec<(String, Value, Value, bool)> {
    let mut out: Vec<_> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["student_group"].as_str().unwrap().to_owned(),
                r["n"].clone(),
                r["numerator"].clone(),
                r["suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn hidden_groups(reply: &Reply) -> Vec<String> {
    by_group(reply)
        .into_iter()
        .filter(|(_, n, numerator, hidden)| {
            // A hidden record shows nothing of its counts.
            if *hidden {
                assert!(n.is_null() && numerator.is_null());
            }
            *hidden
        })
        .map(|(g, ..)| g)
        .collect()
}

/// The review's attack: `all` (420, 61) − `non_ell` (413, 55) gave the hidden ELL group (7, 6).
async fn subtraction_recovers_no_hidden_group(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let a = &s.agreement;
    push_json(
        &app,
        vec![
            absence(&s.school, a, "all", 420, 61),
            absence(&s.school, a, "ell", 7, 6),
            absence(&s.school, a, "non_ell", 413, 55),
            // The other school: every group large.
            absence(&s.other_school, a, "all", 300, 40),
            absence(&s.other_school, a, "ell", 100, 20),
            absence(&s.other_school, a, "non_ell", 200, 20),
        ],
    )
    .await
    .expect(200);
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let school = format!("/api/v1/kpi-records?school_id={}", s.school);
    let records = read(&raw, &viewer, &school).await;
    assert_eq!(
        hidden_groups(&records),
        ["ell", "non_ell"],
        "the complement of the hidden group is hidden too: {}",
        records.text
    );
    let all = &by_group(&records)[0];
    assert_eq!((all.0.as_str(), all.1.as_i64()), ("all", Some(420)));
    // Asking for one group at a time does not help: each is judged with its family.
    let alone = read(&raw, &viewer, &format!("{school}&student_group=non_ell")).await;
    assert_eq!(hidden_groups(&alone), ["non_ell"]);
    let other = read(
        &raw,
        &viewer,
        &format!("/api/v1/kpi-records?school_id={}", s.other_school),
    )
    .await;
    assert!(hidden_groups(&other).is_empty(), "{}", other.text);
    // The CSV export hides the same cells.
    let export = send(
        &raw,
        TestRequest::get()
            .uri(&school)
            .insert_header(viewer.header())
            .insert_header(("accept", "text/csv")),
    )
    .await
    .expect(200);
    let hidden_rows = export
        .text
        .lines()
        .skip(1)
        .filter(|l| l.contains(",true,"))
        .count();
    assert_eq!(hidden_rows, 2, "{}", export.text);

    // Combined across schools: ell and non_ell each include a hidden record, so neither is
    // shown, and all − non_ell cannot be taken at the district level either.
    let kpis = read(
        &raw,
        &viewer,
        &format!("/api/v1/agreements/{a}/kpis?from=2026-01-01&to=2026-12-31"),
    )
    .await;
    let point = |group: &str| -> Value {
        kpis.body["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["student_group"] == group)
            .map(|k| k["series"][0].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(point("ell")["suppressed"], true);
    assert_eq!(point("non_ell")["suppressed"], true);
    assert_eq!(point("all")["suppressed"], false);
    assert_eq!(point("all")["n"], 720);
    // Admin and staff tokens still read every value.
    let admin = read(&raw, &principal(&db, Role::Admin, &[], None), &school).await;
    assert!(hidden_groups(&admin).is_empty());

    // A group never pushed is protected as well: all − non_ell would give it.
    let c = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Carver Elementary"}),
    )
    .await
    .expect(201)
    .id();
    let mut all = absence(&c, a, "all", 420, 61);
    let mut non_ell = absence(&c, a, "non_ell", 413, 55);
    for r in [&mut all, &mut non_ell] {
        r.as_object_mut().unwrap().remove("agreement_id");
    }
    push_json(&app, vec![all, non_ell]).await.expect(200);
    let unreported = read(&raw, &viewer, &format!("/api/v1/kpi-records?school_id={c}")).await;
    assert_eq!(hidden_groups(&unreported), ["non_ell"]);
}

/// A group of 12 at 100 %, or a numerator of 1, told everything about its students.
async fn extreme_rates_are_hidden(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let day = |group: &str, value: f64, n: i64| {
        json!({"kpi_code": "attendance_rate", "school_id": s.school, "student_group": group,
            "period_start": "2026-10-01", "period_end": "2026-10-31", "value": value, "n": n})
    };
    push_json(
        &app,
        vec![
            // Every one of 12 present: the implied numerator leaves nobody absent.
            day("program_participants", 100.0, 12),
            // 150 students at 85 %: 128 present, 22 absent.
            day("comparison", 85.0, 150),
        ],
    )
    .await
    .expect(200);
    let one = absence(&s.school, &s.agreement, "all", 400, 1);
    push_json(&app, vec![one]).await.expect(200);
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let attendance = read(
        &raw,
        &viewer,
        &format!(
            "/api/v1/kpi-records?school_id={}&kpi=attendance_rate",
            s.school
        ),
    )
    .await;
    assert_eq!(hidden_groups(&attendance), ["program_participants"]);
    let absence = read(
        &raw,
        &viewer,
        &format!(
            "/api/v1/kpi-records?school_id={}&kpi=chronic_absence_rate",
            s.school
        ),
    )
    .await;
    assert_eq!(
        hidden_groups(&absence),
        ["all"],
        "a numerator of 1 among 400"
    );
}

/// Baselines were never suppressed: now they are judged like records, and without `baseline_n`
/// a baseline is hidden.
async fn target_baselines_follow_the_rules(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let base = format!("/api/v1/agreements/{}/kpi-targets", s.agreement);
    let target = |group: &str, baseline: f64, n: Option<i64>| {
        json!({"kpi_code": "engagement_index", "student_group": group,
            "baseline_value": baseline, "baseline_n": n,
            "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15",
            "target_value": 4.0, "target_date": "2027-06-15"})
    };
    post(&app, &base, target("all", 3.0, Some(420)))
        .await
        .expect(201);
    post(&app, &base, target("ell", 2.2, Some(7)))
        .await
        .expect(201);
    post(&app, &base, target("non_ell", 3.01, Some(413)))
        .await
        .expect(201);
    post(&app, &base, target("program_participants", 3.5, None))
        .await
        .expect(201);
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let listed = read(&raw, &viewer, &base).await;
    let mut seen: Vec<(String, Value, bool)> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["student_group"].as_str().unwrap().to_owned(),
                t["baseline_value"].clone(),
                t["baseline_suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        [
            ("all".to_owned(), json!(3.0), false),
            ("ell".to_owned(), Value::Null, true),
            ("non_ell".to_owned(), Value::Null, true),
            ("program_participants".to_owned(), Value::Null, true),
        ],
        "{}",
        listed.text
    );
    // The agreement's progress page hides the same baselines and measures no progress from
    // them.
    let kpis = read(
        &raw,
        &viewer,
        &format!("/api/v1/agreements/{}/kpis", s.agreement),
    )
    .await;
    for k in kpis.body["kpis"].as_array().unwrap() {
        let hidden = k["student_group"] != "all";
        assert_eq!(k["target"]["baseline_suppressed"], hidden, "{k}");
        if hidden {
            assert!(k["target"]["baseline_value"].is_null());
            assert!(k["progress"].is_null());
        }
    }
    // Admin reads them all.
    let admin = read(&raw, &principal(&db, Role::Admin, &[], None), &base).await;
    for t in admin.body["data"].as_array().unwrap() {
        assert_eq!(t["baseline_suppressed"], false);
        assert!(t["baseline_value"].is_number());
    }
}

/// A KPI may need bigger cells than the district default.
async fn thresholds_are_per_kpi(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let cell = |kpi: &str, n: i64| {
        json!({"kpi_code": kpi, "school_id": s.school, "student_group": "all",
            "period_start": "2026-10-01", "period_end": "2026-10-31", "value": 3.0, "n": n})
    };
    push_json(
        &app,
        vec![cell("engagement_index", 25), cell("average_gpa", 25)],
    )
    .await
    .expect(200);
    patch(
        &app,
        "/api/v1/kpi-definitions/engagement_index",
        json!({"min_cell_size": 30}),
    )
    .await
    .expect(200);
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let reply = read(&raw, &viewer, "/api/v1/kpi-records?student_group=all").await;
    let hidden: Vec<(String, bool)> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kpi_code"].as_str().unwrap().to_owned(),
                r["suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(hidden.contains(&("engagement_index".to_owned(), true)));
    assert!(hidden.contains(&("average_gpa".to_owned(), false)));
    let refused = patch(
        &app,
        "/api/v1/kpi-definitions/engagement_index",
        json!({"min_cell_size": 0}),
    )
    .await
    .expect(422);
    assert_eq!(refused.error_fields(), ["min_cell_size"]);
}

/// Records and targets name groups of the catalogue; the catalogue's partitions are what
/// complementary suppression reads.
async fn student_groups_are_a_catalogue(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let seeded = all_pages(&app, "/api/v1/student-groups?limit=100").await;
    let codes: Vec<&str> = seeded.iter().map(|g| g["code"].as_str().unwrap()).collect();
    let mut expected = SEEDED_GROUPS.to_vec();
    expected.sort_unstable();
    assert_eq!(codes, expected);
    let ell = get(&app, "/api/v1/student-groups/ell").await.expect(200);
    assert_eq!(
        (&ell.body["part_of"], &ell.body["dimension"]),
        (&json!("all"), &json!("english_learner"))
    );
    let parts = get(
        &app,
        "/api/v1/student-groups?part_of=all&dimension=disability",
    )
    .await
    .expect(200);
    assert_eq!(parts.body["data"].as_array().unwrap().len(), 2);

    // An unknown group is refused like an unknown KPI, and nothing is stored.
    let row = |group: &str| {
        json!({"kpi_code": "students_served", "school_id": s.school, "student_group": group,
            "period_start": "2026-10-01", "period_end": "2026-10-31", "value": 40, "n": 40})
    };
    let refused = push_json(&app, vec![row("homeroom_7b")]).await.expect(422);
    assert_eq!(
        (
            &refused.body["rows"][0]["field"],
            &refused.body["rows"][0]["code"]
        ),
        (&json!("student_group"), &json!("unknown_student_group")),
        "{}",
        refused.text
    );
    assert_eq!(count_rows(&db.pool, "kpi_records"), 0);
    let target = post(
        &app,
        &format!("/api/v1/agreements/{}/kpi-targets", s.agreement),
        json!({"kpi_code": "students_served", "student_group": "homeroom_7b",
            "target_value": 50, "target_date": "2027-06-15"}),
    )
    .await
    .expect(422);
    assert_eq!(target.body["errors"][0]["code"], "unknown_student_group");

    // Districts add their own, as parts of another group or on their own.
    let bad_parent = post(
        &app,
        "/api/v1/student-groups",
        json!({"code": "homeroom_7b", "name": "Homeroom 7B", "part_of": "grade_77", "dimension": "homeroom"}),
    )
    .await
    .expect(422);
    assert_eq!(
        bad_parent.body["errors"][0]["code"],
        "unknown_student_group"
    );
    let half = post(
        &app,
        "/api/v1/student-groups",
        json!({"code": "homeroom_7b", "name": "Homeroom 7B", "part_of": "grade_07"}),
    )
    .await
    .expect(422);
    assert_eq!(half.error_fields(), ["dimension"]);
    let created = post(
        &app,
        "/api/v1/student-groups",
        json!({"code": "homeroom_7b", "name": "Homeroom 7B", "part_of": "grade_07", "dimension": "homeroom"}),
    )
    .await
    .expect(201);
    let id = created.id();
    push_json(&app, vec![row("homeroom_7b")]).await.expect(200);
    // The code is what records name: it cannot change, and a used group cannot go.
    let renamed = patch(
        &app,
        &format!("/api/v1/student-groups/{id}"),
        json!({"code": "homeroom_7c"}),
    )
    .await
    .expect(422);
    assert_eq!(renamed.body["errors"][0]["code"], "immutable");
    send(
        &app,
        TestRequest::delete().uri(&format!("/api/v1/student-groups/{id}")),
    )
    .await
    .expect(409);
    // No cycles: grade_07 cannot become a part of its own part.
    let cycle = patch(
        &app,
        "/api/v1/student-groups/grade_07",
        json!({"part_of": "homeroom_7b", "dimension": "loop"}),
    )
    .await
    .expect(422);
    assert_eq!(cycle.body["errors"][0]["code"], "part_of_cycle");
    // Only administrators change the catalogue.
    let raw = raw_app(&db, auth_settings()).await;
    let staff = staff(&db, &[]);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/student-groups")
            .insert_header(staff.header())
            .set_json(json!({"code": "staff_group", "name": "S"})),
    )
    .await
    .expect(403);
}

/// The review's second attack: a high school reports `all` and three grades of the fourteen;
/// a reader who knows it has no other grades subtracts: 300 − 96 − 200 = 4.
async fn grades_a_school_lacks_do_not_shield_a_small_one(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let cell = |group: &str, n: i64| {
        json!({"kpi_code": "engagement_index", "school_id": s.school, "student_group": group,
            "period_start": "2026-10-01", "period_end": "2026-10-31", "value": 3.1, "n": n})
    };
    push_json(
        &app,
        vec![
            cell("all", 300),
            cell("grade_09", 4),
            cell("grade_10", 96),
            cell("grade_11", 200),
        ],
    )
    .await
    .expect(200);
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let reply = read(
        &raw,
        &viewer,
        &format!(
            "/api/v1/kpi-records?school_id={}&kpi=engagement_index",
            s.school
        ),
    )
    .await;
    assert_eq!(
        hidden_groups(&reply),
        ["grade_09", "grade_10"],
        "{}",
        reply.text
    );
}
