//! One agreement in one call: the summary a front end's agreement page needs, and the export
//! districts attach to grant proposals as evidence of partnership.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{load_visible, AgreementPath};
use super::history::Transition;
use super::model::Agreement;
use super::store;
use crate::activities::model::{totals, ActivityTotal, TotalsBy};
use crate::activities::store::{self as activity_store, ActivityFilter};
use crate::responsibilities::investment::{investment_of, InvestmentLine, InvestmentSummary};
use crate::responsibilities::model::Responsibility;
use crate::responsibilities::model::ResponsibilityStatus;
use crate::responsibilities::store::{self as responsibility_store, ResponsibilityFilter};
use crate::timeline::model::TimelineItem;
use crate::timeline::model::{TimelineKind, TimelineStatus};
use crate::timeline::store::{self as timeline_store, TimelineFilter};
use auth::{Caller, Scope};
use platform::db::{self, today, DbPool};
use platform::error::ApiError;
use platform::http::negotiate;
use platform::http::text::inert;

/// Responsibilities by status.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ResponsibilityCounts {
    /// All of the agreement's responsibilities.
    pub total: usize,
    /// Those with status `planned`.
    pub planned: usize,
    /// Those with status `in_progress`.
    pub in_progress: usize,
    /// Those with status `done`.
    pub done: usize,
    /// Those with status `blocked`.
    pub blocked: usize,
    /// Those with status `dropped`.
    pub dropped: usize,
    /// Past due and neither done nor dropped.
    pub overdue: usize,
}

/// Check-ins kept, missed and to come.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CheckInCounts {
    /// Held (done).
    pub kept: usize,
    /// Marked missed.
    pub missed: usize,
    /// Still scheduled after their date.
    pub overdue: usize,
    /// Scheduled today or later.
    pub upcoming: usize,
    /// Marked cancelled.
    pub cancelled: usize,
    /// The next scheduled check-in.
    pub next_on: Option<NaiveDate>,
}

/// Everything an agreement page shows, in one call.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "agreement": {
        "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
        "title": "Museum exhibitions of student work, 2026-27", "status": "active",
        "external_id": "AGR-2026-014", "lead_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
        "partner_ids": [], "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c"],
        "liaison_user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
        "purpose": "Give every 8th grader a public audience for their project work.",
        "shared_vision": "Students see themselves as historians of their own town.",
        "desired_outcomes": ["90% of 8th graders exhibit", "attendance above 95% in project weeks"],
        "contributions": [
            {"party": "partner", "description": "gallery space and two curators, 40 hours"},
            {"party": "school", "description": "project time in social studies"}],
        "processes": "Curators review drafts in week 6; exhibition in week 10.",
        "communication_channels": [
            {"channel": "planning call", "cadence": "monthly", "owner": "school liaison"}],
        "start_date": "2026-09-01", "end_date": "2027-06-15", "review_cadence": "quarterly",
        "involves_students": true, "version": 4, "created_at": "2026-08-05T13:05:44.120517Z",
        "updated_at": "2026-08-20T15:42:10.482913Z"
    },
    "days_to_end": 148,
    "responsibilities": {"total": 3, "planned": 1, "in_progress": 2, "done": 0, "blocked": 0,
        "dropped": 0, "overdue": 1},
    "check_ins": {"kept": 1, "missed": 0, "overdue": 0, "upcoming": 2, "cancelled": 0,
        "next_on": "2027-03-01"},
    "investment": {
        "lines": [
            {"party": "school", "kind": "hours", "unit": "hours", "committed": 60.0,
                "delivered": 24.0, "responsibilities": 1},
            {"party": "partner", "kind": "hours", "unit": "hours", "committed": 40.0,
                "delivered": 12.5, "responsibilities": 1},
            {"party": "district", "kind": "money", "unit": "USD", "committed": 850.0,
                "delivered": 0.0, "responsibilities": 1}
        ],
        "balance": [
            {
                "kind": "hours", "unit": "hours", "committed": 100.0, "delivered": 36.5,
                "shares": [{"party": "school", "committed_share": 0.6, "delivered_share": 0.6575},
                    {"party": "partner", "committed_share": 0.4, "delivered_share": 0.3425}]
            },
            {"kind": "money", "unit": "USD", "committed": 850.0, "delivered": 0.0,
                "shares": [{"party": "district", "committed_share": 1.0, "delivered_share": 0.0}]}
        ]
    },
    "activities": {"key": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "activities": 3, "hours": 14.5,
        "students_reached": 192, "families_reached": 40}
}))]
pub struct AgreementSummary {
    /// The agreement, as `GET /agreements/{id}` returns it.
    pub agreement: Agreement,
    /// Days from today to the end date; negative once it has passed.
    pub days_to_end: i64,
    /// The agreement's responsibilities, counted by status.
    pub responsibilities: ResponsibilityCounts,
    /// The agreement's check-ins (timeline items of kind `check_in`), counted by outcome.
    pub check_ins: CheckInCounts,
    /// Who invests what, as `GET /agreements/{agreement_id}/investment` returns it.
    pub investment: InvestmentSummary,
    /// Totals of the activities logged under the agreement (a partner account's own only).
    pub activities: ActivityTotal,
}

