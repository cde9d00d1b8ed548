//! `GET /dashboards/district`.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::community::{community, CommunityVoice};
use super::listed::{listed, Listed};
use super::store;
use crate::activities::{self, ActivityFilter};
use crate::agreements::model::{AgreementStatus, Party};
use crate::auth::{Caller, Role, Scope};
use crate::config::Policy;
use crate::db::{self, today, DbConnection, DbPool};
use crate::error::ApiError;
use crate::kpi_progress::series::{assess, catalogue, cells_of, seen_targets, KpiPoint};
use crate::kpi_progress::{latest_target_cells, latest_target_members, CellRow};
use crate::kpi_records::suppression::CellJudge;
use crate::kpi_targets as targets;
use crate::partners::{self, PartnerFilter};
use crate::responsibilities::investment::{investment_of, InvestmentSummary};
use crate::responsibilities::model::{from_centi, is_overdue, ResponsibilityStatus};
use crate::responsibilities::ResponsibilityRow;
use crate::suppression::Suppression;

/// Partners of one continuum level (`null`: partners not placed on the continuum).
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelCount {
    /// The continuum level's id; `null` for partners not placed on the continuum.
    pub continuum_level_id: Option<String>,
    /// The level's name; `null` for partners not placed.
    pub name: Option<String>,
    /// The level's rank; `null` for partners not placed.
    pub rank: Option<i32>,
    /// How many partners are at this level.
    pub partners: i64,
}

/// A target of an active agreement and where its KPI stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    /// The agreement's id.
    pub agreement_id: String,
    /// The agreement's title.
    pub agreement_title: String,
    /// The KPI's code.
    pub kpi_code: String,
    /// The student group's code.
    pub student_group: String,
    /// The value to reach, in the KPI's unit.
    pub target_value: f64,
    /// When the target should be reached.
    pub target_date: NaiveDate,
    /// The latest period with records, combined across schools; `null` when there is none.
    pub latest: Option<KpiPoint>,
    /// 0 at the baseline, 1 at the target; `null` without a baseline or a visible latest value.
    pub progress: Option<f64>,
    /// Whether the target is reached or progress keeps pace; `null` when not assessed.
    pub on_track: Option<bool>,
}

/// KPI targets of active agreements.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiOverview {
    /// How many targets active agreements have (all of them, not only those listed).
    pub targets: usize,
    /// How many are on track.
    pub on_track: usize,
    /// How many are off track.
    pub off_track: usize,
    /// No visible latest value yet, or a neutral KPI.
    pub not_assessed: usize,
    /// The first `limit` targets.
    pub items: Vec<TargetProgress>,
}

/// Totals of every activity on record, district-wide.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ActivitySums {
    /// How many activities there are.
    pub activities: usize,
    /// Hours given, summed.
    pub hours: f64,
    /// Students reached, summed over activities.
    pub students_reached: i64,
    /// Families reached, summed over activities.
    pub families_reached: i64,
}

/// A partner whose vetting runs out soon.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringVetting {
    /// The partner's id.
    pub partner_id: String,
    /// The partner's name.
    pub name: String,
    /// When its background check runs out; `null` if no date is recorded.
    pub background_check_expires_on: Option<NaiveDate>,
    /// When its insurance certificate runs out; `null` if no date is recorded.
    pub insurance_expires_on: Option<NaiveDate>,
}

/// A responsibility of an active or on-hold agreement, past due and neither done nor dropped.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueResponsibility {
    /// The responsibility's id.
    pub id: String,
    /// The agreement it belongs to.
    pub agreement_id: String,
    /// The party responsible.
    pub party: Party,
    /// What is to be done.
    pub description: String,
    /// When it was due.
    pub due_on: Option<NaiveDate>,
    /// Where it stands: `planned`, `in_progress` or `blocked`.
    pub status: ResponsibilityStatus,
}

