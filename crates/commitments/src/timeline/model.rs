use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, TimelineFilter, TimelineRow};
use auth::Scope;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{today, DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// What a timeline item marks.
    pub enum TimelineKind {
        Kickoff => "kickoff",
        CheckIn => "check_in",
        Milestone => "milestone",
        Event => "event",
        Exhibition => "exhibition",
        Review => "review",
        Renewal => "renewal",
    }
}

platform::text_enum! {
    /// Where a timeline item stands; one still `scheduled` after its date is overdue.
    pub enum TimelineStatus {
        Scheduled => "scheduled",
        Done => "done",
        Missed => "missed",
        Cancelled => "cancelled",
    }
}

platform::text_enum! {
    /// How a desired outcome is going.
    pub enum Progress {
        NotStarted => "not_started",
        OnTrack => "on_track",
        AtRisk => "at_risk",
        OffTrack => "off_track",
        Achieved => "achieved",
    }
}

/// Overdue: still scheduled after its date.
pub fn is_overdue(status: TimelineStatus, scheduled_on: NaiveDate, today: NaiveDate) -> bool {
    status == TimelineStatus::Scheduled && scheduled_on < today
}

/// The writable fields of a timeline item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "exhibition", "title": "Spring exhibition of student work", "scheduled_on": "2027-05-20", "status": "scheduled"}))]
pub struct TimelineItemInput {
    /// What the item marks.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = TimelineKind, required = true)]
    pub kind: Option<TimelineKind>,
    /// A short title, on one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// The day it is planned for.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub scheduled_on: Option<NaiveDate>,
    /// Defaults to `scheduled`.
    #[serde(default)]
    pub status: Option<TimelineStatus>,
    /// Notes on the item; what happened at it is recorded with `PUT …/{id}/check-in` instead.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// The partner whose place it is held at (the power of place).
    #[serde(default, deserialize_with = "trimmed")]
    pub host_partner_id: Option<String>,
    /// Where it is held.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub venue: Option<String>,
}

/// Progress toward one desired outcome, as discussed at a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeProgress {
    /// The outcome discussed, in words; not checked against the agreement's `desired_outcomes`.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub outcome: String,
    /// How it is going.
    pub status: Progress,
    /// What was said about it.
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

fn attendees_valid(attendees: &[String]) -> Result<(), validator::ValidationError> {
    if attendees
        .iter()
        .all(|a| (1..=200).contains(&a.trim().chars().count()))
    {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("length");
        e.message = Some("every attendee must be 1 to 200 characters".into());
        Err(e)
    }
}

