//! Committee meetings: their wire types and rules.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, MeetingFilter, MeetingRow};
use auth::Scope;
use directory::partners::PartnerRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

fn decisions_valid(decisions: &[String]) -> Result<(), validator::ValidationError> {
    platform::http::text::each_within(decisions, 2000, false)
}

fn decisions_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::described(
        platform::http::text::text_list_schema(100, 2000, false),
        "What was decided, one item each (1 to 2,000 characters, at most 100).",
    )
}

/// The writable fields of a meeting.
///
/// Across fields: every attendee is a member of the committee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2027-02-04", "venue": "Riverside Library, room 2",
    "host_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "agenda": "1. Family survey results\n2. Spring events",
    "decisions": ["Hold the spring family night at the library"], "guests": 4}))]
pub struct MeetingInput {
    /// The day of the meeting (`YYYY-MM-DD`); a planned meeting's may be in the future.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub held_on: Option<NaiveDate>,
    /// Where it meets.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub venue: Option<String>,
    /// The partner whose place it meets at.
    #[serde(default, deserialize_with = "trimmed")]
    pub host_partner_id: Option<String>,
    /// What is to be discussed, as text; optional.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub agenda: Option<String>,
    /// The record of what was said, once the meeting is held; optional.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 50000))]
    #[schema(max_length = 50000)]
    pub minutes: Option<String>,
    /// What was decided, one item each (1 to 2,000 characters, at most 100).
    #[serde(default)]
    #[validate(length(max = 100), custom(function = "decisions_valid"))]
    #[schema(schema_with = decisions_schema)]
    pub decisions: Option<Vec<String>>,
    /// The members who came (their ids); a set.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub attendees: Option<Vec<String>>,
    /// How many others came (not members).
    #[serde(default)]
    #[validate(range(max = 10000))]
    #[schema(maximum = 10000)]
    pub guests: Option<u32>,
}

/// A committee meeting.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-3d4e-7f5a-8b6c-7d8e9f0a1b2c",
    "committee_id": "0193a1f3-1b2c-7d3e-9f4a-5b6c7d8e9f01",
    "held_on": "2026-11-19",
    "venue": "Kennebec River Museum, education room",
    "host_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "agenda": "1. Family survey results\n2. Spring family night",
    "minutes": "Jo Ramos shared the family survey: 212 replies, most asking for evening events.",
    "decisions": ["Hold the spring family night at the museum on 2027-04-08"],
    "attendees": ["0193a1f3-2c3d-7e4f-8a5b-6c7d8e9f0a21", "0193a1f3-2c3d-7e4f-8a5b-6c7d8e9f0a22",
        "0193a1f3-2c3d-7e4f-8a5b-6c7d8e9f0a23"],
    "guests": 3,
    "version": 2,
    "created_at": "2026-11-05T17:12:40.551027Z",
    "updated_at": "2026-11-20T14:31:08.907316Z"
}))]
pub struct Meeting {
    /// The meeting's id (a UUID).
    pub id: String,
    /// The committee that met.
    pub committee_id: String,
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// Where it meets; `null` when not given.
    pub venue: Option<String>,
    /// The partner whose place it meets at; `null` when none.
    pub host_partner_id: Option<String>,
    /// What is to be discussed; `null` when not written.
    pub agenda: Option<String>,
    /// The minutes; `null` until written.
    pub minutes: Option<String>,
    /// What was decided, one item each; may be empty.
    pub decisions: Vec<String>,
    /// The members who came.
    pub attendees: Vec<String>,
    /// How many others (not members) came.
    pub guests: u32,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the meeting was recorded (UTC).
    pub created_at: DateTime<Utc>,
    /// When the record last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("stored meeting {what} cannot be read: {e}"))
}

fn to_json(items: &[String]) -> Result<String, ApiError> {
    serde_json::to_string(items).map_err(|e| ApiError::Internal(format!("cannot store: {e}")))
}