/// A check-in of an active or on-hold agreement that was missed or is late.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissedCheckIn {
    /// The timeline item's id.
    pub id: String,
    /// The agreement it belongs to.
    pub agreement_id: String,
    /// The check-in's title.
    pub title: String,
    /// The day it was planned for.
    pub scheduled_on: NaiveDate,
    /// `missed`, or `scheduled` with its date gone.
    pub status: String,
}

/// Everything a front end's home page shows, in one call. "Active" agreements are those
/// active today (not past their end date); responsibilities, check-ins and investment are
/// those of active and on-hold agreements.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "as_of": "2026-12-14",
    "agreements_by_status": {"active": 12, "completed": 3, "draft": 2, "expired": 1,
        "on_hold": 1, "proposed": 4, "terminated": 0},
    "partners_by_kind": {"business": 11, "community_center": 2, "government": 1,
        "higher_education": 2, "library": 3, "museum": 2, "nonprofit": 9},
    "partners_by_continuum_level": [
        {"continuum_level_id": "0192b3c0-0000-7000-8000-000000000001", "name": "Supporter",
            "rank": 1, "partners": 9},
        {"continuum_level_id": "0192b3c0-0000-7000-8000-000000000002", "name": "Contributor",
            "rank": 2, "partners": 7},
        {"continuum_level_id": "0192b3c0-0000-7000-8000-000000000003", "name": "Collaborator",
            "rank": 3, "partners": 5},
        {"continuum_level_id": "0192b3c0-0000-7000-8000-000000000004", "name": "Partner",
            "rank": 4, "partners": 3},
        {"continuum_level_id": "0192b3c0-0000-7000-8000-000000000005", "name": "Co-designer",
            "rank": 5, "partners": 1},
        {"continuum_level_id": null, "name": null, "rank": null, "partners": 5}
    ],
    "kpi_progress": {
        "targets": 3, "on_track": 1, "off_track": 1, "not_assessed": 1,
        "items": [
            {"agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3d",
                "agreement_title": "Museum exhibitions of student work, 2026-27",
                "kpi_code": "attendance_rate", "student_group": "program_participants",
                "target_value": 93.0, "target_date": "2027-06-15",
                "latest": {"period_start": "2026-11-01", "period_end": "2026-11-30",
                    "value": 92.05043859649122, "n": 96, "records": 1, "suppressed": false},
                "progress": 0.7889863547758265, "on_track": true},
            {"agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3e",
                "agreement_title": "Family literacy nights at the library, 2026-27",
                "kpi_code": "chronic_absence_rate", "student_group": "all",
                "target_value": 14.0, "target_date": "2027-06-15",
                "latest": {"period_start": "2026-09-01", "period_end": "2026-11-30",
                    "value": 18.59605911330049, "n": 812, "records": 2, "suppressed": false},
                "progress": -0.14901477832512278, "on_track": false},
            {"agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3f",
                "agreement_title": "Ninth-grade engineering mentors, 2026-27",
                "kpi_code": "course_pass_rate", "student_group": "grade_09",
                "target_value": 90.0, "target_date": "2027-06-15",
                "latest": {"period_start": "2026-09-01", "period_end": "2026-11-13",
                    "value": null, "n": null, "records": 1, "suppressed": true},
                "progress": null, "on_track": null}
        ]
    },
    "investment": {
        "lines": [
            {"party": "school", "kind": "hours", "unit": "hours", "committed": 120.0,
                "delivered": 46.5, "responsibilities": 3},
            {"party": "partner", "kind": "hours", "unit": "hours", "committed": 160.0,
                "delivered": 72.25, "responsibilities": 4},
            {"party": "district", "kind": "money", "unit": "USD", "committed": 15000.0,
                "delivered": 6000.0, "responsibilities": 2},
            {"party": "partner", "kind": "money", "unit": "USD", "committed": 5000.0,
                "delivered": 5000.0, "responsibilities": 1},
            {"party": "partner", "kind": "in_kind", "unit": "laptops", "committed": 30.0,
                "delivered": 30.0, "responsibilities": 1}
        ],
        "balance": [
            {"kind": "hours", "unit": "hours", "committed": 280.0, "delivered": 118.75,
                "shares": [
                    {"party": "school", "committed_share": 0.4286, "delivered_share": 0.3916},
                    {"party": "partner", "committed_share": 0.5714, "delivered_share": 0.6084}
                ]},
            {"kind": "money", "unit": "USD", "committed": 20000.0, "delivered": 11000.0,
                "shares": [
                    {"party": "district", "committed_share": 0.75, "delivered_share": 0.5455},
                    {"party": "partner", "committed_share": 0.25, "delivered_share": 0.4545}
                ]},
            {"kind": "in_kind", "unit": "laptops", "committed": 30.0, "delivered": 30.0,
                "shares": [
                    {"party": "partner", "committed_share": 1.0, "delivered_share": 1.0}
                ]}
        ]
    },
    "activities": {"activities": 214, "hours": 1286.5, "students_reached": 3841,
        "families_reached": 612},
    "vetting_expiring": {"count": 2, "items": [
        {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a", "name": "Gardiner Public Library",
            "background_check_expires_on": "2027-01-04", "insurance_expires_on": "2027-03-31"},
        {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4c",
            "name": "Kennebec Explorer Transit", "background_check_expires_on": null,
            "insurance_expires_on": "2026-12-31"}
    ]},
    "overdue_responsibilities": {"count": 2, "items": [
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a6a",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3d", "party": "partner",
            "description": "Send the curators' review schedule to the social studies teachers",
            "due_on": "2026-11-20", "status": "in_progress"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a6b",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3e", "party": "school",
            "description": "Book the library's community room for the January family night",
            "due_on": "2026-12-01", "status": "planned"}
    ]},
    "missed_check_ins": {"count": 2, "items": [
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a7a",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3e", "title": "Monthly check-in",
            "scheduled_on": "2026-11-12", "status": "missed"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a7b",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3d",
            "title": "Quarterly check-in", "scheduled_on": "2026-12-01", "status": "scheduled"}
    ]},
    "community": {
        "seats_by_school": [
            {"school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
                "school_name": "Gardiner Regional Middle School", "community_seats": 4},
            {"school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2d",
                "school_name": "Gardiner Area High School", "community_seats": 3},
            {"school_id": null, "school_name": null, "community_seats": 2}
        ],
        "overdue_communication_tasks": {"count": 1, "items": [
            {"plan_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a8a",
                "plan_title": "Gardiner family outreach 2026-27", "title": "Autumn newsletter",
                "owner": "Communication committee chair", "due_on": "2026-10-15",
                "status": "in_progress"}
        ]},
        "hosted_hours_by_school": [
            {"school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
                "school_name": "Gardiner Regional Middle School", "hours": 14.5, "bookings": 6}
        ],
        "meetings_hosted_by_partners": {"total": 9, "committee_meetings": 3,
            "agreement_meetings": 6, "by_partner": [
                {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
                    "name": "Kennebec River Museum", "meetings": 6},
                {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                    "name": "Gardiner Public Library", "meetings": 3}
            ]}
    },
    "min_cell_size": 10
}))]
pub struct DistrictDashboard {
    /// Today's date (UTC), against which `expired`, overdue and "soon" are judged.
    pub as_of: NaiveDate,
    /// Agreements per status as readers see it (active past its end date reads `expired`).
    pub agreements_by_status: BTreeMap<String, usize>,
    /// Partners per kind; kinds without partners are left out.
    pub partners_by_kind: BTreeMap<String, i64>,
    /// Partners per continuum level, by rank; those not placed come last.
    pub partners_by_continuum_level: Vec<LevelCount>,
    /// The KPI targets of active agreements and where each stands.
    pub kpi_progress: KpiOverview,
    /// Who invests what across active and on-hold agreements.
    pub investment: InvestmentSummary,
    /// All activities on record.
    pub activities: ActivitySums,
    /// Approved partners whose background check or insurance runs out within
    /// `vetting_within_days` (and has not run out yet).
    pub vetting_expiring: Listed<ExpiringVetting>,
    /// Responsibilities of active and on-hold agreements past due, longest overdue first.
    pub overdue_responsibilities: Listed<OverdueResponsibility>,
    /// Check-ins of active and on-hold agreements missed or still scheduled after their date.
    pub missed_check_ins: Listed<MissedCheckIn>,
    /// Committees and communication plans.
    pub community: CommunityVoice,
    /// The district's default suppression threshold (`KPI_MIN_CELL_SIZE`); a KPI may set its
    /// own `min_cell_size`. Suppression applies to tokens without `kpi:read_small_cells`.
    pub min_cell_size: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Vetting expiring within this many days counts as "soon" (default 30, at most 365).
    #[param(minimum = 0, maximum = 365)]
    pub vetting_within_days: Option<u32>,
    /// Items listed per section (default 20, at most 200); counts are always complete.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

fn gather(
    conn: &mut DbConnection,
    suppression: Suppression,
    within_days: u32,
    limit: usize,
    min_cell_size: i64,
) -> Result<DistrictDashboard, ApiError> {
    let today = today();
    let agreements = AgreementStates::read(conn, today)?;
    let work = store::responsibilities_of(conn, &agreements.ongoing)?;
    let investment = investment_of(&work);
    Ok(DistrictDashboard {
        as_of: today,
        partners_by_kind: store::partners_by_kind(conn)?.into_iter().collect(),
        partners_by_continuum_level: partners_by_level(conn)?,
        kpi_progress: kpi_overview(conn, suppression, &agreements, today, limit)?,
        investment,
        activities: activity_sums(conn)?,
        vetting_expiring: vetting_expiring(conn, today, within_days, limit)?,
        overdue_responsibilities: listed(overdue(work, today), limit),
        missed_check_ins: listed(missed_check_ins(conn, &agreements.ongoing, today)?, limit),
        community: community(conn, today, limit)?,
        agreements_by_status: agreements.by_status,
        min_cell_size,
    })
}

/// Every agreement's status as read today, and which are active or ongoing.
struct AgreementStates {
    by_status: BTreeMap<String, usize>,
    active: Vec<String>,
    /// Active or on hold: their responsibilities and check-ins still count.
    ongoing: Vec<String>,
    titles: BTreeMap<String, String>,
}

impl AgreementStates {
    fn read(conn: &mut DbConnection, today: NaiveDate) -> Result<AgreementStates, ApiError> {
        let mut states = AgreementStates {
            by_status: AgreementStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), 0))
                .collect(),
            active: Vec::new(),
            ongoing: Vec::new(),
            titles: BTreeMap::new(),
        };
        for (id, title, status, end_date) in store::agreement_states(conn)? {
            let stored = AgreementStatus::parse(&status).ok_or_else(|| {
                ApiError::Internal(format!("stored status {status:?} is unknown"))
            })?;
            let effective = stored.effective(end_date, today);
            *states
                .by_status
                .entry(effective.as_str().to_owned())
                .or_default() += 1;
            if effective == AgreementStatus::Active {
                states.active.push(id.clone());
            }
            if matches!(effective, AgreementStatus::Active | AgreementStatus::OnHold) {
                states.ongoing.push(id.clone());
            }
            states.titles.insert(id, title);
        }
        Ok(states)
    }
}

