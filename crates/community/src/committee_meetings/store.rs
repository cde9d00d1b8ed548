//! SQL for committee meetings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::committee_meetings;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = committee_meetings, treat_none_as_null = true)]
pub struct MeetingRow {
    pub id: String,
    pub committee_id: String,
    pub held_on: NaiveDate,
    pub venue: Option<String>,
    pub host_partner_id: Option<String>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    /// JSON array of text.
    pub decisions: String,
    /// JSON array of member ids.
    pub attendees: String,
    pub guests: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    MeetingRow,
    committee_meetings,
    name = id,
    date = held_on,
    parent = committee_id
);

/// The filters of a page of meetings.
#[derive(Debug, Default)]
pub struct MeetingFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub host_partner_id: Option<String>,
}

/// Up to `limit` meetings of the committee after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    committee: &str,
    filter: &MeetingFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<MeetingRow>> {
    let mut query = committee_meetings::table
        .filter(committee_meetings::committee_id.eq(committee.to_owned()))
        .select(MeetingRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(from) = filter.from {
        query = query.filter(committee_meetings::held_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(committee_meetings::held_on.le(to));
    }
    if let Some(host) = &filter.host_partner_id {
        query = query.filter(committee_meetings::host_partner_id.eq(host.clone()));
    }
    let query = if sort.key == SortKey::Date {
        platform::keyset_by!(
            query,
            committee_meetings::held_on,
            committee_meetings::id,
            sort.descending,
            after
                .and_then(After::date)
                .and_then(|(date, id)| Some((date?, id)))
        )
    } else {
        platform::keyset_page!(query, committee_meetings, id, sort, after)
    };
    query.limit(limit).load(conn)
}

/// Whether a meeting of the committee lists `member` among its attendees.
pub fn attended_by(conn: &mut DbConnection, committee: &str, member: &str) -> QueryResult<bool> {
    // Member ids are UUIDs: no LIKE wildcard can be in one.
    diesel::select(diesel::dsl::exists(
        committee_meetings::table
            .filter(committee_meetings::committee_id.eq(committee))
            .filter(committee_meetings::attendees.like(format!("%\"{member}\"%"))),
    ))
    .get_result(conn)
}

/// Per host partner, the committee meetings held at its place.
pub fn per_host(conn: &mut DbConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    committee_meetings::table
        .filter(committee_meetings::host_partner_id.is_not_null())
        .group_by(committee_meetings::host_partner_id)
        .select((
            committee_meetings::host_partner_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}
