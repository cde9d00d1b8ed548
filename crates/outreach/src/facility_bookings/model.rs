//! Facility bookings: their wire types and rules. A partner asks for a slot for itself and
//! may cancel it; staff of the facility's school (and administrators) ask for partners and
//! community groups, and approve or decline. Approved bookings of a facility never overlap.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, BookingFilter, BookingRow};
use crate::facilities::store::FacilityRow;
use auth::{Caller, Role, Scope};
use directory::partners::PartnerRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// Where a booking stands: asked for, then approved or declined; a request or an approved
    /// booking may be cancelled.
    pub enum BookingStatus {
        Requested => "requested",
        Approved => "approved",
        Declined => "declined",
        Cancelled => "cancelled",
    }
}

/// The longest slot one booking holds.
pub const MAX_DAYS: i64 = 14;

/// The writable fields of a booking.
///
/// Across fields: exactly one of `partner_id` and `group_name`; `ends_at` is after
/// `starts_at`, at most 14 days later; `status` moves requested → approved, declined or
/// cancelled, and approved → cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"facility_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "group_name": "Oak Street Neighbourhood Association", "contact": "Sam Lee, 207-555-0142",
    "purpose": "Monthly neighbourhood meeting", "starts_at": "2027-02-03T23:00:00Z",
    "ends_at": "2027-02-04T01:00:00Z", "expected_attendance": 40}))]
pub struct BookingInput {
    /// The facility asked for; must exist, and cannot change once the booking is made.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub facility_id: Option<String>,
    /// The partner asking (a partner account asks for itself).
    #[serde(default, deserialize_with = "trimmed")]
    pub partner_id: Option<String>,
    /// A community group without an account, asking through the school.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub group_name: Option<String>,
    /// How to reach the requester; never shown publicly.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub contact: Option<String>,
    /// What the space is wanted for.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 2000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub purpose: Option<String>,
    /// When the slot begins (RFC 3339; kept in UTC).
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = DateTime<Utc>, required = true)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When the slot ends: after `starts_at`, at most 14 days later.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = DateTime<Utc>, required = true)]
    pub ends_at: Option<DateTime<Utc>>,
    /// How many people are expected; not above the facility's capacity while the booking holds.
    #[serde(default)]
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub expected_attendance: Option<u32>,
    /// `requested` when left out.
    #[serde(default)]
    pub status: Option<BookingStatus>,
}

impl BookingInput {
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.partner_id.is_some() == self.group_name.is_some() {
            problems.push(FieldError::new(
                "group_name",
                "exactly_one",
                "a booking is asked for by a partner_id or a group_name: exactly one of them",
            ));
        }
        for (field, at) in [("starts_at", self.starts_at), ("ends_at", self.ends_at)] {
            if at.is_some_and(|at| !platform::db::plausible(at)) {
                problems.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("{field} must have a four-digit year"),
                ));
            }
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at) {
            if ends <= starts {
                problems.push(FieldError::new(
                    "ends_at",
                    "before_start",
                    "ends_at must be after starts_at",
                ));
            } else if ends - starts > Duration::days(MAX_DAYS) {
                problems.push(FieldError::new(
                    "ends_at",
                    "too_long",
                    format!("a booking holds at most {MAX_DAYS} days"),
                ));
            }
        }
        problems
    }
}

/// Whether a booking may move from `from` to `to`.
pub fn may_move(from: BookingStatus, to: BookingStatus) -> bool {
    use BookingStatus::*;
    from == to
        || matches!(
            (from, to),
            (Requested, Approved | Declined | Cancelled) | (Approved, Cancelled)
        )
}