fn partners_by_level(conn: &mut DbConnection) -> Result<Vec<LevelCount>, ApiError> {
    let levels = crate::continuum::all(conn)?;
    let mut partners_by_continuum_level: Vec<LevelCount> = store::partners_by_level(conn)?
        .into_iter()
        .map(|(id, partners)| {
            let level = levels.iter().find(|l| Some(&l.id) == id.as_ref());
            LevelCount {
                name: level.map(|l| l.name.clone()),
                rank: level.map(|l| l.rank),
                continuum_level_id: id,
                partners,
            }
        })
        .collect();
    partners_by_continuum_level.sort_by_key(|l| (l.rank.is_none(), l.rank));
    Ok(partners_by_continuum_level)
}

/// A KPI target's key: agreement, KPI and student group.
type TargetKey = (String, String, String);

/// The latest cell of each KPI target's key, as this caller may see it (and whether hidden).
fn latest_target_values(
    conn: &mut DbConnection,
    judge: &CellJudge,
    today: NaiveDate,
) -> Result<BTreeMap<TargetKey, (CellRow, bool)>, ApiError> {
    let mut latest_cells = BTreeMap::new();
    if judge.is_open() {
        for found in latest_target_cells(conn, today)? {
            let key = (
                found.agreement_id,
                found.cell.kpi_id.clone(),
                found.cell.student_group.clone(),
            );
            latest_cells.insert(key, (found.cell, false));
        }
    } else {
        let records = latest_target_members(conn, today)?;
        for (agreement_id, cell, hidden) in cells_of(judge, &records, |_| true) {
            let key = (
                agreement_id,
                cell.kpi_id.clone(),
                cell.student_group.clone(),
            );
            latest_cells.insert(key, (cell, hidden));
        }
    }
    Ok(latest_cells)
}