/// An agreement with all that hangs off it: the evidence of a partnership.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "agreement": {
        "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
        "title": "Museum exhibitions of student work, 2026-27", "status": "active",
        "external_id": "AGR-2026-014", "lead_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
        "partner_ids": [], "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c"],
        "liaison_user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
        "purpose": "Give every 8th grader a public audience for their project work.",
        "shared_vision": "Students see themselves as historians of their own town.",
        "desired_outcomes": ["90% of 8th graders exhibit", "attendance above 95% in project weeks"],
        "contributions": [
            {"party": "partner", "description": "gallery space and two curators, 40 hours"},
            {"party": "school", "description": "project time in social studies"}],
        "processes": "Curators review drafts in week 6; exhibition in week 10.",
        "communication_channels": [
            {"channel": "planning call", "cadence": "monthly", "owner": "school liaison"}],
        "start_date": "2026-09-01", "end_date": "2027-06-15", "review_cadence": "quarterly",
        "involves_students": true, "version": 4, "created_at": "2026-08-05T13:05:44.120517Z",
        "updated_at": "2026-08-20T15:42:10.482913Z"
    },
    "responsibilities": [
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0c03",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "party": "district",
            "description": "Book buses for the gallery visit", "assignee_contact_id": null,
            "assignee_user_id": "0193a1f0-0000-7000-8000-000000000009", "due_on": "2026-12-15",
            "status": "planned", "overdue": true,
            "investment": {"kind": "money", "committed": 850.0, "delivered": 0.0, "unit": "USD"},
            "external_id": "TRN-2026-118", "version": 1,
            "created_at": "2026-08-06T10:15:37.402918Z",
            "updated_at": "2026-08-06T10:15:37.402918Z"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0c01",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "party": "partner",
            "description": "Two curators review student drafts",
            "assignee_contact_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4c", "assignee_user_id": null,
            "due_on": "2027-03-15", "status": "in_progress", "overdue": false,
            "investment": {"kind": "hours", "committed": 40.0, "delivered": 12.5, "unit": "hours"},
            "external_id": null, "version": 3, "created_at": "2026-08-06T10:12:40.331872Z",
            "updated_at": "2027-01-12T16:20:05.918204Z"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0c02",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "party": "school",
            "description": "Two social studies periods a week for project work",
            "assignee_contact_id": null, "assignee_user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
            "due_on": "2027-05-20", "status": "in_progress", "overdue": false,
            "investment": {"kind": "hours", "committed": 60.0, "delivered": 24.0, "unit": "hours"},
            "external_id": null, "version": 2, "created_at": "2026-08-06T10:14:02.775301Z",
            "updated_at": "2026-12-18T14:47:55.106382Z"}
    ],
    "timeline": [
        {
            "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0b01",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "kind": "check_in",
            "title": "Quarterly check-in", "scheduled_on": "2026-12-01", "status": "done",
            "overdue": false, "generated": true,
            "notes": "Held at the museum so both curators can attend.",
            "check_in": {
                "attendees": ["Dana Whitcomb (museum)", "Jo Ramos (school liaison)"],
                "notes": "Curators reviewed 40 drafts.",
                "progress": [
                    {"outcome": "90% of 8th graders exhibit", "status": "on_track",
                        "note": "36 of 40 on schedule"}
                ],
                "challenges": "Bus availability for the gallery visit.",
                "adjustments": "Move the visit to the afternoon slot.",
                "next_steps": "Confirm buses by March 1."
            },
            "host_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
            "venue": "Kennebec River Museum, education room", "version": 3,
            "created_at": "2026-08-20T15:42:10.482913Z", "updated_at": "2026-12-01T18:05:31.207746Z"
        },
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0b02",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "kind": "check_in",
            "title": "Quarterly check-in", "scheduled_on": "2027-03-01", "status": "scheduled",
            "overdue": false, "generated": true, "notes": null, "check_in": null,
            "host_partner_id": null, "venue": null, "version": 1,
            "created_at": "2026-08-20T15:42:10.482913Z",
            "updated_at": "2026-08-20T15:42:10.482913Z"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0b04",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "kind": "exhibition",
            "title": "Spring exhibition of student work", "scheduled_on": "2027-05-20",
            "status": "scheduled", "overdue": false, "generated": false,
            "notes": "Families invited; the museum stays open until 8 pm.", "check_in": null,
            "host_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
            "venue": "Kennebec River Museum, main gallery", "version": 1,
            "created_at": "2026-09-03T11:25:09.660143Z",
            "updated_at": "2026-09-03T11:25:09.660143Z"},
        {"id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0b03",
            "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "kind": "check_in",
            "title": "Quarterly check-in", "scheduled_on": "2027-06-01", "status": "scheduled",
            "overdue": false, "generated": true, "notes": null, "check_in": null,
            "host_partner_id": null, "venue": null, "version": 1,
            "created_at": "2026-08-20T15:42:10.482913Z",
            "updated_at": "2026-08-20T15:42:10.482913Z"}
    ],
    "investment": {
        "lines": [
            {"party": "school", "kind": "hours", "unit": "hours", "committed": 60.0,
                "delivered": 24.0, "responsibilities": 1},
            {"party": "partner", "kind": "hours", "unit": "hours", "committed": 40.0,
                "delivered": 12.5, "responsibilities": 1},
            {"party": "district", "kind": "money", "unit": "USD", "committed": 850.0,
                "delivered": 0.0, "responsibilities": 1}
        ],
        "balance": [
            {
                "kind": "hours", "unit": "hours", "committed": 100.0, "delivered": 36.5,
                "shares": [{"party": "school", "committed_share": 0.6, "delivered_share": 0.6575},
                    {"party": "partner", "committed_share": 0.4, "delivered_share": 0.3425}]
            },
            {"kind": "money", "unit": "USD", "committed": 850.0, "delivered": 0.0,
                "shares": [{"party": "district", "committed_share": 1.0, "delivered_share": 0.0}]}
        ]
    },
    "activities": {"key": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a", "activities": 3, "hours": 14.5,
        "students_reached": 192, "families_reached": 40},
    "transitions": [
        {"from": "draft", "to": "proposed", "note": "Sent to the museum director for signature.",
            "by": {"id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
            "at": "2026-08-12T14:10:03.551209Z"},
        {"from": "proposed", "to": "active",
            "note": "Signed by the principal and the museum director on 2026-08-20.",
            "by": {"id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
            "at": "2026-08-20T15:42:10.482913Z"}
    ],
    "exported_on": "2027-01-18"
}))]
pub struct AgreementExport {
    /// The agreement, as `GET /agreements/{id}` returns it.
    pub agreement: Agreement,
    /// Every responsibility, soonest due first (undated last).
    pub responsibilities: Vec<Responsibility>,
    /// Every timeline item, in date order.
    pub timeline: Vec<TimelineItem>,
    /// Who invests what, as `GET /agreements/{agreement_id}/investment` returns it.
    pub investment: InvestmentSummary,
    /// Totals of the activities logged under the agreement (a partner account's own only).
    pub activities: ActivityTotal,
    /// Every status change, oldest first.
    pub transitions: Vec<Transition>,
    /// The day of the export (UTC); `overdue` flags are judged on it.
    pub exported_on: NaiveDate,
}