/// A booking.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-7b8c-7d9e-8f0a-1b2c3d4e5f6a",
    "facility_id": "0193a1f3-6a7b-7c8d-9e9f-0a1b2c3d4e5f",
    "partner_id": null,
    "group_name": "Oak Street Neighbourhood Association",
    "contact": "Sam Lee, 207-555-0142",
    "purpose": "Monthly neighbourhood meeting",
    "starts_at": "2027-02-03T23:00:00Z",
    "ends_at": "2027-02-04T01:00:00Z",
    "hours": 2.0,
    "expected_attendance": 40,
    "status": "approved",
    "version": 2,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-24T14:05:31.204518Z"
}))]
pub struct Booking {
    /// The booking's id (a UUID).
    pub id: String,
    /// The facility booked.
    pub facility_id: String,
    /// The partner asking; `null` when a community group asks.
    pub partner_id: Option<String>,
    /// The community group asking; `null` when a partner asks.
    pub group_name: Option<String>,
    /// How to reach the requester; `null` when not given.
    pub contact: Option<String>,
    /// What the space is wanted for.
    pub purpose: String,
    /// When the slot begins (UTC).
    pub starts_at: DateTime<Utc>,
    /// When the slot ends (UTC).
    pub ends_at: DateTime<Utc>,
    /// The slot's length in hours.
    pub hours: f64,
    /// How many people are expected; `null` when not given.
    pub expected_attendance: Option<u32>,
    /// `requested`, `approved`, `declined` or `cancelled`.
    pub status: BookingStatus,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the booking was asked for (UTC).
    pub created_at: DateTime<Utc>,
    /// When the booking last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// Hours between two instants.
pub fn hours_between(starts: chrono::NaiveDateTime, ends: chrono::NaiveDateTime) -> f64 {
    (ends - starts).num_seconds() as f64 / 3600.0
}

platform::sort_enum! {
    /// Order of the bookings: soonest start first (the default), or by time of change.
    pub enum BookingSort default StartsAt {
        StartsAt => "starts_at": Date;
        StartsAtDesc => "-starts_at": Date desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /facility-bookings`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    /// Only bookings of this facility.
    pub facility_id: Option<String>,
    /// Bookings of this school's facilities.
    pub school_id: Option<String>,
    /// Only bookings in this status.
    #[param(inline)]
    pub status: Option<BookingStatus>,
    /// Only this partner's bookings (a partner account asking for another gets none).
    pub partner_id: Option<String>,
    /// Only bookings that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only bookings that start before this instant.
    pub to: Option<DateTime<Utc>>,
}

fn status_of(row: &BookingRow) -> Result<BookingStatus, ApiError> {
    BookingStatus::parse(&row.status)
        .ok_or_else(|| ApiError::Internal(format!("stored booking status {:?}", row.status)))
}

fn facility_of(conn: &mut DbConnection, row: &BookingRow) -> Result<FacilityRow, ApiError> {
    FacilityRow::find_key(conn, &row.facility_id)?.ok_or_else(|| {
        ApiError::field(
            "facility_id",
            "not_found",
            "facility_id must be the id of an existing facility",
        )
    })
}

/// A partner changes only its own bookings; staff, those of their schools' facilities.
fn may_touch(conn: &mut DbConnection, caller: &Caller, row: &BookingRow) -> Result<(), ApiError> {
    match caller.role {
        Role::Partner => match (&caller.partner_id, &row.partner_id) {
            (Some(own), Some(theirs)) if own == theirs => Ok(()),
            _ => Err(ApiError::Forbidden(
                "a partner asks for and cancels its own bookings only".into(),
            )),
        },
        Role::Staff => {
            let facility = facility_of(conn, row)?;
            caller.check_schools(std::slice::from_ref(&facility.school_id))
        }
        _ => Ok(()),
    }
}

pub struct Bookings;

impl Resource for Bookings {
    const TOPIC: Topic = Topic::published("facility_booking");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = BookingRow;
    type Input = BookingInput;
    type Output = Booking;
    type Filter = BookingQuery;
    type Sort = BookingSort;

    fn represent(row: BookingRow) -> Result<Booking, ApiError> {
        Ok(Booking {
            status: status_of(&row)?,
            hours: hours_between(row.starts_at, row.ends_at),
            expected_attendance: row.expected_attendance.and_then(|n| u32::try_from(n).ok()),
            id: row.id,
            facility_id: row.facility_id,
            partner_id: row.partner_id,
            group_name: row.group_name,
            contact: row.contact,
            purpose: row.purpose,
            starts_at: row.starts_at.and_utc(),
            ends_at: row.ends_at.and_utc(),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &BookingRow) -> Result<BookingInput, ApiError> {
        let b = Self::represent(row.clone())?;
        Ok(BookingInput {
            facility_id: Some(b.facility_id),
            partner_id: b.partner_id,
            group_name: b.group_name,
            contact: b.contact,
            purpose: Some(b.purpose),
            starts_at: Some(b.starts_at),
            ends_at: Some(b.ends_at),
            expected_attendance: b.expected_attendance,
            status: Some(b.status),
        })
    }

    fn check(input: &BookingInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    fn build(
        _conn: &mut DbConnection,
        input: BookingInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&BookingRow>,
        _ctx: &CallerContext,
    ) -> Result<BookingRow, ApiError> {
        Ok(BookingRow {
            id: stamp.id,
            facility_id: input.facility_id.unwrap_or_default(),
            partner_id: input.partner_id,
            group_name: input.group_name,
            contact: input.contact,
            purpose: input.purpose.unwrap_or_default(),
            starts_at: input.starts_at.unwrap_or_default().naive_utc(),
            ends_at: input.ends_at.unwrap_or_default().naive_utc(),
            expected_attendance: input
                .expected_attendance
                .and_then(|n| i32::try_from(n).ok()),
            status: input
                .status
                .unwrap_or(BookingStatus::Requested)
                .as_str()
                .to_owned(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner sees its own bookings.
    fn visible(caller: &Caller, row: &BookingRow) -> bool {
        caller
            .partner_scope()
            .is_none_or(|own| row.partner_id.as_deref() == Some(own.as_str()))
    }

    /// A partner asks for and cancels its own bookings with `agreements:read`.
    fn write_scope(caller: &Caller, _patch: Option<&serde_json::Value>) -> Scope {
        match caller.role {
            Role::Partner => Self::READ,
            _ => Self::WRITE,
        }
    }

    fn may_change(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &BookingRow,
    ) -> Result<(), ApiError> {
        may_touch(conn, ctx.caller, row)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: BookingQuery,
        page: &PageRequest,
    ) -> Result<Vec<BookingRow>, ApiError> {
        let own = ctx.caller.partner_scope();
        if own.is_some() && query.partner_id.is_some() && query.partner_id != own {
            return Ok(Vec::new());
        }
        if [query.from, query.to]
            .iter()
            .flatten()
            .any(|at| !platform::db::plausible(*at))
        {
            return Err(ApiError::BadRequest(
                "from and to must have four-digit years".into(),
            ));
        }
        let filter = BookingFilter {
            facility_id: query.facility_id,
            school_id: query.school_id,
            status: query.status.map(|s| s.as_str().to_owned()),
            partner_id: own.or(query.partner_id),
            from: query.from.map(|t| t.naive_utc()),
            to: query.to.map(|t| t.naive_utc()),
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The facility and partner exist; who may ask and answer; the status moves forward; an
    /// approved booking overlaps no other approved one of its facility.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&BookingRow>,
        after: &BookingRow,
    ) -> Result<(), ApiError> {
        References::new()
            .to::<PartnerRow>(conn, "partner_id", "partner", after.partner_id.as_deref())?
            .done()?;
        // Locked first: approvals of one facility take turns, so two cannot both pass the
        // overlap check (SQLite's writes take turns already).
        if !FacilityRow::lock(conn, &after.facility_id)? {
            return Err(ApiError::field(
                "facility_id",
                "not_found",
                "facility_id must be the id of an existing facility",
            ));
        }
        let facility = facility_of(conn, after)?;
        may_touch(conn, ctx.caller, after)?;
        let to = status_of(after)?;
        let from = match before {
            Some(b) => {
                if b.facility_id != after.facility_id {
                    return Err(ApiError::field(
                        "facility_id",
                        "immutable",
                        "a booking stays with its facility: ask for another",
                    ));
                }
                status_of(b)?
            }
            None => BookingStatus::Requested,
        };
        if !may_move(from, to) {
            return Err(ApiError::field(
                "status",
                "invalid_transition",
                format!(
                    "a booking moves requested → approved, declined or cancelled, and approved → cancelled; not {} → {}",
                    from.as_str(),
                    to.as_str()
                ),
            ));
        }
        if ctx.caller.role == Role::Partner {
            partner_may(before, after, from, to, facility.community_requestable)?;
        }
        fits(conn, &facility, after, to)?;
        Ok(())
    }

    /// Only a request is deleted; an answered booking is cancelled instead.
    fn before_delete(
        _conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &BookingRow,
    ) -> Result<(), ApiError> {
        match status_of(row)? {
            BookingStatus::Requested => Ok(()),
            _ => Err(ApiError::Conflict(
                "the booking was answered: cancel it instead (status: cancelled)".into(),
            )),
        }
    }
}

/// What a partner may do with a booking: ask for a slot, change it while it is requested,
/// and cancel it; the school approves or declines.
fn partner_may(
    before: Option<&BookingRow>,
    after: &BookingRow,
    from: BookingStatus,
    to: BookingStatus,
    community_requestable: bool,
) -> Result<(), ApiError> {
    let unchanged_slot = before.is_some_and(|b| {
        BookingRow {
            status: after.status.clone(),
            version: after.version,
            updated_at: after.updated_at,
            ..b.clone()
        } == *after
    });
    let allowed = match (before, to) {
        (None, BookingStatus::Requested) => true,
        (Some(_), BookingStatus::Requested) => from == BookingStatus::Requested,
        (Some(_), BookingStatus::Cancelled) => unchanged_slot,
        _ => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden(
            "a partner asks for a slot, changes it while it is requested, and cancels it; the school approves or declines".into(),
        ));
    }
    if before.is_none() && !community_requestable {
        return Err(ApiError::Conflict(
            "this facility is not open to community requests".into(),
        ));
    }
    Ok(())
}

/// A booking that holds its slot fits the facility's capacity, and an approved one overlaps
/// no other approved booking of the facility.
fn fits(
    conn: &mut DbConnection,
    facility: &FacilityRow,
    after: &BookingRow,
    to: BookingStatus,
) -> Result<(), ApiError> {
    let holds = matches!(to, BookingStatus::Requested | BookingStatus::Approved);
    if let (true, Some(expected), Some(capacity)) =
        (holds, after.expected_attendance, facility.capacity)
    {
        if expected > capacity {
            return Err(ApiError::field(
                "expected_attendance",
                "over_capacity",
                format!("the facility holds {capacity} people"),
            ));
        }
    }
    if to == BookingStatus::Approved {
        let clashes = store::approved_overlapping(
            conn,
            &after.facility_id,
            after.starts_at,
            after.ends_at,
            &after.id,
        )?;
        if let Some(clash) = clashes.first() {
            return Err(ApiError::Conflict(format!(
                "the facility is booked from {} to {} (booking {})",
                clash.starts_at.and_utc().to_rfc3339(),
                clash.ends_at.and_utc().to_rfc3339(),
                clash.id
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookings_move_forward_only() {
        use BookingStatus::*;
        assert!(may_move(Requested, Approved));
        assert!(may_move(Requested, Declined));
        assert!(may_move(Approved, Cancelled));
        assert!(!may_move(Declined, Approved));
        assert!(!may_move(Cancelled, Requested));
        assert!(!may_move(Approved, Requested));
    }
}
