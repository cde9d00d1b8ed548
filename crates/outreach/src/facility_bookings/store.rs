//! SQL for facility bookings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::{facilities, facility_bookings};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = facility_bookings, treat_none_as_null = true)]
pub struct BookingRow {
    pub id: String,
    pub facility_id: String,
    pub partner_id: Option<String>,
    pub group_name: Option<String>,
    pub contact: Option<String>,
    pub purpose: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub expected_attendance: Option<i32>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    BookingRow,
    facility_bookings,
    name = purpose,
    time = starts_at
);

/// The filters of a page of bookings.
#[derive(Debug, Default)]
pub struct BookingFilter {
    pub facility_id: Option<String>,
    pub school_id: Option<String>,
    pub status: Option<String>,
    pub partner_id: Option<String>,
    /// Only bookings that end after this instant.
    pub from: Option<NaiveDateTime>,
    /// Only bookings that start before this instant.
    pub to: Option<NaiveDateTime>,
}

/// Up to `limit` bookings after `after` in `sort` order (`SortKey::Date` is the start).
pub fn page(
    conn: &mut DbConnection,
    filter: &BookingFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<BookingRow>> {
    let mut query = facility_bookings::table
        .select(BookingRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(facility) = &filter.facility_id {
        query = query.filter(facility_bookings::facility_id.eq(facility.clone()));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(
            facility_bookings::facility_id.eq_any(
                facilities::table
                    .filter(facilities::school_id.eq(school.clone()))
                    .select(facilities::id),
            ),
        );
    }
    if let Some(status) = &filter.status {
        query = query.filter(facility_bookings::status.eq(status.clone()));
    }
    if let Some(partner) = &filter.partner_id {
        query = query.filter(facility_bookings::partner_id.eq(partner.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(facility_bookings::ends_at.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(facility_bookings::starts_at.lt(to));
    }
    let query = if sort.key == SortKey::Date {
        platform::keyset_by!(
            query,
            facility_bookings::starts_at,
            facility_bookings::id,
            sort.descending,
            after.and_then(After::time)
        )
    } else {
        platform::keyset_page!(query, facility_bookings, purpose, sort, after)
    };
    query.limit(limit).load(conn)
}

/// The approved bookings of the facility that share a moment with `starts_at`..`ends_at`,
/// other than `except`.
pub fn approved_overlapping(
    conn: &mut DbConnection,
    facility: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    except: &str,
) -> QueryResult<Vec<BookingRow>> {
    facility_bookings::table
        .filter(facility_bookings::facility_id.eq(facility))
        .filter(facility_bookings::status.eq("approved"))
        .filter(facility_bookings::id.ne(except))
        .filter(facility_bookings::starts_at.lt(ends_at))
        .filter(facility_bookings::ends_at.gt(starts_at))
        .select(BookingRow::as_select())
        .load(conn)
}

/// The approved bookings of these facilities within `from`..`to`, by start: the busy times.
pub fn busy(
    conn: &mut DbConnection,
    facility_ids: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime, NaiveDateTime)>> {
    facility_bookings::table
        .filter(facility_bookings::facility_id.eq_any(facility_ids))
        .filter(facility_bookings::status.eq("approved"))
        .filter(facility_bookings::starts_at.lt(to))
        .filter(facility_bookings::ends_at.gt(from))
        .order((
            facility_bookings::facility_id.asc(),
            facility_bookings::starts_at.asc(),
        ))
        .select((
            facility_bookings::facility_id,
            facility_bookings::starts_at,
            facility_bookings::ends_at,
        ))
        .load(conn)
}

/// Per school, the start and end of every approved booking that has ended by `now`: the
/// community hours the school hosted.
pub fn hosted(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime, NaiveDateTime)>> {
    facility_bookings::table
        .inner_join(facilities::table)
        .filter(facility_bookings::status.eq("approved"))
        .filter(facility_bookings::ends_at.le(now))
        .order(facilities::school_id.asc())
        .select((
            facilities::school_id,
            facility_bookings::starts_at,
            facility_bookings::ends_at,
        ))
        .load(conn)
}
