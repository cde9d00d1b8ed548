//! `partnerships seed --demo`: a believable district for front-end builders, written through
//! the same rules, audit trail and change feed as the API. Deterministic, so two runs on two
//! machines give the same names, counts and figures; and idempotent: a database that holds the
//! demo already is left alone, and one that holds anything else is refused.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use crate::activities::model::Activities;
use crate::agreements::model::{transition, AgreementStatus, Agreements};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::config::Policy;
use crate::contacts::model::Contacts;
use crate::db::{today, DbConnection};
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::kpi_records::{self as records, NewRecord};
use crate::kpi_targets::model::KpiTargets;
use crate::partners::model::Partners;
use crate::resource::{create_in_transaction, CallerContext, Collection, Resource};
use crate::responsibilities::model::Responsibilities;
use crate::schools::model::Schools;
use crate::timeline::model::TimelineItems;

/// What the demo holds.
#[derive(Debug, Default, Serialize)]
pub struct DemoOutcome {
    /// `false` when the demo was there already and nothing was written.
    pub seeded: bool,
    pub schools: usize,
    pub partners: usize,
    pub contacts: usize,
    pub agreements: usize,
    pub responsibilities: usize,
    pub timeline_items: usize,
    pub activities: usize,
    pub kpi_targets: usize,
    pub kpi_records: usize,
}

/// A small deterministic generator (splitmix64): the same demo everywhere.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in `low..high`.
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (high - low)
    }
}

const TOWNS: [&str; 12] = [
    "Kennebec",
    "Riverside",
    "Granite Hill",
    "Harbor View",
    "Maple Grove",
    "Northwind",
    "Cedar Falls",
    "Lakeside",
    "Summit",
    "Bayview",
    "Pine Ridge",
    "Oakmont",
];

/// (name pattern, grades) of the dozen schools.
const SCHOOLS: [(&str, &str, &str); 12] = [
    ("{} Elementary School", "PK", "05"),
    ("{} Elementary School", "KG", "05"),
    ("{} Elementary School", "KG", "05"),
    ("{} Elementary School", "PK", "04"),
    ("{} Intermediate School", "04", "06"),
    ("{} Middle School", "06", "08"),
    ("{} Middle School", "06", "08"),
    ("{} Middle School", "07", "08"),
    ("{} High School", "09", "12"),
    ("{} High School", "09", "12"),
    ("{} Career and Technical Center", "10", "12"),
    ("{} Early College Academy", "09", "12"),
];

/// Partner kinds with the names and offerings such partners have.
const KINDS: [(&str, &[&str], &[&str]); 11] = [
    (
        "business",
        &[
            "{} Robotics",
            "{} Credit Union",
            "{} Builders",
            "{} Health Tech",
            "{} Bakery",
            "{} Marine Supply",
        ],
        &["job_shadowing", "internship", "speaker", "funding"],
    ),
    (
        "nonprofit",
        &[
            "{} Youth Alliance",
            "{} Literacy Project",
            "{} Food Pantry",
            "{} Arts Collective",
            "{} Girls Who Code Club",
        ],
        &["mentoring", "after_school_program", "volunteer"],
    ),
    (
        "higher_education",
        &[
            "{} Community College",
            "University of {}",
            "{} Technical Institute",
            "{} College of Art",
        ],
        &["mentoring", "speaker", "service_learning"],
    ),
    (
        "museum",
        &[
            "{} Maritime Museum",
            "{} Science Center",
            "{} Historical Society",
            "{} Children's Museum",
        ],
        &["field_trip_host", "exhibition_review", "speaker"],
    ),
    (
        "library",
        &["{} Public Library", "{} Law Library", "{} Memorial Library"],
        &["facility", "after_school_program", "volunteer"],
    ),
    (
        "community_center",
        &["{} Community Center", "{} Boys & Girls Club", "{} YMCA"],
        &["facility", "after_school_program", "mentoring"],
    ),
    (
        "government",
        &[
            "{} Fire Department",
            "{} Parks & Recreation",
            "{} Water District",
            "{} Town Office",
        ],
        &["speaker", "field_trip_host", "job_shadowing"],
    ),
    (
        "healthcare",
        &[
            "{} Family Health",
            "{} Dental Partners",
            "{} General Hospital",
            "{} Counseling Services",
        ],
        &["speaker", "internship", "volunteer"],
    ),
    (
        "faith_based",
        &["{} Interfaith Council", "{} Community Church"],
        &["volunteer", "in_kind", "facility"],
    ),
    (
        "individual",
        &[
            "Dr. Ada Moreno",
            "Sam Whitaker",
            "Priya Natarajan",
            "Jon Ellsworth",
        ],
        &["speaker", "mentoring", "volunteer"],
    ),
    (
        "other",
        &["{} Rotary Club", "{} Farmers Market", "{} Makerspace"],
        &["funding", "in_kind", "field_trip_host"],
    ),
];