platform::sort_enum! {
    /// Order of the meetings: newest first (the default), or by time of change.
    pub enum MeetingSort default HeldOnDesc {
        HeldOnDesc => "-held_on": Date desc;
        HeldOn => "held_on": Date;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /committees/{committee_id}/meetings`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only meetings on or after this day.
    pub from: Option<NaiveDate>,
    /// Only meetings on or before this day.
    pub to: Option<NaiveDate>,
    /// Only meetings at this partner's place.
    pub host_partner_id: Option<String>,
}

pub struct Meetings;

impl Resource for Meetings {
    const TOPIC: Topic = Topic::published("committee_meeting");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("committee_id", "committee"));

    type Row = MeetingRow;
    type Input = MeetingInput;
    type Output = Meeting;
    type Filter = MeetingQuery;
    type Sort = MeetingSort;

    fn represent(row: MeetingRow) -> Result<Meeting, ApiError> {
        Ok(Meeting {
            decisions: serde_json::from_str(&row.decisions).map_err(|e| corrupt("decisions", e))?,
            attendees: serde_json::from_str(&row.attendees).map_err(|e| corrupt("attendees", e))?,
            guests: u32::try_from(row.guests).map_err(|e| corrupt("guests", e))?,
            id: row.id,
            committee_id: row.committee_id,
            held_on: row.held_on,
            venue: row.venue,
            host_partner_id: row.host_partner_id,
            agenda: row.agenda,
            minutes: row.minutes,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &MeetingRow) -> Result<MeetingInput, ApiError> {
        let m = Self::represent(row.clone())?;
        Ok(MeetingInput {
            held_on: Some(m.held_on),
            venue: m.venue,
            host_partner_id: m.host_partner_id,
            agenda: m.agenda,
            minutes: m.minutes,
            decisions: Some(m.decisions),
            attendees: Some(m.attendees),
            guests: Some(m.guests),
        })
    }

    fn check(input: &MeetingInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: MeetingInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&MeetingRow>,
        _ctx: &CallerContext,
    ) -> Result<MeetingRow, ApiError> {
        let decisions: Vec<String> = input
            .decisions
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.trim().to_owned())
            .collect();
        // A set, kept in a fixed order so an unchanged PUT keeps the version.
        let attendees: Vec<String> = input
            .attendees
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(MeetingRow {
            id: stamp.id,
            committee_id: place.parent()?.to_owned(),
            held_on: input.held_on.unwrap_or_default(),
            venue: input.venue,
            host_partner_id: input.host_partner_id,
            agenda: input.agenda,
            minutes: input.minutes,
            decisions: to_json(&decisions)?,
            attendees: to_json(&attendees)?,
            guests: i32::try_from(input.guests.unwrap_or(0)).unwrap_or(i32::MAX),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        crate::committees::access::authorize(conn, ctx, place, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: MeetingQuery,
        page: &PageRequest,
    ) -> Result<Vec<MeetingRow>, ApiError> {
        let filter = MeetingFilter {
            from: query.from,
            to: query.to,
            host_partner_id: query.host_partner_id,
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

    /// The host partner exists; every attendee is a member of this committee.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&MeetingRow>,
        after: &MeetingRow,
    ) -> Result<(), ApiError> {
        let mut references = References::new();
        references.to::<PartnerRow>(
            conn,
            "host_partner_id",
            "partner",
            after.host_partner_id.as_deref(),
        )?;
        let attendees: Vec<String> =
            serde_json::from_str(&after.attendees).map_err(|e| corrupt("attendees", e))?;
        let ids: Vec<String> = attendees
            .iter()
            .filter(|a| platform::db::sql::is_id(a))
            .cloned()
            .collect();
        let members: BTreeSet<String> =
            crate::committee_members::store::of_committee(conn, &after.committee_id, &ids)?
                .into_iter()
                .collect();
        for (i, a) in attendees.iter().enumerate() {
            if !members.contains(a) {
                references.push(FieldError::new(
                    format!("attendees[{i}]"),
                    "not_a_member",
                    format!("{a:?} is not a member of this committee"),
                ));
            }
        }
        references.done()
    }
}
