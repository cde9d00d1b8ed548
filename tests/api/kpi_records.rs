//! KPI records: bulk ingest in three formats, idempotent re-push, all-or-nothing vs partial,
//! every rejection reason, limits, and suppression of small cells per role.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::{agreement, vetted_partner};
use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};
use partnerships::config::Policy;

both!(
    json_batches_are_idempotent,
    all_or_nothing_and_partial,
    ndjson_and_csv_parsing,
    batch_limits_and_bad_bodies,
    small_cells_are_suppressed_per_role,
    csv_export_streams_every_row,
    kpi_targets_crud,
);

pub struct Setup {
    pub school: String,
    pub other_school: String,
    pub partner: String,
    pub agreement: String,
}

pub async fn setup<A: TestApp>(app: &A) -> Setup {
    let school = post(
        app,
        "/api/v1/schools",
        json!({"name": "Lincoln High", "external_id": "042"}),
    )
    .await
    .expect(201)
    .id();
    let other_school = post(
        app,
        "/api/v1/schools",
        json!({"name": "Adams Middle", "external_id": "043"}),
    )
    .await
    .expect(201)
    .id();
    let partner = vetted_partner(app, "City Museum").await;
    let agreement = agreement(
        app,
        &partner,
        &[&school, &other_school],
        json!({"external_id": "AGR-7"}),
    )
    .await
    .expect(201)
    .id();
    Setup {
        school,
        other_school,
        partner,
        agreement,
    }
}

pub fn record(school: &str, group: &str, month: u32, value: f64, n: i64) -> Value {
    json!({"kpi_code": "attendance_rate", "school_id": school, "student_group": group,
        "period_start": format!("2026-{month:02}-01"), "period_end": format!("2026-{month:02}-28"),
        "value": value, "n": n})
}

pub async fn push<A: TestApp>(app: &A, query: &str, content_type: &str, body: String) -> Reply {
    send(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/kpi-records/batch{query}"))
            .insert_header(("content-type", content_type))
            .set_payload(body),
    )
    .await
}

pub async fn push_json<A: TestApp>(app: &A, rows: Vec<Value>) -> Reply {
    push(app, "", "application/json", Value::Array(rows).to_string()).await
}

fn counts(reply: &Reply) -> [u64; 5] {
    ["received", "inserted", "updated", "unchanged", "rejected"]
        .map(|k| reply.body[k].as_u64().unwrap())
}

async fn stored<A: TestApp>(app: &A) -> Vec<Value> {
    all_pages(app, "/api/v1/kpi-records?limit=500").await
}

