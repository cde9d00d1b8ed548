//! SQL for committee members.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::{committee_members, contacts, users};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = committee_members, treat_none_as_null = true)]
pub struct MemberRow {
    pub id: String,
    pub committee_id: String,
    pub user_id: Option<String>,
    pub contact_id: Option<String>,
    /// The contact's partner.
    pub partner_id: Option<String>,
    /// A community member's name (users and contacts are named where they are kept).
    pub name: Option<String>,
    pub role: String,
    pub represents: String,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    MemberRow,
    committee_members,
    name = role,
    date = term_start,
    parent = committee_id
);

/// The filters of a page of members.
#[derive(Debug, Default)]
pub struct MemberFilter {
    pub role: Option<String>,
    pub represents: Option<String>,
    /// Only those whose term covers this day.
    pub current_on: Option<NaiveDate>,
    /// Only those whose term does not cover this day.
    pub not_current_on: Option<NaiveDate>,
}

/// Up to `limit` members of the committee after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    committee: &str,
    filter: &MemberFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<MemberRow>> {
    let mut query = committee_members::table
        .filter(committee_members::committee_id.eq(committee.to_owned()))
        .select(MemberRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(role) = &filter.role {
        query = query.filter(committee_members::role.eq(role.clone()));
    }
    if let Some(represents) = &filter.represents {
        query = query.filter(committee_members::represents.eq(represents.clone()));
    }
    if let Some(day) = filter.current_on {
        query = query.filter(committee_members::term_start.le(day)).filter(
            committee_members::term_end
                .is_null()
                .or(committee_members::term_end.ge(day)),
        );
    }
    if let Some(day) = filter.not_current_on {
        query = query.filter(
            committee_members::term_start
                .gt(day)
                .or(committee_members::term_end.lt(day)),
        );
    }
    let query = if sort.key == SortKey::Date {
        platform::keyset_by!(
            query,
            committee_members::term_start,
            committee_members::id,
            sort.descending,
            after
                .and_then(After::date)
                .and_then(|(date, id)| Some((date?, id)))
        )
    } else {
        platform::keyset_page!(query, committee_members, role, sort, after)
    };
    query.limit(limit).load(conn)
}

/// The other seats of the same person (user or contact) on the committee.
pub fn other_seats(conn: &mut DbConnection, row: &MemberRow) -> QueryResult<Vec<MemberRow>> {
    let mut query = committee_members::table
        .filter(committee_members::committee_id.eq(row.committee_id.clone()))
        .filter(committee_members::id.ne(row.id.clone()))
        .select(MemberRow::as_select())
        .into_boxed::<MultiBackend>();
    query = match (&row.user_id, &row.contact_id) {
        (Some(user), _) => query.filter(committee_members::user_id.eq(user.clone())),
        (None, Some(contact)) => query.filter(committee_members::contact_id.eq(contact.clone())),
        (None, None) => return Ok(Vec::new()),
    };
    query.load(conn)
}

/// The committee's members with these ids.
pub fn of_committee(
    conn: &mut DbConnection,
    committee: &str,
    ids: &[String],
) -> QueryResult<Vec<String>> {
    committee_members::table
        .filter(committee_members::committee_id.eq(committee))
        .filter(committee_members::id.eq_any(ids))
        .select(committee_members::id)
        .load(conn)
}

/// Ids with names.
pub type Names = Vec<(String, String)>;

/// The names of these users and of these contacts.
pub fn names(
    conn: &mut DbConnection,
    user_ids: &[String],
    contact_ids: &[String],
) -> QueryResult<(Names, Names)> {
    let users = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::name))
        .load(conn)?;
    let contacts = contacts::table
        .filter(contacts::id.eq_any(contact_ids))
        .select((contacts::id, contacts::name))
        .load(conn)?;
    Ok((users, contacts))
}