/// Loads what the summary and the export are made of.
fn gather(
    pool: &DbPool,
    caller: Caller,
    id: String,
) -> impl std::future::Future<Output = Result<AgreementExport, ApiError>> + 'static {
    let pool = pool.clone();
    async move {
        let today = today();
        let (loaded, responsibilities, timeline, amounts, transitions) =
            db::run(&pool, move |conn| {
                let loaded = load_visible(conn, &caller, &id)?;
                let responsibilities =
                    responsibility_store::list(conn, &id, &ResponsibilityFilter::default())?;
                let timeline = timeline_store::list(conn, &id, &TimelineFilter::default())?;
                // A partner sees its own activities only, here as in /activities.
                let filter = ActivityFilter {
                    agreement_id: Some(id.clone()),
                    only_partner: caller.partner_scope(),
                    ..ActivityFilter::default()
                };
                let amounts = activity_store::amounts(conn, &filter)?;
                let transitions = store::transitions(conn, &id)?;
                Ok((loaded, responsibilities, timeline, amounts, transitions))
            })
            .await?;
        let investment = investment_of(&responsibilities);
        let activities = totals(&amounts, TotalsBy::Agreement)
            .pop()
            .unwrap_or(ActivityTotal {
                key: Some(loaded.row.id.clone()),
                ..ActivityTotal::default()
            });
        Ok(AgreementExport {
            agreement: loaded.represent(Some(today))?,
            responsibilities: responsibilities
                .into_iter()
                .map(|r| Responsibility::from_row(r, today))
                .collect::<Result<_, _>>()?,
            timeline: timeline
                .into_iter()
                .map(|t| TimelineItem::from_row(t, today))
                .collect::<Result<_, _>>()?,
            investment,
            activities,
            transitions: transitions
                .into_iter()
                .map(|r| Transition {
                    from: r.from_status,
                    to: r.to_status,
                    note: r.note,
                    by: pipeline::history::Recorder {
                        id: r.actor_id,
                        role: r.actor_role,
                    },
                    at: r.occurred_at.and_utc(),
                })
                .collect(),
            exported_on: today,
        })
    }
}

