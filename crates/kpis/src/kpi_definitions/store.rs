//! SQL for KPI definitions.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::kpi_definitions;
use platform::db::{DbConnection, MultiBackend};

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
    pub min_cell_size: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(DefinitionRow, kpi_definitions, name = code, code = code);

/// Up to `limit` definitions after `after` in `sort` order (`SortKey::Name` is the code).
pub fn page(
    conn: &mut DbConnection,
    unit: Option<&'static str>,
    updated_since: Option<DateTime<Utc>>,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<DefinitionRow>> {
    let mut query = kpi_definitions::table
        .select(DefinitionRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(unit) = unit {
        query = query.filter(kpi_definitions::unit.eq(unit));
    }
    if let Some(since) = updated_since {
        query = query.filter(kpi_definitions::updated_at.ge(since.naive_utc()));
    }
    let query = platform::keyset_page!(query, kpi_definitions, code, sort, after);
    query.limit(limit).load(conn)
}

/// The whole catalogue by code (a district has tens of metrics).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<DefinitionRow>> {
    kpi_definitions::table
        .order(kpi_definitions::code.asc())
        .select(DefinitionRow::as_select())
        .load(conn)
}
