//! SQL for the student-group catalogue.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{exists, select};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{kpi_records, kpi_targets, student_groups};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = student_groups, treat_none_as_null = true)]
pub struct GroupRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub part_of: Option<String>,
    pub dimension: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(GroupRow, student_groups, name = code, code = code);

/// The filters of a page of groups.
#[derive(Debug, Default)]
pub struct GroupFilter {
    pub part_of: Option<String>,
    pub dimension: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Up to `limit` groups after `after` in `sort` order (`SortKey::Name` is the code).
pub fn page(
    conn: &mut DbConnection,
    filter: &GroupFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<GroupRow>> {
    let mut query = student_groups::table
        .select(GroupRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(part_of) = &filter.part_of {
        query = query.filter(student_groups::part_of.eq(part_of.clone()));
    }
    if let Some(dimension) = &filter.dimension {
        query = query.filter(student_groups::dimension.eq(dimension.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(student_groups::updated_at.ge(since.naive_utc()));
    }
    let query = platform::keyset_page!(query, student_groups, code, sort, after);
    query.limit(limit).load(conn)
}

/// The whole catalogue (a district has tens of groups).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<GroupRow>> {
    student_groups::table
        .order(student_groups::code.asc())
        .select(GroupRow::as_select())
        .load(conn)
}

/// Whether records, targets or other groups name the group `code`.
pub fn in_use(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    let records: bool = select(exists(
        kpi_records::table.filter(kpi_records::student_group.eq(code)),
    ))
    .get_result(conn)?;
    if records {
        return Ok(true);
    }
    let targets: bool = select(exists(
        kpi_targets::table.filter(kpi_targets::student_group.eq(code)),
    ))
    .get_result(conn)?;
    if targets {
        return Ok(true);
    }
    select(exists(
        student_groups::table.filter(student_groups::part_of.eq(code)),
    ))
    .get_result(conn)
}
