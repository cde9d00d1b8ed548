use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::text::trimmed;

crate::text_enum! {
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

crate::text_enum! {
    pub enum TimelineStatus {
        Scheduled => "scheduled",
        Done => "done",
        Missed => "missed",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
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
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = TimelineKind, required = true)]
    pub kind: Option<TimelineKind>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub scheduled_on: Option<NaiveDate>,
    /// Defaults to `scheduled`.
    #[serde(default)]
    pub status: Option<TimelineStatus>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

/// Progress toward one desired outcome, as discussed at a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeProgress {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub outcome: String,
    pub status: Progress,
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
    #[serde(default)]
    #[validate(length(max = 50), custom(function = "attendees_valid"))]
    #[schema(max_items = 50)]
    pub attendees: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub progress: Vec<OutcomeProgress>,
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub challenges: Option<String>,
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub adjustments: Option<String>,
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub next_steps: Option<String>,
}