fn summarise(export: AgreementExport) -> AgreementSummary {
    let today = export.exported_on;
    let mut responsibilities = ResponsibilityCounts::default();
    for r in &export.responsibilities {
        responsibilities.total += 1;
        match r.status {
            ResponsibilityStatus::Planned => responsibilities.planned += 1,
            ResponsibilityStatus::InProgress => responsibilities.in_progress += 1,
            ResponsibilityStatus::Done => responsibilities.done += 1,
            ResponsibilityStatus::Blocked => responsibilities.blocked += 1,
            ResponsibilityStatus::Dropped => responsibilities.dropped += 1,
        }
        if r.overdue {
            responsibilities.overdue += 1;
        }
    }
    let mut check_ins = CheckInCounts::default();
    for item in export
        .timeline
        .iter()
        .filter(|i| i.kind == TimelineKind::CheckIn)
    {
        match item.status {
            TimelineStatus::Done => check_ins.kept += 1,
            TimelineStatus::Missed => check_ins.missed += 1,
            TimelineStatus::Cancelled => check_ins.cancelled += 1,
            TimelineStatus::Scheduled if item.overdue => check_ins.overdue += 1,
            TimelineStatus::Scheduled => {
                check_ins.upcoming += 1;
                if check_ins.next_on.is_none_or(|n| item.scheduled_on < n) {
                    check_ins.next_on = Some(item.scheduled_on);
                }
            }
        }
    }
    AgreementSummary {
        days_to_end: (export.agreement.end_date - today).num_days(),
        agreement: export.agreement,
        responsibilities,
        check_ins,
        investment: export.investment,
        activities: export.activities,
    }
}