/// Progress of the active agreements' KPI targets.
fn kpi_overview(
    conn: &mut DbConnection,
    suppression: Suppression,
    agreements: &AgreementStates,
    today: NaiveDate,
    limit: usize,
) -> Result<KpiOverview, ApiError> {
    let catalogue = catalogue(conn)?;
    // Both reads come ordered by period: the last cell of a key is its latest.
    let judge = CellJudge::load(conn, suppression)?;
    let latest_cells = latest_target_values(conn, &judge, today)?;
    let titles = &agreements.titles;
    let mut items = Vec::new();
    let (active_targets, codes): (Vec<_>, Vec<_>) =
        targets::list(conn, &agreements.active)?.into_iter().unzip();
    for ((target, _), code) in seen_targets(&judge, active_targets).into_iter().zip(codes) {
        let Some(kpi) = catalogue.get(&target.kpi_id) else {
            continue;
        };
        let key = (
            target.agreement_id.clone(),
            target.kpi_id.clone(),
            target.student_group.clone(),
        );
        let latest = latest_cells
            .get(&key)
            .map(|(cell, hidden)| KpiPoint::of(kpi, cell, *hidden));
        let (progress, on_track) = assess(kpi, Some(&target), latest.as_ref());
        items.push(TargetProgress {
            agreement_title: titles
                .get(&target.agreement_id)
                .cloned()
                .unwrap_or_default(),
            agreement_id: target.agreement_id,
            kpi_code: code,
            student_group: target.student_group,
            target_value: target.target_value,
            target_date: target.target_date,
            latest,
            progress,
            on_track,
        });
    }
    let on_track = items.iter().filter(|i| i.on_track == Some(true)).count();
    let off_track = items.iter().filter(|i| i.on_track == Some(false)).count();
    Ok(KpiOverview {
        targets: items.len(),
        on_track,
        off_track,
        not_assessed: items.len() - on_track - off_track,
        items: items.into_iter().take(limit).collect(),
    })
}