async fn json_batches_are_idempotent(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let mut rows = vec![
        record(&s.school, "all", 9, 93.5, 400),
        record(&s.school, "grade_09", 9, 91.0, 120),
        json!({"kpi_code": "attendance_rate", "school_external_id": "043", "agreement_external_id": "AGR-7",
            "student_group": "program_participants", "period_start": "2026-09-01", "period_end": "2026-09-28",
            "value": 95.25, "n": 30, "numerator": 570, "denominator": 600, "source": "sis-nightly"}),
    ];
    let first = push_json(&app, rows.clone()).await.expect(200);
    assert_eq!(counts(&first), [3, 3, 0, 0, 0]);
    let again = push_json(&app, rows.clone()).await.expect(200);
    assert_eq!(
        counts(&again),
        [3, 0, 0, 3, 0],
        "pushing again changes nothing"
    );
    rows[1]["value"] = json!(92.0);
    let changed = push_json(&app, rows.clone()).await.expect(200);
    assert_eq!(counts(&changed), [3, 0, 1, 2, 0]);

    let records = stored(&app).await;
    assert_eq!(records.len(), 3, "the natural key never duplicates");
    let by_agreement = records
        .iter()
        .find(|r| r["student_group"] == "program_participants")
        .unwrap();
    assert_eq!(by_agreement["school_id"], s.other_school.as_str());
    assert_eq!(by_agreement["agreement_id"], s.agreement.as_str());
    assert_eq!(by_agreement["numerator"], 570.0);
    assert_eq!(by_agreement["source"], "sis-nightly");
    let grade = records
        .iter()
        .find(|r| r["student_group"] == "grade_09")
        .unwrap();
    assert_eq!(
        (grade["value"].as_f64(), grade["version"].as_i64()),
        (Some(92.0), Some(2))
    );

    // The same key twice in one batch: the later row wins, as if sent one after the other.
    let twice = push_json(
        &app,
        vec![
            record(&s.school, "all", 10, 90.0, 400),
            record(&s.school, "all", 10, 91.0, 400),
        ],
    )
    .await
    .expect(200);
    assert_eq!(counts(&twice), [2, 1, 1, 0, 0]);
    let october = get(
        &app,
        &format!("/api/v1/kpi-records?from=2026-10-01&school_id={}", s.school),
    )
    .await
    .expect(200);
    assert_eq!(october.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(october.body["data"][0]["value"], 91.0);

    // A record with an agreement and one without are different records.
    let mut without = rows[2].clone();
    without
        .as_object_mut()
        .unwrap()
        .remove("agreement_external_id");
    assert_eq!(
        counts(&push_json(&app, vec![without]).await.expect(200)),
        [1, 1, 0, 0, 0]
    );

    let filtered = get(
        &app,
        &format!("/api/v1/kpi-records?agreement_id={}", s.agreement),
    )
    .await
    .expect(200);
    assert_eq!(filtered.body["data"].as_array().unwrap().len(), 1);
    let audit = get(&app, "/api/v1/audit-events?resource_type=kpi_batch")
        .await
        .expect(200);
    assert_eq!(
        audit.body["data"].as_array().unwrap().len(),
        4,
        "one event per batch that wrote"
    );

    // What records refer to cannot be deleted from under them.
    delete(&app, &format!("/api/v1/schools/{}", s.school))
        .await
        .expect(409);
    delete(&app, &format!("/api/v1/agreements/{}", s.agreement))
        .await
        .expect(409);
    delete(&app, "/api/v1/kpi-definitions/attendance_rate")
        .await
        .expect(409);
    assert_eq!(stored(&app).await.len(), 5);
}

async fn all_or_nothing_and_partial(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let bad = |patch: Value| {
        let mut row = record(&s.school, "all", 9, 90.0, 100);
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                row.as_object_mut().unwrap().remove(k);
            } else {
                row[k] = v.clone();
            }
        }
        row
    };
    let outside = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Not in the agreement"}),
    )
    .await
    .expect(201)
    .id();
    let rows = vec![
        record(&s.school, "all", 9, 90.0, 100),
        bad(json!({"value": 100.5})),
        bad(json!({"n": -1})),
        bad(json!({"period_end": "2026-08-01"})),
        bad(json!({"kpi_code": "no_such_kpi"})),
        bad(json!({"school_id": "0192b3c0-0000-7000-8000-0000000000ff"})),
        bad(json!({"agreement_external_id": "nope"})),
        bad(json!({"student_id": "123456"})),
        bad(json!({"n": null})),
        bad(json!({"value": "ninety"})),
        json!("not an object"),
        record(&s.school, "grade_10", 9, 80.0, 100),
        bad(json!({"n": 20_000_000})),
        bad(json!({"source": "sis\u{0}nightly"})),
        bad(json!({"period_start": "+10000-01-01"})),
        bad(json!({"school_id": outside, "agreement_id": s.agreement})),
        bad(json!({"kpi_code": "students_served", "value": 2e12})),
    ];
    let expected = [
        (1, "value", "out_of_range"),
        (2, "n", "out_of_range"),
        (3, "period_end", "date_order"),
        (4, "kpi_code", "unknown_kpi"),
        (5, "school_id", "unknown_school"),
        (6, "agreement_external_id", "unknown_agreement"),
        (7, "student_id", "unknown_field"),
        (8, "n", "required"),
        (9, "value", "invalid"),
        (10, "", "invalid"),
        (12, "n", "out_of_range"),
        (13, "source", "invalid"),
        (14, "period_start", "invalid"),
        (15, "school_id", "school_not_in_agreement"),
        (16, "value", "out_of_range"),
    ];
    let rejected = push_json(&app, rows.clone()).await.expect(422);
    let listed: Vec<(u64, String, String)> = rejected.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["field"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (index, field, code) in expected {
        assert!(
            listed.contains(&(index, field.to_owned(), code.to_owned())),
            "{index} {field} {code} in {listed:?}"
        );
    }
    assert_eq!(listed.len(), expected.len());
    assert!(rejected.body["detail"]
        .as_str()
        .unwrap()
        .contains("15 of 17"));
    assert!(
        stored(&app).await.is_empty(),
        "all-or-nothing writes nothing"
    );
    let audit = get(&app, "/api/v1/audit-events?resource_type=kpi_batch")
        .await
        .expect(200);
    assert!(
        audit.body["data"].as_array().unwrap().is_empty(),
        "no audit event for a failed write"
    );

    let partial = push(
        &app,
        "?mode=partial",
        "application/json",
        Value::Array(rows).to_string(),
    )
    .await
    .expect(200);
    assert_eq!(counts(&partial), [17, 2, 0, 0, 15]);
    assert_eq!(
        partial.body["errors"].as_array().unwrap().len(),
        expected.len()
    );
    assert_eq!(stored(&app).await.len(), 2);
    push(&app, "?mode=some", "application/json", "[]".into())
        .await
        .expect(400);

    // Rows already written before the bad one (a repeated key forces its chunk out) are
    // rolled back with the rest: one transaction.
    let flushed = vec![
        record(&s.school, "grade_11", 9, 80.0, 100),
        record(&s.school, "grade_11", 9, 81.0, 100),
        record(&s.school, "grade_12", 9, 82.0, 100),
        bad(json!({"value": 101.0})),
    ];
    push_json(&app, flushed).await.expect(422);
    assert_eq!(
        stored(&app).await.len(),
        2,
        "only the partial batch's two rows"
    );

    // Every bad row up to 1000 is listed (with all its faults); beyond that the answer says so.
    let many: Vec<Value> = (0..1002).map(|_| bad(json!({"value": 101.0}))).collect();
    let rejected = push_json(&app, many).await.expect(422);
    assert_eq!(rejected.body["rows"].as_array().unwrap().len(), 1000);
    assert_eq!(rejected.body["rows_truncated"], true);
    assert!(rejected.body["detail"]
        .as_str()
        .unwrap()
        .contains("1002 of 1002"));
}

