//! The dashboard's queries: counts grouped in the database, lists bounded by a limit.

use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{agreements, partners, responsibilities, timeline_items};
use crate::db::DbConnection;
use crate::responsibilities::ResponsibilityRow;
use crate::timeline::TimelineRow;

/// Every agreement's id, title, stored status and end date (a district has hundreds).
pub fn agreement_states(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, String, String, NaiveDate)>> {
    agreements::table
        .select((
            agreements::id,
            agreements::title,
            agreements::status,
            agreements::end_date,
        ))
        .order(agreements::id.asc())
        .load(conn)
}

pub fn partners_by_kind(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    partners::table
        .group_by(partners::kind)
        .select((partners::kind, count_star()))
        .order(partners::kind.asc())
        .load(conn)
}

pub fn partners_by_level(conn: &mut DbConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    partners::table
        .group_by(partners::continuum_level_id)
        .select((partners::continuum_level_id, count_star()))
        .load(conn)
}

/// The responsibilities of some agreements.
pub fn responsibilities_of(
    conn: &mut DbConnection,
    agreement_ids: &[String],
) -> QueryResult<Vec<ResponsibilityRow>> {
    responsibilities::table
        .filter(responsibilities::agreement_id.eq_any(agreement_ids))
        .select(ResponsibilityRow::as_select())
        .order((responsibilities::due_on.asc(), responsibilities::id.asc()))
        .load(conn)
}

/// Check-ins of some agreements that were missed: marked missed, or still scheduled before
/// `today`. Oldest first.
pub fn missed_check_ins(
    conn: &mut DbConnection,
    agreement_ids: &[String],
    today: NaiveDate,
) -> QueryResult<Vec<TimelineRow>> {
    timeline_items::table
        .filter(timeline_items::agreement_id.eq_any(agreement_ids))
        .filter(timeline_items::kind.eq("check_in"))
        .filter(
            timeline_items::status
                .eq("missed")
                .or(timeline_items::status
                    .eq("scheduled")
                    .and(timeline_items::scheduled_on.lt(today))),
        )
        .select(TimelineRow::as_select())
        .order((timeline_items::scheduled_on.asc(), timeline_items::id.asc()))
        .load(conn)
}