fn overdue(work: Vec<ResponsibilityRow>, today: NaiveDate) -> Vec<OverdueResponsibility> {
    work.into_iter()
        .filter_map(|r| {
            let status = ResponsibilityStatus::parse(&r.status)?;
            let party = Party::parse(&r.party)?;
            is_overdue(status, r.due_on, today).then_some(OverdueResponsibility {
                id: r.id,
                agreement_id: r.agreement_id,
                party,
                description: r.description,
                due_on: r.due_on,
                status,
            })
        })
        .collect()
}

fn missed_check_ins(
    conn: &mut DbConnection,
    ongoing: &[String],
    today: NaiveDate,
) -> Result<Vec<MissedCheckIn>, ApiError> {
    Ok(store::missed_check_ins(conn, ongoing, today)?
        .into_iter()
        .map(|t| MissedCheckIn {
            id: t.id,
            agreement_id: t.agreement_id,
            title: t.title,
            scheduled_on: t.scheduled_on,
            status: t.status,
        })
        .collect())
}

fn activity_sums(conn: &mut DbConnection) -> Result<ActivitySums, ApiError> {
    let mut activities = ActivitySums::default();
    for row in activities::amounts(conn, &ActivityFilter::default())? {
        activities.activities += 1;
        activities.hours += from_centi(row.hours_centi);
        activities.students_reached += i64::from(row.students_reached);
        activities.families_reached += i64::from(row.families_reached);
    }
    Ok(activities)
}

