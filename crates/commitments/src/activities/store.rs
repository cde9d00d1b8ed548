//! SQL for activities.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::activities;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct ActivityRow {
    pub id: String,
    pub external_id: Option<String>,
    pub partner_id: String,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub hours_centi: i64,
    pub students_reached: i32,
    pub families_reached: i32,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The partner whose place it happened at, and where.
    pub host_partner_id: Option<String>,
    pub venue: Option<String>,
}

platform::stored_rows!(ActivityRow, activities, name = kind);

#[derive(Debug, Default, Clone)]
pub struct ActivityFilter {
    /// The partner role sees only its own partner's activities.
    pub only_partner: Option<String>,
    pub partner_id: Option<String>,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub kind: Option<&'static str>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
}

fn filtered(filter: &ActivityFilter) -> activities::BoxedQuery<'static, MultiBackend> {
    let mut query = activities::table.into_boxed::<MultiBackend>();
    if let Some(v) = &filter.only_partner {
        query = query.filter(activities::partner_id.eq(v.clone()));
    }
    if let Some(v) = &filter.partner_id {
        query = query.filter(activities::partner_id.eq(v.clone()));
    }
    if let Some(v) = &filter.agreement_id {
        query = query.filter(activities::agreement_id.eq(v.clone()));
    }
    if let Some(v) = &filter.school_id {
        query = query.filter(activities::school_id.eq(v.clone()));
    }
    if let Some(v) = filter.kind {
        query = query.filter(activities::kind.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(activities::occurred_on.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(activities::occurred_on.le(v));
    }
    if let Some(v) = filter.updated_since {
        query = query.filter(activities::updated_at.ge(v.naive_utc()));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ActivityFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ActivityRow>> {
    // `name` is not offered for activities; the id stands in for it.
    let query = filtered(filter).select(ActivityRow::as_select());
    let query = platform::keyset_page!(query, activities, id, sort, after);
    query.limit(limit).load(conn)
}

/// The amounts of one activity, for totals. Summed in Rust: PostgreSQL's SUM(bigint) is a
/// numeric, which diesel reads differently on the two backends.
#[derive(Debug, Clone, Queryable)]
pub struct ActivityAmounts {
    pub partner_id: String,
    pub agreement_id: Option<String>,
    pub school_id: Option<String>,
    pub hours_centi: i64,
    pub students_reached: i32,
    pub families_reached: i32,
}

pub fn amounts(
    conn: &mut DbConnection,
    filter: &ActivityFilter,
) -> QueryResult<Vec<ActivityAmounts>> {
    filtered(filter)
        .select((
            activities::partner_id,
            activities::agreement_id,
            activities::school_id,
            activities::hours_centi,
            activities::students_reached,
            activities::families_reached,
        ))
        .load(conn)
}