/// An agreement page in one call: status, days to end, responsibilities by status and
/// overdue, check-ins kept vs missed vs upcoming, investment balance, activity totals.
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404,
/// and a partner account's activity totals count only its own partner's activities. Overdue
/// items and `days_to_end` are judged against today (UTC).
#[utoipa::path(tag = "agreements", params(AgreementPath),
    responses((status = 200, description = "The summary", body = AgreementSummary)))]
#[get("/agreements/{id}/summary")]
pub async fn agreement_summary(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let export = gather(&pool, caller, path.into_inner().id).await?;
    Ok(HttpResponse::Ok().json(summarise(export)))
}

platform::text_enum! {
    /// The form of an export.
    pub enum ExportFormat {
        Json => "json",
        Csv => "csv",
        Markdown => "markdown",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json`, `csv` or `markdown`; by default chosen from `Accept` (`text/csv`,
    /// `text/markdown`), else JSON.
    pub format: Option<ExportFormat>,
}

fn csv_rows(export: &AgreementExport) -> Result<Vec<u8>, ApiError> {
    let fail = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(fail)?;
    let mut rows = agreement_rows(&export.agreement);
    rows.extend(responsibility_rows(&export.responsibilities));
    rows.extend(timeline_rows(&export.timeline));
    rows.extend(investment_rows(&export.investment.lines));
    let act = &export.activities;
    let detail = format!(
        "{} activities; {} hours; {} students and {} families reached",
        act.activities, act.hours, act.students_reached, act.families_reached
    );
    rows.push(detail_row("activities", "total", "", &detail));
    for cells in rows {
        out.write_record(cells.iter().map(|c| inert(c).into_owned()))
            .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))
}

/// The columns of the CSV export.
const CSV_HEADER: [&str; 9] = [
    "section",
    "item",
    "party",
    "date",
    "status",
    "detail",
    "committed",
    "delivered",
    "unit",
];

/// One line of the CSV export, in `CSV_HEADER`'s order.
type CsvRow = [String; 9];

/// A line that says something about `item` of `section` in its detail alone.
fn detail_row(section: &str, item: &str, party: &str, detail: &str) -> CsvRow {
    let mut cells = CsvRow::default();
    cells[0] = section.to_owned();
    cells[1] = item.to_owned();
    cells[2] = party.to_owned();
    cells[5] = detail.to_owned();
    cells
}

/// The agreement itself: title and status, period, purpose, vision, outcomes, contributions.
fn agreement_rows(a: &Agreement) -> Vec<CsvRow> {
    let mut title = detail_row("agreement", "title", "", &a.title);
    title[4] = a.status.as_str().to_owned();
    let mut period = detail_row(
        "agreement",
        "period",
        "",
        &format!("{} to {}", a.start_date, a.end_date),
    );
    period[3] = a.start_date.to_string();
    let mut rows = vec![
        title,
        period,
        detail_row(
            "agreement",
            "purpose",
            "",
            a.purpose.as_deref().unwrap_or(""),
        ),
        detail_row(
            "agreement",
            "shared_vision",
            "",
            a.shared_vision.as_deref().unwrap_or(""),
        ),
    ];
    for (n, outcome) in a.desired_outcomes.iter().enumerate() {
        rows.push(detail_row("outcome", &(n + 1).to_string(), "", outcome));
    }
    for (n, c) in a.contributions.iter().enumerate() {
        let item = (n + 1).to_string();
        rows.push(detail_row(
            "contribution",
            &item,
            c.party.as_str(),
            &c.description,
        ));
    }
    rows
}

fn responsibility_rows(responsibilities: &[Responsibility]) -> Vec<CsvRow> {
    responsibilities
        .iter()
        .map(|r| {
            let (committed, delivered, unit) = match &r.investment {
                Some(i) => (
                    i.committed.to_string(),
                    i.delivered.to_string(),
                    i.unit.clone().unwrap_or_else(|| i.kind.as_str().to_owned()),
                ),
                None => Default::default(),
            };
            [
                "responsibility".to_owned(),
                r.id.clone(),
                r.party.as_str().to_owned(),
                r.due_on.map(|d| d.to_string()).unwrap_or_default(),
                r.status.as_str().to_owned(),
                r.description.clone(),
                committed,
                delivered,
                unit,
            ]
        })
        .collect()
}

fn timeline_rows(timeline: &[TimelineItem]) -> Vec<CsvRow> {
    timeline
        .iter()
        .map(|t| {
            let mut cells = detail_row("timeline", &t.id, "", &format!("{}: {}", t.kind, t.title));
            cells[3] = t.scheduled_on.to_string();
            cells[4] = t.status.as_str().to_owned();
            cells
        })
        .collect()
}

fn investment_rows(lines: &[InvestmentLine]) -> Vec<CsvRow> {
    lines
        .iter()
        .map(|line| {
            let mut cells = detail_row("investment", line.kind.as_str(), line.party.as_str(), "");
            cells[6] = line.committed.to_string();
            cells[7] = line.delivered.to_string();
            cells[8] = line.kind.as_str().to_owned();
            cells
        })
        .collect()
}

/// User text as inert Markdown: every character that starts markup is backslash-escaped, so
/// no HTML, image beacon, link or heading comes through; URLs are broken with a zero-width space
/// so renderers do not autolink them (links to other hosts would otherwise reach every front
/// end that renders the export). Line breaks are kept.
fn inert_markdown(text: &str) -> String {
    const MEANINGFUL: &str = "\\`*_{}[]()#!|<>&~";
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, &c) in chars.iter().enumerate() {
        // `scheme://` and `www.` start GFM autolinks whatever is escaped around them.
        let scheme = c == '/' && i >= 1 && chars[i - 1] == ':';
        let www =
            c == '.' && i >= 3 && chars[i - 3..i].iter().all(|p| p.eq_ignore_ascii_case(&'w'));
        if scheme || www {
            out.push('\u{200B}');
        }
        if MEANINGFUL.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text in a Markdown table cell: inert, on one line.
fn cell(text: &str) -> String {
    line(text)
}

/// Text on one line of Markdown (titles, list items): inert, no line breaks.
fn line(text: &str) -> String {
    inert_markdown(&text.replace(['\r', '\n'], " "))
}

fn markdown(export: &AgreementExport) -> String {
    use std::fmt::Write;
    let a = &export.agreement;
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", line(&a.title));
    let _ = writeln!(
        md,
        "Status: **{}** · {} to {} · review {} · exported {}\n",
        a.status, a.start_date, a.end_date, a.review_cadence, export.exported_on
    );
    for (heading, text) in [
        ("Purpose", &a.purpose),
        ("Shared vision", &a.shared_vision),
        ("Processes", &a.processes),
    ] {
        if let Some(text) = text {
            let _ = writeln!(md, "## {heading}\n\n{}\n", inert_markdown(text));
        }
    }
    if !a.desired_outcomes.is_empty() {
        let _ = writeln!(md, "## Desired outcomes\n");
        for o in &a.desired_outcomes {
            let _ = writeln!(md, "- {}", line(o));
        }
        md.push('\n');
    }
    if !a.contributions.is_empty() {
        let _ = writeln!(md, "## What each party brings\n");
        for c in &a.contributions {
            let _ = writeln!(md, "- **{}**: {}", c.party, line(&c.description));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Responsibilities\n\n| Party | Responsibility | Due | Status | Committed | Delivered |\n|---|---|---|---|---|---|");
    for r in &export.responsibilities {
        let (c, d) = r
            .investment
            .as_ref()
            .map_or((String::new(), String::new()), |i| {
                let unit = cell(&i.unit.clone().unwrap_or_else(|| i.kind.as_str().to_owned()));
                (
                    format!("{} {unit}", i.committed),
                    format!("{} {unit}", i.delivered),
                )
            });
        let due = r.due_on.map(|d| d.to_string()).unwrap_or_default();
        let overdue = if r.overdue { " (overdue)" } else { "" };
        let _ = writeln!(
            md,
            "| {} | {} | {due} | {}{overdue} | {c} | {d} |",
            r.party,
            cell(&r.description),
            r.status
        );
    }
    let _ = writeln!(
        md,
        "\n## Timeline\n\n| Date | Kind | Title | Status |\n|---|---|---|---|"
    );
    for t in &export.timeline {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            t.scheduled_on,
            t.kind,
            cell(&t.title),
            t.status
        );
    }
    let _ = writeln!(md, "\n## Investment balance\n");
    for b in &export.investment.balance {
        let shares: Vec<String> = b
            .shares
            .iter()
            .map(|s| {
                format!(
                    "{} {:.0}% committed, {:.0}% delivered",
                    s.party,
                    s.committed_share * 100.0,
                    s.delivered_share * 100.0
                )
            })
            .collect();
        let _ = writeln!(
            md,
            "- **{}**: {} committed, {} delivered — {}",
            b.kind,
            b.committed,
            b.delivered,
            shares.join("; ")
        );
    }
    let act = &export.activities;
    let _ = writeln!(
        md,
        "\n## Activities\n\n{} activities, {} hours, {} students and {} families reached.",
        act.activities, act.hours, act.students_reached, act.families_reached
    );
    md
}

/// Export an agreement with its responsibilities, timeline, investment, activity totals and
/// transitions, as JSON, CSV or printable Markdown.
///
/// Needs `agreements:read`; an agreement a partner account's partner is not part of is 404,
/// and a partner account's activity totals count only its own partner's activities. `format`
/// wins over `Accept`. CSV comes as an attachment; in Markdown, text the parties wrote is
/// escaped so it shows as written and never as links or markup.
#[utoipa::path(tag = "agreements", params(AgreementPath, ExportQuery),
    responses((status = 200, description = "The export", content(
        (AgreementExport = "application/json"),
        (String = "text/csv"),
        (String = "text/markdown"),
    ))))]
#[get("/agreements/{id}/export")]
pub async fn export_agreement(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementPath>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let format = query
        .format
        .unwrap_or(if negotiate::accepts(&req, "text/csv") {
            ExportFormat::Csv
        } else if negotiate::accepts(&req, "text/markdown") {
            ExportFormat::Markdown
        } else {
            ExportFormat::Json
        });
    let export = gather(&pool, caller, path.into_inner().id).await?;
    let name = format!("agreement-{}", export.agreement.id);
    Ok(match format {
        ExportFormat::Json => HttpResponse::Ok().json(export),
        ExportFormat::Csv => negotiate::csv(Some(&format!("{name}.csv"))).body(csv_rows(&export)?),
        ExportFormat::Markdown => HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.md\""),
            ))
            .body(markdown(&export)),
    })
}

#[cfg(test)]
mod markdown_tests {
    use super::inert_markdown as inert;

    #[test]
    fn user_text_is_inert() {
        let hostile = "<img src=x onerror=alert(1)> [click](https://evil.example) ![b](http://e/p.gif) <https://evil.example> www.evil.example # Heading";
        let out = inert(hostile);
        // Every character with Markdown meaning is escaped, so none of it is markup.
        let chars: Vec<char> = out.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if "<>[]()!#&".contains(*c) {
                assert_eq!(chars[i - 1], '\\', "{c} at {i} in {out}");
            }
        }
        for live in ["https://", "http://", "www."] {
            assert!(!out.contains(live), "{live} in {out}");
        }
        assert_eq!(inert("a|b\\c"), "a\\|b\\\\c");
        assert_eq!(inert("Plain words 42"), "Plain words 42");
    }
}
