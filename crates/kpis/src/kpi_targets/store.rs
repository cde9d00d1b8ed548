//! SQL for KPI targets.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use pipeline::Stored;
use platform::db::keyset::{After, KeyValue, Keyed, Sort, SortKey};
use platform::db::schema::{kpi_definitions, kpi_targets};
use platform::db::{DbConnection, MultiBackend, Stamp};

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
    pub baseline_n: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    TargetRow,
    kpi_targets,
    name = student_group,
    parent = agreement_id
);

/// A target with the code of its KPI, as readers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub row: TargetRow,
    pub kpi_code: String,
}

impl Keyed for Target {
    fn id(&self) -> &str {
        &self.row.id
    }

    fn key(&self, key: SortKey) -> KeyValue {
        match key {
            SortKey::Name => KeyValue::Text(self.kpi_code.clone()),
            other => self.row.key(other),
        }
    }
}

impl Stored for Target {
    fn stamp(&self) -> Stamp {
        self.row.stamp()
    }

    fn version(&self) -> i64 {
        self.row.version
    }

    fn parent_id(&self) -> Option<&str> {
        Some(&self.row.agreement_id)
    }

    fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Self>> {
        Ok(kpi_targets::table
            .inner_join(kpi_definitions::table)
            .filter(kpi_targets::id.eq(id))
            .select((TargetRow::as_select(), kpi_definitions::code))
            .first(conn)
            .optional()?
            .map(|(row, kpi_code)| Target { row, kpi_code }))
    }

    fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
        TargetRow::lock(conn, id)
    }

    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()> {
        self.row.insert(conn)
    }

    fn update(&self, conn: &mut DbConnection, expected_version: i64) -> QueryResult<bool> {
        self.row.update(conn, expected_version)
    }

    fn delete(conn: &mut DbConnection, id: &str, expected_version: i64) -> QueryResult<bool> {
        TargetRow::delete(conn, id, expected_version)
    }
}

/// One page of an agreement's targets; `sort=name` orders by KPI code (then group).
pub fn page(
    conn: &mut DbConnection,
    agreement_id: &str,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<Target>> {
    let query = kpi_targets::table
        .inner_join(kpi_definitions::table)
        .filter(kpi_targets::agreement_id.eq(agreement_id.to_owned()))
        .select((TargetRow::as_select(), kpi_definitions::code))
        .into_boxed::<MultiBackend>();
    let query = match sort.key {
        SortKey::Name => platform::keyset_by!(
            query,
            kpi_definitions::code,
            kpi_targets::id,
            sort.descending,
            after.and_then(|a| a.text())
        ),
        _ => platform::keyset_page!(query, kpi_targets, student_group, sort, after),
    };
    Ok(query
        .limit(limit)
        .load::<(TargetRow, String)>(conn)?
        .into_iter()
        .map(|(row, kpi_code)| Target { row, kpi_code })
        .collect())
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