async fn ndjson_and_csv_parsing(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let ndjson = format!(
        "{}\n\n{{\"kpi_code\": \"attendance_rate\",\n{}\r\n",
        record(&s.school, "all", 9, 90.0, 100),
        record(&s.school, "grade_09", 9, 91.0, 50),
    );
    let reply = push(&app, "?mode=partial", "application/x-ndjson", ndjson)
        .await
        .expect(200);
    assert_eq!(counts(&reply), [3, 2, 0, 0, 1]);
    assert_eq!(reply.body["errors"][0]["line"], 3);
    assert_eq!(reply.body["errors"][0]["index"], 1);
    assert_eq!(reply.body["errors"][0]["code"], "malformed");

    let csv = "\u{feff}kpi_code,school_external_id,student_group,period_start,period_end,value,n,source\n\
        students_served,042,all,2026-09-01,2026-09-30,120,120,\"sis, \"\"nightly\"\"\"\n\
        students_served,042,grade_09,2026-09-01,2026-09-30,40\n\
        \n\
        students_served,043,grade_09,2026-09-01,2026-09-30, 41 ,41,\n\
        students_served,999,grade_10,2026-09-01,2026-09-30,5,5,\n";
    let reply = push(&app, "?mode=partial", "text/csv; charset=utf-8", csv.into())
        .await
        .expect(200);
    assert_eq!(counts(&reply), [4, 2, 0, 0, 2], "{}", reply.text);
    let errors = reply.body["errors"].as_array().unwrap();
    assert_eq!(
        (
            errors[0]["index"].as_u64(),
            errors[0]["line"].as_u64(),
            errors[0]["code"].as_str()
        ),
        (Some(1), Some(3), Some("malformed"))
    );
    assert_eq!(
        (
            errors[1]["index"].as_u64(),
            errors[1]["field"].as_str(),
            errors[1]["code"].as_str()
        ),
        (Some(3), Some("school_external_id"), Some("unknown_school"))
    );
    let served = get(
        &app,
        "/api/v1/kpi-records?kpi=students_served&student_group=all",
    )
    .await
    .expect(200);
    assert_eq!(
        served.body["data"][0]["source"], "sis, \"nightly\"",
        "quoted cells are unquoted"
    );
    let trimmed = get(
        &app,
        &format!(
            "/api/v1/kpi-records?kpi=students_served&school_id={}",
            s.other_school
        ),
    )
    .await
    .expect(200);
    assert_eq!(trimmed.body["data"][0]["value"], 41.0);

    let unknown = push(
        &app,
        "",
        "text/csv",
        "kpi_code,school_id,student_ssn\n".into(),
    )
    .await
    .expect(422);
    assert_eq!(unknown.error_fields(), ["student_ssn"]);
    let duplicate = push(&app, "", "text/csv", "kpi_code,kpi_code\n".into())
        .await
        .expect(422);
    assert_eq!(duplicate.body["errors"][0]["code"], "duplicate");
    let empty = push(&app, "", "text/csv", "".into()).await.expect(200);
    assert_eq!(counts(&empty), [0, 0, 0, 0, 0]);
}