const FIRST: [&str; 12] = [
    "Maria", "James", "Aisha", "Chen", "Olivia", "Mateo", "Fatima", "Liam", "Grace", "Noah",
    "Hana", "Diego",
];
const LAST: [&str; 12] = [
    "Garcia", "Okafor", "Nguyen", "Thompson", "Haddad", "Larsen", "Kowalski", "Brooks", "Tanaka",
    "Silva", "Murphy", "Reyes",
];

/// The five levels the continuum comes seeded with.
fn level_id(rank: usize) -> String {
    format!("0192b3c0-0000-7000-8000-00000000000{}", rank.clamp(1, 5))
}

fn input<R: Resource>(body: Value) -> Result<R::Input, ApiError> {
    serde_json::from_value(body).map_err(|e| ApiError::Internal(format!("demo data: {e}")))
}

fn create<R: Resource>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    body: Value,
) -> Result<String, ApiError> {
    let row = create_in_transaction::<R>(conn, ctx, place, input::<R>(body)?)?;
    Ok(crate::db::keyset::Keyed::id(&row).to_owned())
}

fn under(parent: &str) -> Collection {
    Collection {
        parent: Some(parent.to_owned()),
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn plus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_add_days(Days::new(days)).unwrap_or(d)
}

fn minus(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days)).unwrap_or(d)
}

