//! SQL for responsibilities.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::responsibilities;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = responsibilities, treat_none_as_null = true)]
pub struct ResponsibilityRow {
    pub id: String,
    pub agreement_id: String,
    pub external_id: Option<String>,
    pub party: String,
    pub assignee_contact_id: Option<String>,
    pub assignee_user_id: Option<String>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub investment_kind: Option<String>,
    pub committed_centi: i64,
    pub delivered_centi: i64,
    pub unit: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    ResponsibilityRow,
    responsibilities,
    name = description,
    date = due_on,
    parent = agreement_id
);

#[derive(Debug, Default)]
pub struct ResponsibilityFilter {
    pub party: Option<&'static str>,
    pub status: Option<&'static str>,
    /// Only the overdue (true) or only the others (false), as of the date given.
    pub overdue_on: Option<(bool, NaiveDate)>,
}

/// Not done or dropped: what can be overdue.
const OPEN: [&str; 3] = ["planned", "in_progress", "blocked"];

fn filtered(
    agreement_id: &str,
    filter: &ResponsibilityFilter,
) -> responsibilities::BoxedQuery<'static, MultiBackend> {
    let mut query = responsibilities::table
        .filter(responsibilities::agreement_id.eq(agreement_id.to_owned()))
        .into_boxed::<MultiBackend>();
    if let Some(party) = filter.party {
        query = query.filter(responsibilities::party.eq(party));
    }
    if let Some(status) = filter.status {
        query = query.filter(responsibilities::status.eq(status));
    }
    match filter.overdue_on {
        Some((true, today)) => {
            query = query
                .filter(responsibilities::status.eq_any(OPEN))
                .filter(responsibilities::due_on.lt(today));
        }
        Some((false, today)) => {
            query = query.filter(
                responsibilities::status
                    .ne_all(OPEN)
                    .or(responsibilities::due_on.is_null())
                    .or(responsibilities::due_on.ge(today)),
            );
        }
        None => {}
    }
    query
}

/// One page of an agreement's responsibilities. By due date: soonest first, undated last,
/// ties by id.
pub fn page(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &ResponsibilityFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ResponsibilityRow>> {
    let query = filtered(agreement_id, filter).select(ResponsibilityRow::as_select());
    let due = responsibilities::due_on;
    let id = responsibilities::id;
    let query = if sort.key == SortKey::Date {
        let query = match after.and_then(After::date) {
            Some((Some(date), after_id)) => query.filter(
                due.gt(date)
                    .or(due.eq(date).and(id.gt(after_id)))
                    .or(due.is_null()),
            ),
            Some((None, after_id)) => query.filter(due.is_null().and(id.gt(after_id))),
            None => query,
        };
        query.order((due.is_null(), due.asc(), id.asc()))
    } else {
        platform::keyset_page!(query, responsibilities, description, sort, after)
    };
    query.limit(limit).load(conn)
}

/// The agreement's responsibilities, soonest due first (undated last).
pub fn list(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &ResponsibilityFilter,
) -> QueryResult<Vec<ResponsibilityRow>> {
    filtered(agreement_id, filter)
        .select(ResponsibilityRow::as_select())
        .order((
            responsibilities::due_on.is_null(),
            responsibilities::due_on.asc(),
            responsibilities::id.asc(),
        ))
        .load(conn)
}