async fn batch_limits_and_bad_bodies(db: TestDb) {
    let settings = Policy {
        kpi_batch_max_rows: 2,
        kpi_batch_max_bytes: 2048,
        ..Policy::default()
    };
    let app = app_with(&db, settings).await;
    let s = setup(&app).await;
    let three: Vec<Value> = (1..=3)
        .map(|m| record(&s.school, "all", m, 90.0, 100))
        .collect();
    let too_many = push_json(&app, three).await.expect(413);
    assert!(too_many.body["detail"]
        .as_str()
        .unwrap()
        .contains("KPI_BATCH_MAX_ROWS"));
    let big = format!(
        "[{}]",
        vec![record(&s.school, "all", 1, 90.0, 100).to_string(); 20].join(",")
    );
    let too_big = push(&app, "", "application/json", big.clone())
        .await
        .expect(413);
    assert!(too_big.body["detail"]
        .as_str()
        .unwrap()
        .contains("KPI_BATCH_MAX_BYTES"));
    // Without Content-Length (chunked), the limit holds while the body is read.
    let mut chunked = TestRequest::post()
        .uri("/api/v1/kpi-records/batch")
        .insert_header(("content-type", "application/json"))
        .set_payload(big)
        .to_request();
    chunked.headers_mut().remove("content-length");
    assert!(chunked.head().headers.get("content-length").is_none());
    let streamed = send_request(&app, chunked).await.expect(413);
    assert!(streamed.body["detail"]
        .as_str()
        .unwrap()
        .contains("KPI_BATCH_MAX_BYTES"));
    push(&app, "", "application/xml", "<rows/>".into())
        .await
        .expect(415);
    let malformed = format!(
        "[{}, {{\"kpi_code\": ",
        record(&s.school, "all", 1, 90.0, 100)
    );
    push(&app, "", "application/json", malformed)
        .await
        .expect(400);
    push(&app, "", "application/json", "{\"kpi_code\": \"x\"}".into())
        .await
        .expect(400);
    assert!(
        stored(&app).await.is_empty(),
        "nothing written by refused batches"
    );
    let two: Vec<Value> = (1..=2)
        .map(|m| record(&s.school, "all", m, 90.0, 100))
        .collect();
    push_json(&app, two).await.expect(200);

    let raw = raw_app(&db, auth_settings()).await;
    for (who, status) in [
        (
            principal(&db, Role::Integration, &[Scope::KpiRead], None),
            403,
        ),
        (principal(&db, Role::Viewer, &[], None), 403),
        (staff(&db, &[&s.school]), 403),
        (
            principal(&db, Role::Integration, &[Scope::KpiWrite], None),
            200,
        ),
    ] {
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/kpi-records/batch")
                .insert_header(who.header())
                .insert_header(("content-type", "application/json"))
                .set_payload("[]"),
        )
        .await
        .expect(status);
    }
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/kpi-records/batch")
            .insert_header(("content-type", "application/json"))
            .set_payload("[]"),
    )
    .await
    .expect(401);
}