/// The school year (September to June) that `day` falls in, by its first September.
fn school_year_start(day: NaiveDate) -> NaiveDate {
    let year = if day.month() >= 8 {
        day.year()
    } else {
        day.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(day)
}

/// Marks the demo: its first school's external id.
const MARKER: &str = "DEMO-S01";

/// Seeds the demo in one transaction (the caller's).
pub fn demo(conn: &mut DbConnection, policy: &Policy) -> Result<DemoOutcome, ApiError> {
    if crate::schools::by_external_id(conn, MARKER)?.is_some() {
        return Ok(DemoOutcome::default());
    }
    let empty = count(conn, "schools")? == 0 && count(conn, "partners")? == 0;
    if !empty {
        return Err(ApiError::Conflict(
            "the database holds schools or partners already; the demo fills an empty database"
                .into(),
        ));
    }
    let caller = Caller::command_line();
    let actor = Actor::command_line();
    let ctx = CallerContext {
        caller: &caller,
        actor: &actor,
        policy,
    };
    let mut dice = Dice(20_261_201);
    let mut out = DemoOutcome {
        seeded: true,
        ..DemoOutcome::default()
    };
    let today = today();

    let mut schools = Vec::new();
    for (i, (pattern, low, high)) in SCHOOLS.iter().enumerate() {
        let id = create::<Schools>(
            conn,
            &ctx,
            &Collection::TOP,
            json!({
                "name": pattern.replace("{}", TOWNS[i]),
                "external_id": format!("DEMO-S{:02}", i + 1),
                "state_id": format!("ME-{}", 1000 + i * 37),
                "address": {"line1": format!("{} School Street", 10 + i * 4), "city": TOWNS[i],
                    "region": "ME", "postal_code": format!("04{:03}", 330 + i), "country": "US"},
                "lowest_grade": low, "highest_grade": high,
            }),
        )?;
        schools.push(id);
    }
    out.schools = schools.len();

    // Partners: every kind, every vetting state, referrals and continuum levels.
    let mut partners: Vec<(String, bool)> = Vec::new();
    let mut n = 0usize;
    'kinds: for round in 0..12 {
        for (k, (kind, names, offerings)) in KINDS.iter().enumerate() {
            let pattern = names[round % names.len()];
            // People are themselves once; organisations recur in other towns.
            if round >= names.len() && !pattern.contains("{}") {
                continue;
            }
            if n == 60 {
                break 'kinds;
            }
            // Another town each time a name comes round again, so names stay distinct.
            let town = TOWNS[(round * 5 + k) % TOWNS.len()];
            let vetting = match n % 6 {
                // Approved for years: these lead the agreements that involve students.
                0 | 1 => {
                    json!({"status": "approved", "background_check_on": date(minus(today, 200)),
                    "background_check_expires_on": date(plus(today, 1100 + 30 * (n as u64 % 9))),
                    "insurance_expires_on": date(plus(today, 1000 + 60 * (n as u64 % 8)))})
                }
                // Approved, running out within weeks: the dashboard's "expiring soon".
                2 => json!({"status": "approved", "background_check_on": date(minus(today, 300)),
                    "background_check_expires_on": date(plus(today, 400)),
                    "insurance_expires_on": date(plus(today, 10 + 4 * (n as u64 % 6)))}),
                3 => json!({"status": "pending"}),
                4 => json!({"status": "approved", "background_check_on": date(minus(today, 900)),
                    "background_check_expires_on": date(minus(today, 30))}),
                _ => json!({"status": if n % 12 == 5 { "rejected" } else { "not_started" }}),
            };
            let approved = n % 6 < 2;
            let mut body = json!({
                "name": pattern.replace("{}", town),
                "kind": kind,
                "description": format!("A {} partner of the {} schools.", kind.replace('_', " "), town),
                "offerings": offerings.iter().take(1 + dice.below(offerings.len())).collect::<Vec<_>>(),
                "website": format!("https://{}.example.org", pattern.replace("{}", town).to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "")),
                "continuum_level_id": level_id(1 + (n * 7) % 5),
                "external_id": format!("DEMO-P{:02}", n + 1),
                "vetting": vetting,
            });
            if n >= 8 && n % 3 == 0 {
                body["referred_by"] = json!(partners[dice.below(partners.len())].0);
            }
            let id = create::<Partners>(conn, &ctx, &Collection::TOP, body)?;
            for c in 0..(1 + n % 2) {
                let (first, last) = (FIRST[(n + c) % 12], LAST[(n * 3 + c) % 12]);
                create::<Contacts>(
                    conn,
                    &ctx,
                    &under(&id),
                    json!({
                        "name": format!("{first} {last}"),
                        "role": if c == 0 { "Partnership lead" } else { "Volunteer coordinator" },
                        "email": format!("{}.{}@partner{}.example.org", first.to_lowercase(), last.to_lowercase(), n + 1),
                        "primary": c == 0,
                    }),
                )?;
                out.contacts += 1;
            }
            partners.push((id, approved));
            n += 1;
        }
    }
    out.partners = partners.len();

    // Agreements in every status, each with work, a timeline and activities.
    let approved: Vec<&String> = partners.iter().filter(|p| p.1).map(|p| &p.0).collect();
    let statuses = [
        AgreementStatus::Active,
        AgreementStatus::Active,
        AgreementStatus::Active,
        AgreementStatus::Active,
        AgreementStatus::Active,
        AgreementStatus::Active,
        AgreementStatus::Draft,
        AgreementStatus::Proposed,
        AgreementStatus::OnHold,
        AgreementStatus::Completed,
        AgreementStatus::Terminated,
        AgreementStatus::Expired,
        AgreementStatus::Active,
        AgreementStatus::Proposed,
        AgreementStatus::Draft,
        AgreementStatus::Completed,
        AgreementStatus::Active,
        AgreementStatus::OnHold,
    ];
    let year = school_year_start(today);
    let mut active = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let lead = approved[i % approved.len()].clone();
        let school_ids: Vec<&String> = [&schools[i % 12], &schools[(i * 5 + 3) % 12]]
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (start, end) = match status {
            AgreementStatus::Expired => (minus(year, 730), minus(year, 90)),
            AgreementStatus::Completed => (minus(year, 730), plus(minus(year, 730), 300)),
            _ => (minus(year, 730), plus(year, 640)),
        };
        let title = format!(
            "{} {}",
            [
                "STEM mentoring",
                "Career pathways",
                "Literacy nights",
                "Field science",
                "Arts residency",
                "Healthy schools"
            ][i % 6],
            TOWNS[i % 12]
        );
        let agreement = create::<Agreements>(
            conn,
            &ctx,
            &Collection::TOP,
            json!({
                "title": title, "lead_partner_id": lead, "school_ids": school_ids,
                "start_date": date(start), "end_date": date(end),
                "involves_students": i % 4 != 3,
                "purpose": "Give students real-world experience with a partner who shares the school's goals.",
                "shared_vision": "Every student meets a caring adult from the community each year.",
                "review_cadence": "quarterly",
                "external_id": format!("DEMO-A{:02}", i + 1),
                "contributions": [{"party": "partner", "description": "Mentors and workplace visits"},
                                  {"party": "school", "description": "Schedule time and transport"}],
                "desired_outcomes": ["Attendance up 3 points among participants", "Every participant visits a workplace"],
            }),
        )?;
        let path: &[AgreementStatus] = match status {
            AgreementStatus::Draft => &[],
            AgreementStatus::Proposed => &[AgreementStatus::Proposed],
            AgreementStatus::Terminated => &[AgreementStatus::Terminated],
            AgreementStatus::OnHold => &[
                AgreementStatus::Proposed,
                AgreementStatus::Active,
                AgreementStatus::OnHold,
            ],
            AgreementStatus::Completed => &[
                AgreementStatus::Proposed,
                AgreementStatus::Active,
                AgreementStatus::Completed,
            ],
            _ => &[AgreementStatus::Proposed, AgreementStatus::Active],
        };
        for to in path {
            transition(
                conn,
                &ctx,
                &agreement,
                &IfMatch::none(),
                *to,
                Some("Demo data".into()),
            )?;
        }
        let place = under(&agreement);
        for (r, (party, task, kind, committed)) in [
            ("partner", "Recruit and train mentors", "hours", 120.0_f64),
            (
                "school",
                "Release time for mentoring sessions",
                "hours",
                80.0,
            ),
            (
                "partner",
                "Fund transportation for site visits",
                "money",
                2500.0,
            ),
            (
                "district",
                "Provide meeting space and supplies",
                "in_kind",
                600.0,
            ),
        ]
        .into_iter()
        .enumerate()
        .take(3 + i % 2)
        {
            let done = matches!(status, AgreementStatus::Completed) || r == 0;
            create::<Responsibilities>(
                conn,
                &ctx,
                &place,
                json!({
                    "party": party, "description": task,
                    "due_on": date(plus(start, 60 + 90 * r as u64)),
                    "status": if done { "done" } else if r == 1 { "in_progress" } else { "planned" },
                    "investment": {"kind": kind, "committed": committed,
                        "delivered": if done { committed } else { (committed * 0.4).round() },
                        "unit": if kind == "money" { Some("USD") } else { None }},
                }),
            )?;
            out.responsibilities += 1;
        }
        for (kind, title, day) in [
            ("kickoff", "Kickoff meeting", 7u64),
            ("milestone", "Mid-year showcase", 150),
            ("exhibition", "Spring exhibition of student work", 260),
        ] {
            create::<TimelineItems>(
                conn,
                &ctx,
                &place,
                json!({
                    "kind": kind, "title": title, "scheduled_on": date(plus(start, day)),
                    "status": if plus(start, day) < today { "done" } else { "scheduled" },
                }),
            )?;
            out.timeline_items += 1;
        }
        if matches!(
            status,
            AgreementStatus::Active
                | AgreementStatus::OnHold
                | AgreementStatus::Completed
                | AgreementStatus::Expired
        ) {
            for a in 0..(2 + i % 3) {
                let day = minus(today.min(end), 20 + 45 * a as u64);
                let kind = ["talk", "field_trip", "mentoring", "tour", "event"][(i + a) % 5];
                create::<Activities>(
                    conn,
                    &ctx,
                    &Collection::TOP,
                    json!({
                        "partner_id": lead, "school_id": school_ids[a % school_ids.len()],
                        "agreement_id": agreement,
                        "kind": kind,
                        "occurred_on": date(day.max(start)),
                        "hours": 1 + (i + a) % 6, "students_reached": 12 + 9 * ((i + a) % 7),
                        "families_reached": (i + a) % 4 * 5,
                    }),
                )?;
                out.activities += 1;
            }
        }
        if matches!(status, AgreementStatus::Active) {
            active.push((
                agreement,
                school_ids.into_iter().cloned().collect::<Vec<_>>(),
            ));
        }
        out.agreements += 1;
    }
    // With the check-ins that activation generated.
    out.timeline_items = usize::try_from(count(conn, "timeline_items")?).unwrap_or_default();

    // Targets and two school years of weekly KPI records for the active agreements, with a
    // small program group at one school so suppression shows.
    // The two school years before this one.
    let first_year = minus(year, 730);
    let mut kpi = |code: &str| -> Result<_, ApiError> {
        <crate::kpi_definitions::DefinitionRow as crate::db::Stored>::find_key(conn, code)?
            .ok_or_else(|| ApiError::Internal(format!("the seeded KPI {code} is missing")))
    };
    let (attendance, absence) = (kpi("attendance_rate")?, kpi("chronic_absence_rate")?);
    let mut batch = Vec::new();
    for (a, (agreement, school_ids)) in active.iter().enumerate() {
        for (group, baseline, target) in [("all", 91.5, 94.0), ("program_participants", 89.0, 93.5)]
        {
            create::<KpiTargets>(
                conn,
                &ctx,
                &under(agreement),
                json!({
                    "kpi_code": "attendance_rate", "student_group": group,
                    "baseline_value": baseline - a as f64 * 0.3, "baseline_n": if group == "all" { 410 } else { 48 },
                    "baseline_period_start": date(minus(first_year, 365)), "baseline_period_end": date(minus(first_year, 80)),
                    "target_value": target, "target_date": date(plus(year, 280)),
                }),
            )?;
            out.kpi_targets += 1;
        }
        for (s, school) in school_ids.iter().enumerate() {
            let enrolled = 260 + dice.below(300) as i64;
            let participants = if a == 0 && s == 0 {
                7
            } else {
                30 + dice.below(40) as i64
            };
            let ell = enrolled / 9;
            for week in 0..80u64 {
                let monday = plus(
                    first_year,
                    7 * (week % 40) + if week >= 40 { 371 } else { 0 },
                );
                if monday > today {
                    continue;
                }
                let trend = week as f64 * 0.02;
                for (group, n, base) in [
                    ("all", enrolled, 91.0),
                    ("program_participants", participants, 90.0 + trend),
                    ("ell", ell, 88.5),
                    ("non_ell", enrolled - ell, 91.3),
                ] {
                    let rate = (base + dice.between(-2.5, 2.5)).clamp(70.0, 99.0);
                    let chronic = (100.0 - rate) * dice.between(1.1, 1.6);
                    for (kpi, value) in [(&attendance, rate), (&absence, chronic)] {
                        batch.push(NewRecord {
                            kpi_id: kpi.id.clone(),
                            school_id: school.clone(),
                            agreement_id: Some(agreement.clone()),
                            student_group: group.to_owned(),
                            period_start: monday,
                            period_end: plus(monday, 4),
                            value: (value * 10.0).round() / 10.0,
                            n,
                            numerator: None,
                            denominator: None,
                            source: Some("demo".into()),
                        });
                    }
                }
            }
        }
    }
    let now = crate::db::now();
    let mut rollup = crate::kpi_records::rollup::Changes::default();
    let mut strategy = records::Strategy::default();
    for chunk in batch.chunks(records::chunk_rows(conn)) {
        records::upsert(conn, chunk, now, &mut rollup, &mut strategy)?;
    }
    rollup.apply(conn)?;
    out.kpi_records = batch.len();
    let counts = json!({"mode": "all", "received": batch.len(), "inserted": batch.len()});
    crate::changes::record_from(
        conn,
        crate::kpi_records::model::BATCH_TOPIC,
        &crate::db::sql::new_id(),
        "created",
        &counts,
    )?;
    Ok(out)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of one of our tables.
fn count(conn: &mut DbConnection, table: &'static str) -> Result<i64, ApiError> {
    use diesel::RunQueryDsl;
    let found: Count =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
    Ok(found.n)
}
