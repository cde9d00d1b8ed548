//! The agreement KPI rollup: after batches larger than every internal chunk (inserts, changes,
//! repeats, a rolled-back batch, a partial one), every rollup cell equals the sums of its
//! records, and an agreement's series read from the rollup equals the series a suppressed
//! reader gets from the raw records when nothing needs hiding.

use diesel::sql_types::{BigInt, Date, Double, Text};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::both;
use crate::kpi_records::{push, push_json, setup};
use crate::support::*;
use partnerships::auth::Role;

both!(
    rollup_equals_raw_records,
    concurrent_batches_of_the_same_new_keys
);

/// Rows per batch: above the largest upsert chunk of either database (PostgreSQL 5,000,
/// SQLite 500), so every batch is written in several chunks (the first batch holds 3/4 of
/// them, still above).
const ROWS: usize = 7_200;
const GROUPS: [&str; 3] = ["all", "ell", "non_ell"];
const KPIS: [&str; 2] = ["attendance_rate", "average_gpa"];

/// Row `i` of a batch: 24 natural keys a week (2 schools × with or without the agreement ×
/// 3 groups × 2 KPIs), weeks from Monday 2018-01-01. Values are multiples of 1/4 and every
/// product and sum stays exact in binary floating point, so any summation order agrees. The
/// groups' sizes differ by far more than the suppression threshold, so nothing is hidden.
fn row(i: usize, schools: [&str; 2], agreement: &str, variant: usize) -> Value {
    let (week, rest) = (i / 24, i % 24);
    let kpi = KPIS[rest % 2];
    let group = GROUPS[(rest / 2) % 3];
    let with_agreement = (rest / 6) % 2 == 1;
    let school = schools[rest / 12];
    let start =
        chrono::NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + chrono::Days::new(7 * week as u64);
    let end = start + chrono::Days::new(6);
    let n = [1000, 300, 600][(rest / 2) % 3] + ((i * 7 + variant * 3) % 11) as i64;
    let step = ((i * 13 + variant * 5) % 40) as f64 * 0.25;
    let mut body = json!({
        "kpi_code": kpi, "school_id": school, "student_group": group,
        "period_start": start.to_string(), "period_end": end.to_string(), "n": n,
    });
    if kpi == "attendance_rate" {
        body["value"] = json!(80.0 + step);
        if i % 3 == 0 {
            body["numerator"] = json!(n * 4 + (i % 5) as i64);
            body["denominator"] = json!(n * 5);
        }
    } else {
        body["value"] = json!(step / 10.0);
    }
    if with_agreement {
        body["agreement_id"] = json!(agreement);
    }
    body
}

#[derive(Debug, PartialEq, diesel::QueryableByName)]
pub struct Cell {
    #[diesel(sql_type = Text)]
    agreement_id: String,
    #[diesel(sql_type = Text)]
    kpi_id: String,
    #[diesel(sql_type = Text)]
    student_group: String,
    #[diesel(sql_type = Date)]
    period_start: chrono::NaiveDate,
    #[diesel(sql_type = Date)]
    period_end: chrono::NaiveDate,
    #[diesel(sql_type = BigInt)]
    records: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    min_n: i64,
    #[diesel(sql_type = Double)]
    weighted: f64,
    #[diesel(sql_type = Double)]
    value_sum: f64,
    #[diesel(sql_type = BigInt)]
    with_ratio: i64,
    #[diesel(sql_type = Double)]
    numerator: f64,
    #[diesel(sql_type = Double)]
    denominator: f64,
}

const ORDER: &str = " ORDER BY 1, 2, 3, 4, 5";

fn rollup(db: &TestDb) -> Vec<Cell> {
    let sql = format!(
        "SELECT agreement_id, kpi_id, student_group, period_start, period_end, records, n, \
         min_n, weighted, value_sum, with_ratio, numerator, denominator FROM kpi_rollups{ORDER}"
    );
    diesel::sql_query(sql)
        .load(&mut **db.pool.get().expect("connection"))
        .expect("rollup")
}

/// The cells computed straight from the records, as the rollup should hold them.
fn raw(db: &TestDb) -> Vec<Cell> {
    let sql = format!(
        "SELECT agreement_key AS agreement_id, kpi_id, student_group, period_start, period_end, \
         {} FROM kpi_records WHERE agreement_key <> '' \
         GROUP BY agreement_key, kpi_id, student_group, period_start, period_end{ORDER}",
        partnerships::kpi_records::rollup::SUMS
    );
    diesel::sql_query(sql)
        .load(&mut **db.pool.get().expect("connection"))
        .expect("raw cells")
}