/// Partners whose vetting expires within `within_days`: the first `limit` and their count.
fn vetting_expiring(
    conn: &mut DbConnection,
    today: NaiveDate,
    within_days: u32,
    limit: usize,
) -> Result<Listed<ExpiringVetting>, ApiError> {
    let last_day = today
        .checked_add_days(Days::new(u64::from(within_days)))
        .unwrap_or(today);
    let expiring_filter = PartnerFilter {
        vetting_expiring: Some((today, last_day)),
        ..PartnerFilter::default()
    };
    let expiring = partners::list(
        conn,
        &expiring_filter,
        crate::db::keyset::ListSort::Id.into(),
        None,
        i64::try_from(limit).unwrap_or(i64::MAX),
    )?;
    let expiring_count = partners::count(conn, &expiring_filter)?;
    Ok(Listed {
        count: usize::try_from(expiring_count).unwrap_or(0),
        items: expiring
            .into_iter()
            .map(|p| ExpiringVetting {
                partner_id: p.id,
                name: p.name,
                background_check_expires_on: p.background_check_expires_on,
                insurance_expires_on: p.insurance_expires_on,
            })
            .collect(),
    })
}

/// The district at a glance: agreements by status, partners by kind and continuum level, KPI
/// progress of active agreements, investment balance, activity totals, vetting expiring soon,
/// overdue responsibilities and missed check-ins, community seats on committees and overdue
/// communication tasks. Not for partner accounts.
///
/// Needs `agreements:read`, `partners:read` and `kpi:read` (admin, staff, viewer; integrations
/// by scope); a partner account is 403. Staff see the whole district, not only their schools. KPI
/// values follow small-cell suppression for tokens without `kpi:read_small_cells`.
/// `vetting_within_days` above 365 or `limit` outside 1 to 200 is 400.
#[utoipa::path(tag = "dashboards", params(DashboardQuery),
    responses((status = 200, description = "The dashboard", body = DistrictDashboard)))]
#[get("/dashboards/district")]
pub async fn district_dashboard(
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    if caller.role == Role::Partner {
        return Err(ApiError::Forbidden(
            "the district dashboard shows every partner; partner accounts see their own agreements instead".to_owned(),
        ));
    }
    for scope in [Scope::AgreementsRead, Scope::PartnersRead, Scope::KpiRead] {
        caller.require(scope)?;
    }
    let query = query.into_inner();
    let within_days = query.vetting_within_days.unwrap_or(30);
    if within_days > 365 {
        return Err(ApiError::BadRequest(
            "vetting_within_days must be at most 365".to_owned(),
        ));
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 200".to_owned(),
        ));
    }
    let min_cell_size = settings.kpi_min_cell_size;
    let suppression = Suppression::for_caller(&caller, min_cell_size);
    let dashboard = db::run(&pool, move |conn| {
        gather(conn, suppression, within_days, limit, min_cell_size)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dashboard))
}