/// What was said and decided at a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "attendees": ["Dana Whitcomb (museum)", "Jo Ramos (school liaison)"],
    "notes": "Curators reviewed 40 drafts.",
    "progress": [{"outcome": "90% of 8th graders exhibit", "status": "on_track", "note": "36 of 40 on schedule"}],
    "challenges": "Bus availability for the gallery visit.",
    "adjustments": "Move the visit to the afternoon slot.",
    "next_steps": "Confirm buses by March 1."
}))]
pub struct CheckInRecord {
    /// Who attended, one person per item (such as a name and affiliation), 1 to 200 characters.
    #[serde(default)]
    #[validate(length(max = 50), custom(function = "attendees_valid"))]
    #[schema(max_items = 50)]
    pub attendees: Vec<String>,
    /// What was said.
    #[serde(default)]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Progress toward the desired outcomes discussed, one item per outcome.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub progress: Vec<OutcomeProgress>,
    /// Problems raised.
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub challenges: Option<String>,
    /// Changes to the plan agreed on.
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub adjustments: Option<String>,
    /// What happens next, and who does it.
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub next_steps: Option<String>,
}
/// A dated item on an agreement's timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0b01",
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
    "kind": "check_in",
    "title": "Quarterly check-in",
    "scheduled_on": "2026-12-01",
    "status": "done",
    "overdue": false,
    "generated": true,
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
    "venue": "Kennebec River Museum, education room",
    "version": 3,
    "created_at": "2026-08-20T15:42:10.482913Z",
    "updated_at": "2026-12-01T18:05:31.207746Z"
}))]
pub struct TimelineItem {
    /// The item's id.
    pub id: String,
    /// The agreement whose timeline it is on.
    pub agreement_id: String,
    /// What the item marks.
    pub kind: TimelineKind,
    /// A short title.
    pub title: String,
    /// The day it is planned for.
    pub scheduled_on: NaiveDate,
    /// Where it stands.
    pub status: TimelineStatus,
    /// Still scheduled after its date.
    pub overdue: bool,
    /// Made by the service at the review cadence when the agreement became active.
    pub generated: bool,
    /// Notes on the item; `null` if none.
    pub notes: Option<String>,
    /// The record of a held check-in.
    pub check_in: Option<CheckInRecord>,
    /// The partner whose place it is held at; `null` if none.
    pub host_partner_id: Option<String>,
    /// Where it is held; `null` if not given.
    pub venue: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TimelineItem {
    pub fn from_row(row: TimelineRow, today: NaiveDate) -> Result<Self, ApiError> {
        let status = stored(TimelineStatus::parse(&row.status), "status", &row.status)?;
        Ok(TimelineItem {
            kind: stored(TimelineKind::parse(&row.kind), "kind", &row.kind)?,
            overdue: is_overdue(status, row.scheduled_on, today),
            status,
            check_in: row
                .check_in
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| ApiError::Internal(format!("stored check-in is not valid: {e}")))?,
            id: row.id,
            agreement_id: row.agreement_id,
            title: row.title,
            scheduled_on: row.scheduled_on,
            generated: row.generated,
            notes: row.notes,
            host_partner_id: row.host_partner_id,
            venue: row.venue,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

impl CheckInRecord {
    /// The item, done, holding this record.
    pub fn apply(&self, current: &TimelineRow) -> Result<TimelineRow, ApiError> {
        check_all(self, Vec::new())?;
        let stamp = current.stamp().bumped();
        Ok(TimelineRow {
            status: TimelineStatus::Done.as_str().to_owned(),
            check_in: Some(
                serde_json::to_string(self).map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
            version: stamp.version,
            updated_at: stamp.updated_at,
            ..current.clone()
        })
    }
}

platform::sort_enum! {
    /// Order of a timeline: by `scheduled_on` (the default), or by time of change.
    pub enum TimelineSort default ScheduledOn {
        ScheduledOn => "scheduled_on": Date;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /agreements/{agreement_id}/timeline`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Only items of this kind.
    pub kind: Option<TimelineKind>,
    /// Only items with this status.
    pub status: Option<TimelineStatus>,
    /// Only items still scheduled after their date (true), or only the others (false).
    pub overdue: Option<bool>,
    /// Items on or after this date.
    pub from: Option<NaiveDate>,
    /// Items on or before this date.
    pub to: Option<NaiveDate>,
}

/// Timeline items, under their agreement.
pub struct TimelineItems;

impl Resource for TimelineItems {
    const TOPIC: Topic = Topic::published("timeline_item");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("agreement_id", "agreement"));

    type Row = TimelineRow;
    type Input = TimelineItemInput;
    type Output = TimelineItem;
    type Filter = TimelineQuery;
    type Sort = TimelineSort;

    fn represent(row: TimelineRow) -> Result<TimelineItem, ApiError> {
        TimelineItem::from_row(row, today())
    }

    fn writable(row: &TimelineRow) -> Result<TimelineItemInput, ApiError> {
        Ok(TimelineItemInput {
            kind: TimelineKind::parse(&row.kind),
            title: Some(row.title.clone()),
            scheduled_on: Some(row.scheduled_on),
            status: TimelineStatus::parse(&row.status),
            notes: row.notes.clone(),
            host_partner_id: row.host_partner_id.clone(),
            venue: row.venue.clone(),
        })
    }

    fn check(input: &TimelineItemInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    /// Whether the item was generated and its check-in record stay as they were.
    fn build(
        _conn: &mut DbConnection,
        input: TimelineItemInput,
        place: &Collection,
        stamp: Stamp,
        current: Option<&TimelineRow>,
        _ctx: &CallerContext,
    ) -> Result<TimelineRow, ApiError> {
        Ok(TimelineRow {
            id: stamp.id,
            agreement_id: place.parent()?.to_owned(),
            kind: input
                .kind
                .unwrap_or(TimelineKind::Milestone)
                .as_str()
                .to_owned(),
            title: input.title.unwrap_or_default(),
            scheduled_on: input.scheduled_on.unwrap_or_default(),
            status: input
                .status
                .unwrap_or(TimelineStatus::Scheduled)
                .as_str()
                .to_owned(),
            generated: current.is_some_and(|c| c.generated),
            notes: input.notes,
            check_in: current.and_then(|c| c.check_in.clone()),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
            host_partner_id: input.host_partner_id,
            venue: input.venue,
        })
    }

    /// The host partner exists.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&TimelineRow>,
        after: &TimelineRow,
    ) -> Result<(), ApiError> {
        pipeline::references::References::new()
            .to::<directory::partners::PartnerRow>(
                conn,
                "host_partner_id",
                "partner",
                after.host_partner_id.as_deref(),
            )?
            .done()
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        crate::agreements::access::authorize(conn, ctx.caller, place.parent()?, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: TimelineQuery,
        page: &PageRequest,
    ) -> Result<Vec<TimelineRow>, ApiError> {
        let filter = TimelineFilter {
            kind: query.kind.map(TimelineKind::as_str),
            status: query.status.map(TimelineStatus::as_str),
            overdue_on: query.overdue.map(|overdue| (overdue, today())),
            from: query.from,
            to: query.to,
        };
        Ok(store::page(
            conn,
            place.parent()?,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }
}
