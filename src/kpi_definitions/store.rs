//! SQL for KPI definitions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::kpi_definitions;
use crate::db::{DbConnection, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = kpi_definitions, treat_none_as_null = true)]
pub struct DefinitionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub unit: String,
    pub direction: String,
    pub aggregation: String,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl DefinitionRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The whole catalogue by code (a district has tens of metrics).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<DefinitionRow>> {
    kpi_definitions::table
        .order(kpi_definitions::code.asc())
        .select(DefinitionRow::as_select())
        .load(conn)
}

/// By id or by code.
pub fn find(conn: &mut DbConnection, id_or_code: &str) -> QueryResult<Option<DefinitionRow>> {
    kpi_definitions::table
        .filter(
            kpi_definitions::id
                .eq(id_or_code)
                .or(kpi_definitions::code.eq(id_or_code)),
        )
        .select(DefinitionRow::as_select())
        .first(conn)
        .optional()
}

pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(kpi_definitions::table.filter(kpi_definitions::id.eq(id)))
        .set(kpi_definitions::version.eq(kpi_definitions::version))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert(conn: &mut DbConnection, row: &DefinitionRow) -> QueryResult<()> {
    diesel::insert_into(kpi_definitions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConnection,
    row: &DefinitionRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        kpi_definitions::table
            .filter(kpi_definitions::id.eq(&row.id))
            .filter(kpi_definitions::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(kpi_definitions::table.filter(kpi_definitions::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}
