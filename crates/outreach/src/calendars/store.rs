//! SQL for calendar feeds and the dated things they show.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::schema::{calendar_feeds, responsibilities, timeline_items};
use platform::db::DbConnection;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_feeds)]
pub struct FeedRow {
    pub id: String,
    pub scope: String,
    pub target_id: Option<String>,
    pub token_digest: String,
    pub principal_kind: String,
    pub principal_id: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FeedRow) -> QueryResult<()> {
    diesel::insert_into(calendar_feeds::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn by_digest(conn: &mut DbConnection, digest: &str) -> QueryResult<Option<FeedRow>> {
    calendar_feeds::table
        .filter(calendar_feeds::token_digest.eq(digest))
        .select(FeedRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<FeedRow>> {
    calendar_feeds::table
        .filter(calendar_feeds::id.eq(id))
        .select(FeedRow::as_select())
        .first(conn)
        .optional()
}

/// The feeds one principal made, or every feed (`None`), newest first.
pub fn list(conn: &mut DbConnection, owner: Option<(&str, &str)>) -> QueryResult<Vec<FeedRow>> {
    let mut query = calendar_feeds::table
        .select(FeedRow::as_select())
        .order(calendar_feeds::created_at.desc())
        .limit(1000)
        .into_boxed::<platform::db::MultiBackend>();
    if let Some((kind, id)) = owner {
        query = query
            .filter(calendar_feeds::principal_kind.eq(kind.to_owned()))
            .filter(calendar_feeds::principal_id.eq(id.to_owned()));
    }
    query.load(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(calendar_feeds::table.filter(calendar_feeds::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}

/// (id, agreement, kind, title, date, status) of the timeline items of some agreements.
pub type Dated = (String, String, String, String, NaiveDate, String);

pub fn timeline_of(conn: &mut DbConnection, agreements: &[String]) -> QueryResult<Vec<Dated>> {
    timeline_items::table
        .filter(timeline_items::agreement_id.eq_any(agreements))
        .select((
            timeline_items::id,
            timeline_items::agreement_id,
            timeline_items::kind,
            timeline_items::title,
            timeline_items::scheduled_on,
            timeline_items::status,
        ))
        .load(conn)
}

/// (id, agreement, party, description, due date, status) of the dated responsibilities of some
/// agreements.
pub fn due_dates_of(conn: &mut DbConnection, agreements: &[String]) -> QueryResult<Vec<Dated>> {
    let rows: Vec<(String, String, String, String, Option<NaiveDate>, String)> =
        responsibilities::table
            .filter(responsibilities::agreement_id.eq_any(agreements))
            .filter(responsibilities::due_on.is_not_null())
            .select((
                responsibilities::id,
                responsibilities::agreement_id,
                responsibilities::party,
                responsibilities::description,
                responsibilities::due_on,
                responsibilities::status,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, a, party, what, due, status)| Some((id, a, party, what, due?, status)))
        .collect())
}
