//! The public view of facilities: those open to community requests, with their free and busy
//! times, and nothing about who booked them.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::FacilityKind;
use super::store::FacilityRow;

/// The longest window one request shows.
pub const MAX_WINDOW_DAYS: i64 = 62;
/// The window when none is asked for.
pub const DEFAULT_WINDOW_DAYS: i64 = 14;
/// The most facilities one answer lists (a district has far fewer).
pub const MAX_FACILITIES: i64 = 1000;

/// The parameters of `GET /public/facilities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicFacilitiesQuery {
    /// Only this school's facilities.
    pub school_id: Option<String>,
    /// The window's start (default: now).
    pub from: Option<DateTime<Utc>>,
    /// The window's end (default: 14 days after `from`; at most 62 days after it).
    pub to: Option<DateTime<Utc>>,
}

/// A stretch of time.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Interval {
    /// When it begins (UTC).
    pub starts_at: DateTime<Utc>,
    /// When it ends (UTC); always after `starts_at`.
    pub ends_at: DateTime<Utc>,
}

/// A facility the community may ask for, and when it is taken.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFacility {
    /// The school the space belongs to: what this list's `school_id` filter takes. (The
    /// facility's own id is not shown: booking requests are made signed in, from
    /// `/facilities`.)
    pub school_id: String,
    /// The school's name.
    pub school_name: String,
    /// The space's name.
    pub name: String,
    /// What kind of space it is.
    pub kind: FacilityKind,
    /// How many people it holds; `null` when not given.
    pub capacity: Option<u32>,
    /// Access for people with disabilities; `null` when not described.
    pub accessibility: Option<String>,
    /// The house rules; `null` when none are written.
    pub rules: Option<String>,
    /// Approved bookings within the window, merged where they touch.
    pub busy: Vec<Interval>,
    /// The rest of the window.
    pub free: Vec<Interval>,
}

/// The open facilities within a window.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2027-02-01T00:00:00Z",
    "to": "2027-02-15T00:00:00Z",
    "facilities": [
        {"school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1f",
            "school_name": "Gardiner Area High School", "name": "Cafeteria kitchen",
            "kind": "kitchen", "capacity": 30, "accessibility": null,
            "rules": "A school food-service staff member is present throughout",
            "busy": [],
            "free": [{"starts_at": "2027-02-01T00:00:00Z", "ends_at": "2027-02-15T00:00:00Z"}]},
        {"school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
            "school_name": "Gardiner Regional Middle School", "name": "North gym",
            "kind": "gym", "capacity": 250,
            "accessibility": "Step-free entrance on Oak Street; accessible restrooms",
            "rules": "No outdoor shoes on the court",
            "busy": [{"starts_at": "2027-02-03T23:00:00Z", "ends_at": "2027-02-04T01:00:00Z"},
                {"starts_at": "2027-02-10T22:00:00Z", "ends_at": "2027-02-11T00:30:00Z"}],
            "free": [{"starts_at": "2027-02-01T00:00:00Z", "ends_at": "2027-02-03T23:00:00Z"},
                {"starts_at": "2027-02-04T01:00:00Z", "ends_at": "2027-02-10T22:00:00Z"},
                {"starts_at": "2027-02-11T00:30:00Z", "ends_at": "2027-02-15T00:00:00Z"}]}
    ]
}))]
pub struct PublicFacilities {
    /// The window's start (UTC).
    pub from: DateTime<Utc>,
    /// The window's end (UTC).
    pub to: DateTime<Utc>,
    /// The facilities open to community requests, by name (at most 1,000).
    pub facilities: Vec<PublicFacility>,
}

/// The window asked for, or why it cannot be shown.
pub fn window(
    query: &PublicFacilitiesQuery,
    now: DateTime<Utc>,
) -> Result<(NaiveDateTime, NaiveDateTime), platform::error::ApiError> {
    use platform::error::ApiError;
    let from = query.from.unwrap_or(now);
    if !platform::db::plausible(from) || query.to.is_some_and(|to| !platform::db::plausible(to)) {
        return Err(ApiError::BadRequest(
            "from and to must have four-digit years".into(),
        ));
    }
    let to = match query.to {
        Some(to) => to,
        None => from
            .checked_add_signed(Duration::days(DEFAULT_WINDOW_DAYS))
            .ok_or_else(|| ApiError::BadRequest("from is too late".into()))?,
    };
    // Rules across the two parameters: 422s naming `to`.
    if to <= from {
        return Err(ApiError::field("to", "date_order", "to must be after from"));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::field(
            "to",
            "window_too_long",
            format!("a window is at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from.naive_utc(), to.naive_utc()))
}

/// Busy stretches within `from`..`to` (clipped to it and merged where they overlap or touch),
/// and the free ones between them. `bookings` come sorted by start.
pub fn busy_and_free(
    bookings: &[(NaiveDateTime, NaiveDateTime)],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> (Vec<Interval>, Vec<Interval>) {
    let mut busy: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    for &(start, end) in bookings {
        let (start, end) = (start.max(from), end.min(to));
        if start >= end {
            continue;
        }
        match busy.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => busy.push((start, end)),
        }
    }
    let mut free = Vec::new();
    let mut cursor = from;
    for &(start, end) in &busy {
        if start > cursor {
            free.push((cursor, start));
        }
        cursor = cursor.max(end);
    }
    if cursor < to {
        free.push((cursor, to));
    }
    let interval = |(s, e): (NaiveDateTime, NaiveDateTime)| Interval {
        starts_at: s.and_utc(),
        ends_at: e.and_utc(),
    };
    (
        busy.into_iter().map(interval).collect(),
        free.into_iter().map(interval).collect(),
    )
}

impl PublicFacility {
    pub fn of(
        row: FacilityRow,
        school_name: String,
        busy: Vec<Interval>,
        free: Vec<Interval>,
    ) -> Option<PublicFacility> {
        Some(PublicFacility {
            kind: FacilityKind::parse(&row.kind)?,
            capacity: row.capacity.and_then(|c| u32::try_from(c).ok()),
            school_id: row.school_id,
            school_name,
            name: row.name,
            accessibility: row.accessibility,
            rules: row.rules,
            busy,
            free,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2027, 2, 1)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn busy_times_are_clipped_and_merged_and_free_times_fill_the_rest() {
        let (busy, free) = busy_and_free(
            &[
                (at(6), at(9)),
                (at(10), at(12)),
                (at(11), at(13)),
                (at(13), at(14)),
            ],
            at(8),
            at(20),
        );
        let pairs = |v: &[Interval]| -> Vec<(u32, u32)> {
            use chrono::Timelike;
            v.iter()
                .map(|i| (i.starts_at.hour(), i.ends_at.hour()))
                .collect()
        };
        assert_eq!(pairs(&busy), [(8, 9), (10, 14)]);
        assert_eq!(pairs(&free), [(9, 10), (14, 20)]);
        let (busy, free) = busy_and_free(&[], at(8), at(9));
        assert!(busy.is_empty());
        assert_eq!(pairs(&free), [(8, 9)]);
    }

    #[test]
    fn windows_out_of_range_are_refused_not_panicked_on() {
        let late: DateTime<Utc> = "+262142-12-31T12:00:00Z".parse().unwrap_or_default();
        let query = PublicFacilitiesQuery {
            school_id: None,
            from: Some(late),
            to: None,
        };
        assert!(window(&query, Utc::now()).is_err());
    }
}