/// One whole number computed over the records.
fn over_records(db: &TestDb, expression: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Figure {
        #[diesel(sql_type = BigInt)]
        figure: i64,
    }
    let sql = format!("SELECT CAST({expression} AS BIGINT) AS figure FROM kpi_records");
    let figures: Vec<Figure> = diesel::sql_query(sql)
        .load(&mut **db.pool.get().expect("connection"))
        .expect("figure");
    figures[0].figure
}

fn records(db: &TestDb) -> i64 {
    over_records(db, "COUNT(*)")
}

pub fn assert_rollup_is_raw(db: &TestDb, when: &str) -> Vec<Cell> {
    let (rollup, raw) = (rollup(db), raw(db));
    assert!(!raw.is_empty(), "{when}: no agreement records");
    assert_eq!(rollup.len(), raw.len(), "{when}: cells");
    for (r, w) in rollup.iter().zip(&raw) {
        assert_eq!(r, w, "{when}");
    }
    rollup
}

async fn rollup_equals_raw_records(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let schools = [s.school.as_str(), s.other_school.as_str()];
    let agreement = s.agreement.as_str();

    // First the one school's records, and the other's every second week.
    let first_rows: Vec<Value> = (0..ROWS)
        .filter(|i| (i % 24) / 12 == 0 || (i / 24) % 2 == 0)
        .map(|i| row(i, schools, agreement, 0))
        .collect();
    let first_count = first_rows.len();
    assert!(first_count > 5000);
    let first = push_json(&app, first_rows).await.expect(200);
    assert_eq!(first.body["inserted"], first_count);
    let cells = assert_rollup_is_raw(&db, "after the first batch");
    assert_eq!(cells.len(), ROWS / 4);
    assert!(cells.iter().all(|c| c.records == 1 || c.records == 2));

    // The other school's remaining weeks add records to cells that exist; in a third of those
    // cells a record of the first school changes in the same batch.
    let second: Vec<Value> = (0..ROWS)
        .map(|i| {
            row(
                i,
                schools,
                agreement,
                usize::from(i % 3 == 0 && (i % 24) / 12 == 0),
            )
        })
        .collect();
    let second = push_json(&app, second).await.expect(200);
    assert_eq!(second.body["inserted"], ROWS - first_count);
    assert!(second.body["updated"].as_u64().unwrap() > 1000);
    let cells = assert_rollup_is_raw(&db, "after records added to existing cells");
    // Two schools' records in every cell of the agreement.
    assert!(cells.iter().all(|c| c.records == 2));

    // Every third row changes, and one key comes twice (the later row wins).
    let mut changed: Vec<Value> = (0..ROWS)
        .map(|i| row(i, schools, agreement, usize::from(i % 3 == 0)))
        .collect();
    changed.push(row(6, schools, agreement, 7));
    let third = push_json(&app, changed).await.expect(200);
    assert!(third.body["updated"].as_u64().unwrap() > 1000);
    assert_rollup_is_raw(&db, "after changes");

    // New keys for more than a chunk, then known keys with new values: on PostgreSQL the first
    // chunk goes in as a plain insert, the second meets known keys, falls back to the upsert
    // (the first chunk's rows stay) and so does the rest of the batch.
    let new_then_known: Vec<Value> = (ROWS..ROWS + 5_400)
        .map(|i| row(i, schools, agreement, 0))
        .chain((0..1_800).map(|i| row(i, schools, agreement, 3)))
        .collect();
    let fourth = push_json(&app, new_then_known).await.expect(200);
    assert_eq!(
        (&fourth.body["inserted"], &fourth.body["updated"]),
        (&json!(5_400), &json!(1_800)),
        "{}",
        fourth.body
    );
    assert_eq!(records(&db), (ROWS + 5_400) as i64);
    assert_rollup_is_raw(&db, "after new keys, then known ones");

    // Re-pushes. On PostgreSQL the upsert leaves out rows sent unchanged until a chunk comes
    // back mostly changed, then upserts the rest whole: the counts and the rollup must not
    // depend on which statement wrote a chunk.
    // The keys of the batch before (5,400, then 1,800), each part with the values of a variant.
    let batch = |first: usize, then: usize| -> Vec<Value> {
        (ROWS..ROWS + 5_400)
            .map(|i| row(i, schools, agreement, first))
            .chain((0..1_800).map(|i| row(i, schools, agreement, then)))
            .collect()
    };
    let cases: [(&str, Vec<Value>, [u64; 3]); 3] = [
        ("the same batch again", batch(0, 3), [0, 0, 7_200]),
        (
            "unchanged for more than a chunk, then changed",
            batch(0, 4),
            [0, 1_800, 5_400],
        ),
        (
            "changed for more than a chunk, then unchanged",
            batch(5, 4),
            [0, 5_400, 1_800],
        ),
    ];
    for (what, rows, [inserted, updated, unchanged]) in cases {
        let reply = push_json(&app, rows).await.expect(200);
        assert_eq!(
            [
                &reply.body["inserted"],
                &reply.body["updated"],
                &reply.body["unchanged"]
            ],
            [&json!(inserted), &json!(updated), &json!(unchanged)],
            "{what}: {}",
            reply.body
        );
        assert_rollup_is_raw(&db, what);
    }
    assert_eq!(records(&db), (ROWS + 5_400) as i64);

    // All or nothing: a bad last row, after several chunks were written, leaves everything as
    // it was — records and rollup.
    let before = rollup(&db);
    let mut bad: Vec<Value> = (0..ROWS).map(|i| row(i, schools, agreement, 2)).collect();
    let mut wrong = row(ROWS, schools, agreement, 2);
    wrong["value"] = json!(500.0);
    bad.push(wrong);
    push_json(&app, bad.clone()).await.expect(422);
    assert_eq!(
        rollup(&db),
        before,
        "a rolled-back batch changed the rollup"
    );
    assert_rollup_is_raw(&db, "after a rolled-back batch");

    // Partial: the good rows are written, the bad one reported.
    let partial = push(
        &app,
        "?mode=partial",
        "application/json",
        Value::Array(bad).to_string(),
    )
    .await
    .expect(200);
    assert_eq!(partial.body["rejected"], 1);
    let after = assert_rollup_is_raw(&db, "after a partial batch");
    assert_ne!(after, before);

    // The same series through the API: an administrator's comes from the rollup, a viewer's
    // (suppression applies) from the records; nothing is small, so they must agree.
    let raw_app = raw_app(&db, auth_settings()).await;
    let uri = format!("/api/v1/agreements/{agreement}/kpis?from=2019-01-01&to=2021-12-31");
    let mut answers = Vec::new();
    for who in [
        principal(&db, Role::Admin, &[], None),
        principal(&db, Role::Viewer, &[], None),
    ] {
        let reply = send(
            &raw_app,
            actix_web::test::TestRequest::get()
                .uri(&uri)
                .insert_header(who.header()),
        )
        .await
        .expect(200);
        answers.push(reply.body["kpis"].clone());
    }
    let kpis = answers[0].as_array().expect("kpis");
    assert_eq!(kpis.len(), KPIS.len() * GROUPS.len());
    let points: usize = kpis
        .iter()
        .map(|k| k["series"].as_array().map_or(0, Vec::len))
        .sum();
    // 2019-01-01..2021-12-31 holds 156 or 157 weekly periods of each KPI and group.
    assert!(points >= 156 * 6, "{points} points");
    assert!(kpis
        .iter()
        .flat_map(|k| k["series"].as_array().cloned().unwrap_or_default())
        .all(|p| p["suppressed"] == false && p["records"] == 2 && p["value"].is_number()));
    assert_eq!(answers[0], answers[1]);
}