async fn small_cells_are_suppressed_per_role(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let mut small = record(&s.school, "program_participants", 9, 97.0, 6);
    small["agreement_id"] = json!(s.agreement);
    small["numerator"] = json!(580);
    small["denominator"] = json!(600);
    let mut large = record(&s.school, "all", 9, 92.0, 400);
    large["agreement_id"] = json!(s.agreement);
    let foreign = record(&s.school, "grade_09", 9, 91.0, 150);
    push_json(&app, vec![small, large, foreign])
        .await
        .expect(200);

    let raw = raw_app(&db, auth_settings()).await;
    let read = |who: Principal, uri: &'static str, csv: bool| {
        let raw = &raw;
        async move {
            let mut req = TestRequest::get().uri(uri).insert_header(who.header());
            if csv {
                req = req.insert_header(("accept", "text/csv"));
            }
            send(raw, req).await.expect(200)
        }
    };
    let group = |reply: &Reply, g: &str| -> Value {
        reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["student_group"] == g)
            .cloned()
            .unwrap_or(Value::Null)
    };
    for trusted in [principal(&db, Role::Admin, &[], None), staff(&db, &[])] {
        let reply = read(trusted, "/api/v1/kpi-records", false).await;
        let cell = group(&reply, "program_participants");
        assert_eq!(
            (
                cell["value"].as_f64(),
                cell["n"].as_i64(),
                cell["suppressed"].as_bool()
            ),
            (Some(97.0), Some(6), Some(false))
        );
    }
    let viewer = read(
        principal(&db, Role::Viewer, &[], None),
        "/api/v1/kpi-records",
        false,
    )
    .await;
    let cell = group(&viewer, "program_participants");
    assert_eq!(cell["suppressed"], true);
    for field in ["value", "n", "numerator", "denominator"] {
        assert!(cell[field].is_null(), "{field} is hidden");
    }
    assert_eq!(group(&viewer, "all")["value"], 92.0);
    let integration = read(
        principal(&db, Role::Integration, &[Scope::KpiRead], None),
        "/api/v1/kpi-records",
        false,
    )
    .await;
    assert_eq!(
        group(&integration, "program_participants")["suppressed"],
        true
    );
    // Attack: an admin narrows a token to kpi:read for a vendor; the vendor still gets
    // suppressed values. Unsuppressed needs kpi:read_small_cells, asked for or granted.
    let vendor = read(
        narrowed(&db, Role::Admin, &[Scope::KpiRead]),
        "/api/v1/kpi-records",
        false,
    )
    .await;
    assert_eq!(group(&vendor, "program_participants")["suppressed"], true);
    assert!(group(&vendor, "program_participants")["value"].is_null());
    let granted = read(
        principal(
            &db,
            Role::Integration,
            &[Scope::KpiRead, Scope::KpiReadSmallCells],
            None,
        ),
        "/api/v1/kpi-records",
        false,
    )
    .await;
    assert_eq!(group(&granted, "program_participants")["value"], 97.0);

    let partner = principal(&db, Role::Partner, &[], Some(&s.partner));
    let own = read(partner, "/api/v1/kpi-records", false).await;
    assert_eq!(
        own.body["data"].as_array().unwrap().len(),
        2,
        "only records of its agreements"
    );
    assert!(group(&own, "grade_09").is_null());
    assert_eq!(group(&own, "program_participants")["suppressed"], true);
    let stranger = vetted_partner(&app, "Other").await;
    let none = read(
        principal(&db, Role::Partner, &[], Some(&stranger)),
        "/api/v1/kpi-records",
        false,
    )
    .await;
    assert!(none.body["data"].as_array().unwrap().is_empty());

    let export = read(
        principal(&db, Role::Viewer, &[], None),
        "/api/v1/kpi-records?student_group=program_participants",
        true,
    )
    .await;
    let lines: Vec<&str> = export.text.lines().collect();
    assert_eq!(lines.len(), 2, "{}", export.text);
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        (cells[7], cells[8], cells[9], cells[11]),
        ("", "", "", "true"),
        "suppressed in exports too"
    );
}

async fn csv_export_streams_every_row(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let groups = ["all", "grade_09", "grade_10", "grade_11", "grade_12"];
    let mut rows = Vec::new();
    for month in 1..=12u32 {
        for day in 1..=22u32 {
            for group in groups {
                rows.push(json!({"kpi_code": "students_served", "school_id": s.school, "student_group": group,
                    "period_start": format!("2025-{month:02}-{day:02}"), "period_end": format!("2025-{month:02}-{day:02}"),
                    "value": day, "n": 20, "source": "=cmd"}));
            }
        }
    }
    assert_eq!(rows.len(), 1320);
    let reply = push_json(&app, rows).await.expect(200);
    assert_eq!(counts(&reply), [1320, 1320, 0, 0, 0]);
    let export = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/kpi-records")
            .insert_header(("accept", "text/csv")),
    )
    .await
    .expect(200);
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = export.text.lines().collect();
    assert!(lines[0].starts_with("id,kpi_code,school_id"));
    assert_eq!(lines.len(), 1321, "every row once, across export pages");
    let mut seen: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 1320);
    assert!(
        lines[1].contains(",'=cmd,"),
        "formula-like text is made inert: {}",
        lines[1]
    );
    let paged = all_pages(&app, "/api/v1/kpi-records?limit=500").await;
    assert_eq!(paged.len(), 1320);

    // Exports are capped per request for roles other than admin.
    let capped = app_with(
        &db,
        Policy {
            kpi_export_max_rows: 1000,
            ..Policy::default()
        },
    )
    .await;
    let export = |who: &Principal, query: &str| {
        TestRequest::get()
            .uri(&format!("/api/v1/kpi-records{query}"))
            .insert_header(("accept", "text/csv"))
            .insert_header(who.header())
    };
    let viewer = principal(&db, Role::Viewer, &[], None);
    let refused = send(&capped, export(&viewer, "")).await.expect(422);
    assert_eq!(refused.body["errors"][0]["code"], "export_too_large");
    let narrowed = send(&capped, export(&viewer, "?to=2025-06-30"))
        .await
        .expect(200);
    assert_eq!(narrowed.text.lines().count(), 1 + 6 * 22 * 5);
    let admin = principal(&db, Role::Admin, &[], None);
    send(&capped, export(&admin, "")).await.expect(200);
}

