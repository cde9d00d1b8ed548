//! SQL for committees.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{
    committee_meetings, committee_members, committees, communication_plans,
};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = committees, treat_none_as_null = true)]
pub struct CommitteeRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub school_id: Option<String>,
    pub purpose: Option<String>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(CommitteeRow, committees, name = name);

/// The filters of a page of committees.
#[derive(Debug, Default)]
pub struct CommitteeFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub school_id: Option<String>,
    /// Only those this partner sits on (through a contact's seat current on `.1`).
    pub seated_partner: Option<(String, NaiveDate)>,
}

/// Up to `limit` committees after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &CommitteeFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<CommitteeRow>> {
    let mut query = committees::table
        .select(CommitteeRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(kind) = &filter.kind {
        query = query.filter(committees::kind.eq(kind.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(committees::status.eq(status.clone()));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(committees::school_id.eq(school.clone()));
    }
    if let Some((partner, today)) = &filter.seated_partner {
        query = query.filter(
            committees::id.eq_any(
                committee_members::table
                    .filter(committee_members::partner_id.eq(partner.clone()))
                    .filter(committee_members::term_start.le(*today))
                    .filter(
                        committee_members::term_end
                            .is_null()
                            .or(committee_members::term_end.ge(*today)),
                    )
                    .select(committee_members::committee_id),
            ),
        );
    }
    let query = platform::keyset_page!(query, committees, sort, after);
    query.limit(limit).load(conn)
}

/// Whether `partner` holds a seat on the committee current on `today`.
pub fn seats_partner(
    conn: &mut DbConnection,
    committee: &str,
    partner: &str,
    today: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        committee_members::table
            .filter(committee_members::committee_id.eq(committee))
            .filter(committee_members::partner_id.eq(partner))
            .filter(committee_members::term_start.le(today))
            .filter(
                committee_members::term_end
                    .is_null()
                    .or(committee_members::term_end.ge(today)),
            ),
    ))
    .get_result(conn)
}

/// What still hangs off a committee: its members, meetings and the plans it owns.
pub fn dependants(conn: &mut DbConnection, committee: &str) -> QueryResult<(i64, i64, i64)> {
    let members = committee_members::table
        .filter(committee_members::committee_id.eq(committee))
        .count()
        .get_result(conn)?;
    let meetings = committee_meetings::table
        .filter(committee_meetings::committee_id.eq(committee))
        .count()
        .get_result(conn)?;
    let plans = communication_plans::table
        .filter(communication_plans::committee_id.eq(committee))
        .count()
        .get_result(conn)?;
    Ok((members, meetings, plans))
}

/// Per school (`None`: the district), the seats on active committees held on `today` by
/// people who represent one of `represents`.
pub fn seats_by_school(
    conn: &mut DbConnection,
    represents: &[&str],
    today: NaiveDate,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    committee_members::table
        .inner_join(committees::table)
        .filter(committees::status.eq("active"))
        .filter(committee_members::represents.eq_any(represents.to_vec()))
        .filter(committee_members::term_start.le(today))
        .filter(
            committee_members::term_end
                .is_null()
                .or(committee_members::term_end.ge(today)),
        )
        .group_by(committees::school_id)
        .select((committees::school_id, diesel::dsl::count_star()))
        .order(committees::school_id.asc())
        .load(conn)
}