/// Two batches of the same new keys at once, larger than a chunk: on PostgreSQL both try a
/// plain insert, the later one waits for the first to commit, finds the keys taken, and
/// upserts instead. Both succeed, every key is stored once, and the later batch's values win.
async fn concurrent_batches_of_the_same_new_keys(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let schools = [s.school.as_str(), s.other_school.as_str()];
    let batch = |variant| {
        (0..6_000)
            .map(|i| row(i, schools, &s.agreement, variant))
            .collect::<Vec<Value>>()
    };
    let (a, b) =
        futures_util::future::join(push_json(&app, batch(0)), push_json(&app, batch(1))).await;
    let (a, b) = (a.expect(200), b.expect(200));
    let count = |key: &str| a.body[key].as_u64().unwrap() + b.body[key].as_u64().unwrap();
    assert_eq!(count("inserted"), 6_000, "{} {}", a.body, b.body);
    assert_eq!(
        count("inserted") + count("updated") + count("unchanged"),
        12_000
    );
    assert!(
        a.body["inserted"] == 0 || b.body["inserted"] == 0,
        "one batch inserted every key: {} {}",
        a.body,
        b.body
    );
    assert_eq!(records(&db), 6_000);
    let later = usize::from(a.body["inserted"] != 0);
    let later_n: i64 = (0..6_000)
        .map(|i| row(i, schools, &s.agreement, later)["n"].as_i64().unwrap())
        .sum();
    assert_eq!(
        over_records(&db, "SUM(n)"),
        later_n,
        "the later batch's values"
    );
    assert_rollup_is_raw(&db, "after two concurrent batches");
}
