//! Calendar feeds: their wire types, and the iCalendar (RFC 5545) a feed answers with.

use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::store::FeedRow;

platform::text_enum! {
    /// What a feed covers: one agreement, the agreements of a school or of a partner, or every
    /// agreement its creator may read.
    pub enum FeedScope {
        Agreement => "agreement",
        School => "school",
        Partner => "partner",
        District => "district",
    }
}

/// A new feed.
///
/// Across fields: `id` names the agreement, school or partner of `scope`, and is left out for
/// `district`.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scope": "school", "id": "0192b3c0-0000-7000-8000-000000000001"}))]
pub struct FeedInput {
    /// What the feed covers: one `agreement`, a `school`'s, a `partner`'s, or the `district`.
    #[schema(value_type = FeedScope)]
    pub scope: FeedScope,
    /// The id of the agreement, school or partner; required for those, absent for `district`.
    #[serde(default)]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub id: Option<String>,
}

/// A calendar feed. `url` is shown once, when the feed is made: it is the only key to the
/// feed, and only a digest of it is kept.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0ada",
    "scope": "school",
    "target_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "url": "/api/v1/calendars/QSLJ0UsKc91zBNY92NBmopgkQViY2NSHNIxaepWFmgg.ics",
    "created_by": "user:0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
    "created_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct CalendarFeed {
    /// The feed's id (a UUID); revoke the feed with it.
    pub id: String,
    /// What the feed covers.
    pub scope: FeedScope,
    /// The agreement, school or partner; `null` for `district`.
    pub target_id: Option<String>,
    /// `/api/v1/calendars/{token}.ics`; only in the answer that made the feed.
    pub url: Option<String>,
    /// Who made it: the feed shows what they may read.
    /// Written `user:{id}` or `client:{id}`.
    pub created_by: String,
    /// When the feed was made (UTC).
    pub created_at: DateTime<Utc>,
}

impl CalendarFeed {
    pub fn from_row(row: FeedRow, url: Option<String>) -> CalendarFeed {
        CalendarFeed {
            scope: FeedScope::parse(&row.scope).unwrap_or(FeedScope::District),
            id: row.id,
            target_id: row.target_id,
            url,
            created_by: format!("{}:{}", row.principal_kind, row.principal_id),
            created_at: row.created_at.and_utc(),
        }
    }
}

/// One dated thing a feed shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable across fetches, so calendar apps update rather than duplicate.
    pub uid: String,
    pub day: NaiveDate,
    pub summary: String,
    pub description: String,
    pub cancelled: bool,
}

/// The feed's calendar: all-day events, oldest first.
pub fn calendar(name: &str, mut entries: Vec<Entry>) -> String {
    entries.sort_by(|a, b| (a.day, &a.uid).cmp(&(b.day, &b.uid)));
    let mut calendar = Calendar::new();
    calendar.name(name);
    for entry in entries {
        let mut event = Event::new();
        event
            .uid(&entry.uid)
            .all_day(entry.day)
            .summary(&entry.summary)
            .description(&entry.description);
        if entry.cancelled {
            event.status(EventStatus::Cancelled);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_uid_and_day() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let text = calendar(
            "Partnerships",
            vec![Entry {
                uid: "timeline-1@partnerships".into(),
                day,
                summary: "Check-in; with, commas".into(),
                description: "Line one\nline two".into(),
                cancelled: true,
            }],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("UID:timeline-1@partnerships\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20270301"));
        assert!(text.contains("STATUS:CANCELLED"));
        assert!(text.contains("SUMMARY:Check-in\\; with\\, commas"));
    }
}
