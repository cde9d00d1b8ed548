//! SQL for timeline items.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::agreements::model::ReviewCadence;
use pipeline::Resource as _;
use pipeline::Stored;
use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::timeline_items;
use platform::db::{sql::new_id, DbConnection, MultiBackend};

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
    /// The partner whose place it is held at, and where.
    pub host_partner_id: Option<String>,
    pub venue: Option<String>,
}

platform::stored_rows!(
    TimelineRow,
    timeline_items,
    name = title,
    date = scheduled_on,
    parent = agreement_id
);

#[derive(Debug, Default)]
pub struct TimelineFilter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    /// Only the items still scheduled before the date given (true), or only the others.
    pub overdue_on: Option<(bool, NaiveDate)>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn filtered(
    agreement_id: &str,
    filter: &TimelineFilter,
) -> timeline_items::BoxedQuery<'static, MultiBackend> {
    let mut query = timeline_items::table
        .filter(timeline_items::agreement_id.eq(agreement_id.to_owned()))
        .into_boxed::<MultiBackend>();
    if let Some(kind) = filter.kind {
        query = query.filter(timeline_items::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(timeline_items::status.eq(status));
    }
    match filter.overdue_on {
        Some((true, today)) => {
            query = query
                .filter(timeline_items::status.eq("scheduled"))
                .filter(timeline_items::scheduled_on.lt(today));
        }
        Some((false, today)) => {
            query = query.filter(
                timeline_items::status
                    .ne("scheduled")
                    .or(timeline_items::scheduled_on.ge(today)),
            );
        }
        None => {}
    }
    if let Some(from) = filter.from {
        query = query.filter(timeline_items::scheduled_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(timeline_items::scheduled_on.le(to));
    }
    query
}

/// One page of an agreement's timeline (by date: `SortKey::Date`).
pub fn page(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &TimelineFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<TimelineRow>> {
    let query = filtered(agreement_id, filter).select(TimelineRow::as_select());
    let query = if sort.key == SortKey::Date {
        platform::keyset_by!(
            query,
            timeline_items::scheduled_on,
            timeline_items::id,
            sort.descending,
            after
                .and_then(After::date)
                .and_then(|(date, id)| Some((date?, id)))
        )
    } else {
        platform::keyset_page!(query, timeline_items, title, sort, after)
    };
    query.limit(limit).load(conn)
}

/// The agreement's items in date order.
pub fn list(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &TimelineFilter,
) -> QueryResult<Vec<TimelineRow>> {
    filtered(agreement_id, filter)
        .select(TimelineRow::as_select())
        .order((timeline_items::scheduled_on.asc(), timeline_items::id.asc()))
        .load(conn)
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
            host_partner_id: None,
            venue: None,
        })
        .collect();
    for row in &rows {
        row.insert(conn)?;
        let shown = serde_json::json!({"agreement_id": agreement_id, "version": row.version});
        journal::changes::record_from(
            conn,
            super::model::TimelineItems::TOPIC,
            &row.id,
            "created",
            &shown,
        )?;
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

/// Per host partner, the agreement meetings (kickoffs, check-ins, reviews, renewals) held at
/// its place and not cancelled.
pub fn meetings_per_host(conn: &mut DbConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    timeline_items::table
        .filter(timeline_items::host_partner_id.is_not_null())
        .filter(timeline_items::kind.eq_any(["kickoff", "check_in", "review", "renewal"]))
        .filter(timeline_items::status.ne("cancelled"))
        .group_by(timeline_items::host_partner_id)
        .select((timeline_items::host_partner_id, diesel::dsl::count_star()))
        .load(conn)
}