async fn kpi_targets_crud(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let base = format!("/api/v1/agreements/{}/kpi-targets", s.agreement);
    let created = post(&app, &base, json!({"kpi_code": "chronic_absence_rate", "student_group": "program_participants",
        "baseline_value": 22.0, "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15",
        "target_value": 15.0, "target_date": "2027-06-15"}))
        .await
        .expect(201);
    assert_eq!(created.body["kpi_code"], "chronic_absence_rate");
    post(&app, &base, json!({"kpi_code": "chronic_absence_rate", "student_group": "program_participants", "target_value": 10, "target_date": "2027-06-15"}))
        .await
        .expect(409);
    let defaulted = post(
        &app,
        &base,
        json!({"kpi_code": "attendance_rate", "target_value": 95, "target_date": "2027-06-15"}),
    )
    .await
    .expect(201);
    assert_eq!(defaulted.body["student_group"], "all");
    let invalid = post(&app, &base, json!({"kpi_code": "attendance_rate", "student_group": "Grade 9", "baseline_period_start": "2026-01-01",
        "target_value": 95, "target_date": "2027-06-15"}))
        .await
        .expect(422);
    assert_eq!(
        invalid.error_fields(),
        ["baseline_period_end", "student_group"]
    );
    let out_of_range = post(&app, &base, json!({"kpi_code": "attendance_rate", "student_group": "grade_09", "target_value": 120, "target_date": "2027-06-15"}))
        .await
        .expect(422);
    assert_eq!(out_of_range.body["errors"][0]["code"], "out_of_range");
    let unknown = post(
        &app,
        &base,
        json!({"kpi_code": "nope", "target_value": 1, "target_date": "2027-06-15"}),
    )
    .await
    .expect(422);
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_kpi");
    let far = post(
        &app,
        &base,
        json!({"kpi_code": "attendance_rate", "student_group": "grade_12",
        "target_value": 95, "target_date": "2200-06-15"}),
    )
    .await
    .expect(422);
    assert_eq!(far.error_fields(), ["target_date"]);

    let url = format!("{base}/{}", created.id());
    let patched = send(
        &app,
        TestRequest::patch()
            .uri(&url)
            .insert_header(("if-match", created.etag()))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"target_value": 12.5}"#),
    )
    .await
    .expect(200);
    assert_eq!(
        (
            patched.body["target_value"].as_f64(),
            patched.body["version"].as_i64()
        ),
        (Some(12.5), Some(2))
    );
    let listed = get(&app, &base).await.expect(200);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);

    let raw = raw_app(&db, auth_settings()).await;
    let outsider = staff(&db, &[&s.other_school]);
    send(&raw, TestRequest::post().uri(&base).insert_header(outsider.header())
        .set_json(json!({"kpi_code": "course_pass_rate", "target_value": 90, "target_date": "2027-06-15"})))
        .await
        .expect(403);
    let stranger = vetted_partner(&app, "Other").await;
    send(
        &raw,
        TestRequest::get()
            .uri(&base)
            .insert_header(principal(&db, Role::Partner, &[], Some(&stranger)).header()),
    )
    .await
    .expect(404);
    send(
        &raw,
        TestRequest::get()
            .uri(&base)
            .insert_header(principal(&db, Role::Partner, &[], Some(&s.partner)).header()),
    )
    .await
    .expect(200);
    delete(&app, &url).await.expect(204);
    get(&app, &url).await.expect(404);
}
