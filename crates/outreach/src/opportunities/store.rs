//! SQL for opportunities, and what matching partners to one reads.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use directory::partners::PartnerRow;
use platform::db::keyset::{After, Sort};
use platform::db::schema::{activities, opportunities, partners};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = opportunities, treat_none_as_null = true)]
pub struct OpportunityRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub school_id: String,
    pub grade_band: Option<String>,
    /// The offerings it needs, as `partners::model::offerings_to_column` writes them.
    pub offerings: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub helpers_needed: i32,
    pub involves_students: bool,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(OpportunityRow, opportunities, name = title);

/// The filters of a page of opportunities.
#[derive(Debug, Default)]
pub struct OpportunityFilter {
    pub school_id: Option<String>,
    pub status: Option<String>,
    pub offering: Option<String>,
}

/// Up to `limit` opportunities after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &OpportunityFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<OpportunityRow>> {
    let mut query = opportunities::table
        .select(OpportunityRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(school) = &filter.school_id {
        query = query.filter(opportunities::school_id.eq(school.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(opportunities::status.eq(status.clone()));
    }
    if let Some(offering) = &filter.offering {
        query = query.filter(opportunities::offerings.like(format!("%,{offering},%")));
    }
    let query = platform::keyset_page!(query, opportunities, title, sort, after);
    query.limit(limit).load(conn)
}

/// The partners that are not archived and offer any of `offerings`.
pub fn offering_partners(
    conn: &mut DbConnection,
    offerings: &[&str],
) -> QueryResult<Vec<PartnerRow>> {
    let mut query = partners::table
        .filter(partners::status.ne("archived"))
        .select(PartnerRow::as_select())
        .into_boxed::<MultiBackend>();
    let mut any: Option<
        Box<
            dyn BoxableExpression<partners::table, MultiBackend, SqlType = diesel::sql_types::Bool>,
        >,
    > = None;
    for offering in offerings {
        let one = partners::offerings.like(format!("%,{offering},%"));
        any = Some(match any {
            None => Box::new(one),
            Some(before) => Box::new(before.or(one)),
        });
    }
    match any {
        Some(any) => query = query.filter(any),
        None => return Ok(Vec::new()),
    }
    query.order(partners::id.asc()).load(conn)
}

/// Per partner, how many activities it has had with the school.
pub fn activities_with_school(
    conn: &mut DbConnection,
    school: &str,
    partner_ids: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    activities::table
        .filter(activities::school_id.eq(school))
        .filter(activities::partner_id.eq_any(partner_ids))
        .group_by(activities::partner_id)
        .select((activities::partner_id, diesel::dsl::count_star()))
        .load(conn)
}
