//! SQL for KPI targets.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{kpi_definitions, kpi_targets};
use crate::db::{DbConnection, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = kpi_targets, treat_none_as_null = true)]
pub struct TargetRow {
    pub id: String,
    pub agreement_id: String,
    pub kpi_id: String,
    pub student_group: String,
    pub baseline_value: Option<f64>,
    pub baseline_period_start: Option<NaiveDate>,
    pub baseline_period_end: Option<NaiveDate>,
    pub target_value: f64,
    pub target_date: NaiveDate,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TargetRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The targets of some agreements with their KPI's code, by KPI code and group.
pub fn list(
    conn: &mut DbConnection,
    agreement_ids: &[String],
) -> QueryResult<Vec<(TargetRow, String)>> {
    kpi_targets::table
        .inner_join(kpi_definitions::table)
        .filter(kpi_targets::agreement_id.eq_any(agreement_ids))
        .order((
            kpi_definitions::code.asc(),
            kpi_targets::student_group.asc(),
            kpi_targets::id.asc(),
        ))
        .select((TargetRow::as_select(), kpi_definitions::code))
        .load(conn)
}

pub fn find(
    conn: &mut DbConnection,
    agreement_id: &str,
    id: &str,
) -> QueryResult<Option<(TargetRow, String)>> {
    kpi_targets::table
        .inner_join(kpi_definitions::table)
        .filter(kpi_targets::agreement_id.eq(agreement_id))
        .filter(kpi_targets::id.eq(id))
        .select((TargetRow::as_select(), kpi_definitions::code))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &TargetRow) -> QueryResult<()> {
    diesel::insert_into(kpi_targets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConnection,
    row: &TargetRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        kpi_targets::table
            .filter(kpi_targets::id.eq(&row.id))
            .filter(kpi_targets::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(kpi_targets::table.filter(kpi_targets::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}
