//! The agreement KPI rollup (`kpi_rollups`): per agreement, KPI, student group and period, the
//! sums of its records, which an agreement's series reads instead of every school's record.
//! A batch refreshes the cells it changed once its records are written, from the records
//! themselves and in the same transaction: a cell always equals what [`SUMS`] gives over its
//! records, and a batch rolled back leaves the rollup as it was. Once a batch, not once a
//! chunk: a cell's records (one per school) often arrive in different chunks.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Text};

use crate::db::DbConnection;

/// The sums of a cell, in the columns of `kpi_rollups` (and of
/// `kpi_progress::store::CellRow`); the casts make both backends answer the same types
/// (PostgreSQL's SUM of a bigint is a numeric).
pub const SUMS: &str = "CAST(COUNT(*) AS BIGINT) AS records, \
     CAST(SUM(n) AS BIGINT) AS n, \
     CAST(MIN(n) AS BIGINT) AS min_n, \
     CAST(SUM(value * n) AS DOUBLE PRECISION) AS weighted, \
     CAST(SUM(value) AS DOUBLE PRECISION) AS value_sum, \
     CAST(SUM(CASE WHEN numerator IS NOT NULL AND denominator IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS with_ratio, \
     CAST(COALESCE(SUM(numerator), 0) AS DOUBLE PRECISION) AS numerator, \
     CAST(COALESCE(SUM(denominator), 0) AS DOUBLE PRECISION) AS denominator";

const COLUMNS: &str = "agreement_id, kpi_id, student_group, period_start, period_end, records, \
     n, min_n, weighted, value_sum, with_ratio, numerator, denominator";

const ON_CONFLICT: &str = " ON CONFLICT (agreement_id, kpi_id, student_group, period_end, \
     period_start) DO UPDATE SET records = excluded.records, n = excluded.n, \
     min_n = excluded.min_n, weighted = excluded.weighted, value_sum = excluded.value_sum, \
     with_ratio = excluded.with_ratio, numerator = excluded.numerator, \
     denominator = excluded.denominator";

/// One cell of the rollup: an agreement's KPI, student group and period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub agreement_id: String,
    pub kpi_id: String,
    pub student_group: String,
    pub period_end: NaiveDate,
    pub period_start: NaiveDate,
}

/// Cells per statement: 5 binds a cell on SQLite stays far below its bind limit.
const CELLS_PER_STATEMENT: usize = 2000;

/// Rewrites the cells `cells` from their records. Records are never deleted, so a cell asked
/// for always has at least one.
pub fn refresh(conn: &mut DbConnection, cells: &BTreeSet<CellKey>) -> QueryResult<()> {
    let cells: Vec<&CellKey> = cells.iter().collect();
    for chunk in cells.chunks(CELLS_PER_STATEMENT) {
        refresh_chunk(conn, chunk)?;
    }
    Ok(())
}

fn refresh_chunk(conn: &mut DbConnection, cells: &[&CellKey]) -> QueryResult<()> {
    let group_by = "GROUP BY r.agreement_key, r.kpi_id, r.student_group, r.period_start, \
         r.period_end";
    let select = format!(
        "SELECT r.agreement_key, r.kpi_id, r.student_group, r.period_start, r.period_end, \
         {SUMS}"
    );
    match conn {
        DbConnection::Postgres(pg) => {
            use diesel::sql_types::Array;
            let texts =
                |f: fn(&CellKey) -> &String| cells.iter().map(|c| f(c).clone()).collect::<Vec<_>>();
            let sql = format!(
                "INSERT INTO kpi_rollups ({COLUMNS}) {select} \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::date[], $5::date[]) \
                 AS c(a, k, g, e, s) \
                 JOIN kpi_records r ON r.agreement_key = c.a AND r.kpi_id = c.k \
                 AND r.student_group = c.g AND r.period_end = c.e AND r.period_start = c.s \
                 {group_by}{ON_CONFLICT}"
            );
            diesel::sql_query(sql)
                .bind::<Array<Text>, _>(texts(|c| &c.agreement_id))
                .bind::<Array<Text>, _>(texts(|c| &c.kpi_id))
                .bind::<Array<Text>, _>(texts(|c| &c.student_group))
                .bind::<Array<Date>, _>(cells.iter().map(|c| c.period_end).collect::<Vec<_>>())
                .bind::<Array<Date>, _>(cells.iter().map(|c| c.period_start).collect::<Vec<_>>())
                .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            // The cells are joined to the records, not matched with a row-value IN, which
            // SQLite answers with a scan of the whole index. `WHERE true` settles the parse of
            // the upsert.
            let values = vec!["(?, ?, ?, ?, ?)"; cells.len()].join(", ");
            let sql = format!(
                "INSERT INTO kpi_rollups ({COLUMNS}) {select} FROM (VALUES {values}) AS c \
                 JOIN kpi_records r ON r.agreement_key = c.column1 AND r.kpi_id = c.column2 \
                 AND r.student_group = c.column3 AND r.period_end = c.column4 \
                 AND r.period_start = c.column5 WHERE true {group_by}{ON_CONFLICT}"
            );
            let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            for cell in cells {
                query = query
                    .bind::<Text, _>(&cell.agreement_id)
                    .bind::<Text, _>(&cell.kpi_id)
                    .bind::<Text, _>(&cell.student_group)
                    .bind::<Date, _>(cell.period_end)
                    .bind::<Date, _>(cell.period_start);
            }
            query.execute(lite)?;
        }
    }
    Ok(())
}
