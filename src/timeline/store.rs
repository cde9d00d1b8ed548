//! SQL for timeline items.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::agreements::model::ReviewCadence;
use crate::db::schema::timeline_items;
use crate::db::{sql::new_id, DbConnection, MultiBackend, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = timeline_items, treat_none_as_null = true)]
pub struct TimelineRow {
    pub id: String,
    pub agreement_id: String,
    pub kind: String,
    pub title: String,
    pub scheduled_on: NaiveDate,
    pub status: String,
    pub generated: bool,
    pub notes: Option<String>,
    pub check_in: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TimelineRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, Default)]
pub struct TimelineFilter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    /// Still scheduled before this date.
    pub overdue_on: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The agreement's items in date order.
pub fn list(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &TimelineFilter,
) -> QueryResult<Vec<TimelineRow>> {
    let mut query = timeline_items::table
        .filter(timeline_items::agreement_id.eq(agreement_id.to_owned()))
        .select(TimelineRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(kind) = filter.kind {
        query = query.filter(timeline_items::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(timeline_items::status.eq(status));
    }
    if let Some(today) = filter.overdue_on {
        query = query
            .filter(timeline_items::status.eq("scheduled"))
            .filter(timeline_items::scheduled_on.lt(today));
    }
    if let Some(from) = filter.from {
        query = query.filter(timeline_items::scheduled_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(timeline_items::scheduled_on.le(to));
    }
    query
        .order((timeline_items::scheduled_on.asc(), timeline_items::id.asc()))
        .load(conn)
}

pub fn find(
    conn: &mut DbConnection,
    agreement_id: &str,
    id: &str,
) -> QueryResult<Option<TimelineRow>> {
    timeline_items::table
        .filter(timeline_items::agreement_id.eq(agreement_id))
        .filter(timeline_items::id.eq(id))
        .select(TimelineRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &TimelineRow) -> QueryResult<()> {
    diesel::insert_into(timeline_items::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConnection,
    row: &TimelineRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        timeline_items::table
            .filter(timeline_items::id.eq(&row.id))
            .filter(timeline_items::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(timeline_items::table.filter(timeline_items::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Adds the generated check-ins that come after the last one generated before (if any), so
/// activating an agreement again adds none twice — even when a generated check-in was
/// rescheduled or the cadence changed — while an extended end date adds the new ones.
/// Returns how many were added.
pub fn insert_generated_check_ins(
    conn: &mut DbConnection,
    agreement_id: &str,
    cadence: ReviewCadence,
    dates: &[NaiveDate],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let existing: Vec<NaiveDate> = timeline_items::table
        .filter(timeline_items::agreement_id.eq(agreement_id))
        .filter(timeline_items::generated.eq(true))
        .select(timeline_items::scheduled_on)
        .load(conn)?;
    let title = format!("{} check-in", capitalised(cadence.as_str()));
    let last = existing.iter().max().copied();
    let rows: Vec<TimelineRow> = dates
        .iter()
        .filter(|d| last.is_none_or(|last| **d > last))
        .map(|d| TimelineRow {
            id: new_id(),
            agreement_id: agreement_id.to_owned(),
            kind: "check_in".to_owned(),
            title: title.clone(),
            scheduled_on: *d,
            status: "scheduled".to_owned(),
            generated: true,
            notes: None,
            check_in: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    for row in &rows {
        insert(conn, row)?;
    }
    Ok(rows.len())
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
