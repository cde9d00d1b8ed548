//! The agreement KPI rollup (`kpi_rollups`): per agreement, KPI, student group and period, the
//! sums of its records, which an agreement's series reads instead of every school's record.
//! A batch brings the cells it touched up to date once its records are written, in the same
//! transaction, so a batch rolled back leaves the rollup as it was ([`Changes`]):
//! - a cell that only gained records gets their sums added, without reading its other records;
//! - a cell where a record changed is recomputed from its records with [`SUMS`].
//!
//! Once a batch, not once a chunk: a cell's records (one per school) often arrive in different
//! chunks. Floating-point sums may be added in another order than a query over the records
//! would use, so the last bit of `weighted`, `value_sum`, `numerator` and `denominator` can
//! differ from such a query (as two such queries may differ from each other).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Text};

use platform::db::DbConnection;

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

/// Cells per statement: 5 binds a cell (13 for added sums) on SQLite stays far below its
/// bind limit.
const CELLS_PER_STATEMENT: usize = 2000;

/// The sums of some records of one cell, as [`SUMS`] defines them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sums {
    records: i64,
    n: i64,
    min_n: i64,
    weighted: f64,
    value_sum: f64,
    with_ratio: i64,
    numerator: f64,
    denominator: f64,
}

impl Sums {
    /// Counts one more record.
    pub fn add(&mut self, value: f64, n: i64, numerator: Option<f64>, denominator: Option<f64>) {
        self.min_n = if self.records == 0 {
            n
        } else {
            self.min_n.min(n)
        };
        self.records += 1;
        self.n += n;
        self.weighted += value * n as f64;
        self.value_sum += value;
        if numerator.is_some() && denominator.is_some() {
            self.with_ratio += 1;
        }
        self.numerator += numerator.unwrap_or(0.0);
        self.denominator += denominator.unwrap_or(0.0);
    }
}

/// What a batch has done to the rollup's cells so far, applied by [`Changes::apply`] before it
/// commits. Memory holds one entry per cell touched, not per record.
#[derive(Debug, Default)]
pub struct Changes {
    /// Cells that only gained records, with the sums of the records they gained.
    added: BTreeMap<CellKey, Sums>,
    /// Cells where a stored record changed: recomputed from their records.
    rewritten: BTreeSet<CellKey>,
}

impl Changes {
    /// A record the batch inserted.
    pub fn inserted(
        &mut self,
        cell: CellKey,
        value: f64,
        n: i64,
        numerator: Option<f64>,
        denominator: Option<f64>,
    ) {
        // A recomputed cell reads this record with the others.
        if !self.rewritten.contains(&cell) {
            self.added
                .entry(cell)
                .or_default()
                .add(value, n, numerator, denominator);
        }
    }

    /// A record the batch changed: its cell's old sums no longer hold.
    pub fn changed(&mut self, cell: CellKey) {
        self.added.remove(&cell);
        self.rewritten.insert(cell);
    }

    /// Brings the touched cells up to date, in the caller's transaction.
    pub fn apply(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let added: Vec<(&CellKey, &Sums)> = self.added.iter().collect();
        for chunk in added.chunks(CELLS_PER_STATEMENT) {
            add_chunk(conn, chunk)?;
        }
        refresh(conn, &self.rewritten)
    }
}

/// Adds sums to their cells; a cell not yet in the rollup is created with them.
fn add_chunk(conn: &mut DbConnection, cells: &[(&CellKey, &Sums)]) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Double};
    let least = match conn {
        DbConnection::Postgres(_) => "LEAST",
        DbConnection::Sqlite(_) => "MIN",
    };
    let on_conflict = format!(
        " ON CONFLICT (agreement_id, kpi_id, student_group, period_end, period_start) DO UPDATE \
         SET records = kpi_rollups.records + excluded.records, \
         n = kpi_rollups.n + excluded.n, \
         min_n = {least}(kpi_rollups.min_n, excluded.min_n), \
         weighted = kpi_rollups.weighted + excluded.weighted, \
         value_sum = kpi_rollups.value_sum + excluded.value_sum, \
         with_ratio = kpi_rollups.with_ratio + excluded.with_ratio, \
         numerator = kpi_rollups.numerator + excluded.numerator, \
         denominator = kpi_rollups.denominator + excluded.denominator"
    );
    match conn {
        DbConnection::Postgres(pg) => {
            use diesel::sql_types::Array;
            let texts = |f: fn(&CellKey) -> &String| {
                cells.iter().map(|(c, _)| f(c).clone()).collect::<Vec<_>>()
            };
            let ints = |f: fn(&Sums) -> i64| cells.iter().map(|(_, s)| f(s)).collect::<Vec<_>>();
            let floats = |f: fn(&Sums) -> f64| cells.iter().map(|(_, s)| f(s)).collect::<Vec<_>>();
            let sql = format!(
                "INSERT INTO kpi_rollups ({COLUMNS}) SELECT * FROM UNNEST($1::text[], \
                 $2::text[], $3::text[], $4::date[], $5::date[], $6::int8[], $7::int8[], \
                 $8::int8[], $9::float8[], $10::float8[], $11::int8[], $12::float8[], \
                 $13::float8[]){on_conflict}"
            );
            diesel::sql_query(sql)
                .bind::<Array<Text>, _>(texts(|c| &c.agreement_id))
                .bind::<Array<Text>, _>(texts(|c| &c.kpi_id))
                .bind::<Array<Text>, _>(texts(|c| &c.student_group))
                .bind::<Array<Date>, _>(
                    cells
                        .iter()
                        .map(|(c, _)| c.period_start)
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Date>, _>(cells.iter().map(|(c, _)| c.period_end).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(ints(|s| s.records))
                .bind::<Array<BigInt>, _>(ints(|s| s.n))
                .bind::<Array<BigInt>, _>(ints(|s| s.min_n))
                .bind::<Array<Double>, _>(floats(|s| s.weighted))
                .bind::<Array<Double>, _>(floats(|s| s.value_sum))
                .bind::<Array<BigInt>, _>(ints(|s| s.with_ratio))
                .bind::<Array<Double>, _>(floats(|s| s.numerator))
                .bind::<Array<Double>, _>(floats(|s| s.denominator))
                .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; cells.len()].join(", ");
            // `WHERE true` settles the parse of the upsert after a SELECT.
            let sql = format!(
                "INSERT INTO kpi_rollups ({COLUMNS}) SELECT * FROM (VALUES {values}) \
                 WHERE true{on_conflict}"
            );
            let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            for (cell, sums) in cells {
                query = query
                    .bind::<Text, _>(&cell.agreement_id)
                    .bind::<Text, _>(&cell.kpi_id)
                    .bind::<Text, _>(&cell.student_group)
                    .bind::<Date, _>(cell.period_start)
                    .bind::<Date, _>(cell.period_end)
                    .bind::<BigInt, _>(sums.records)
                    .bind::<BigInt, _>(sums.n)
                    .bind::<BigInt, _>(sums.min_n)
                    .bind::<Double, _>(sums.weighted)
                    .bind::<Double, _>(sums.value_sum)
                    .bind::<BigInt, _>(sums.with_ratio)
                    .bind::<Double, _>(sums.numerator)
                    .bind::<Double, _>(sums.denominator);
            }
            query.execute(lite)?;
        }
    }
    Ok(())
}

/// Rewrites the cells `cells` from their records. Records are never deleted, so a cell asked
/// for always has at least one.
fn refresh(conn: &mut DbConnection, cells: &BTreeSet<CellKey>) -> QueryResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(group: &str) -> CellKey {
        let day = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap_or_default();
        CellKey {
            agreement_id: "a".into(),
            kpi_id: "k".into(),
            student_group: group.into(),
            period_end: day,
            period_start: day,
        }
    }

    #[test]
    fn sums_follow_the_sql_definition() {
        let mut sums = Sums::default();
        sums.add(80.0, 300, Some(240.0), Some(300.0));
        sums.add(90.0, 100, None, Some(5.0));
        assert_eq!(
            sums,
            Sums {
                records: 2,
                n: 400,
                min_n: 100,
                weighted: 80.0 * 300.0 + 90.0 * 100.0,
                value_sum: 170.0,
                with_ratio: 1,
                numerator: 240.0,
                denominator: 305.0,
            }
        );
    }

    #[test]
    fn a_changed_record_makes_its_cell_recomputed_whatever_came_before_or_after() {
        let mut changes = Changes::default();
        changes.inserted(cell("all"), 1.0, 10, None, None);
        changes.inserted(cell("ell"), 1.0, 10, None, None);
        changes.changed(cell("all"));
        changes.inserted(cell("all"), 2.0, 20, None, None);
        changes.inserted(cell("ell"), 3.0, 5, None, None);
        assert_eq!(changes.rewritten, BTreeSet::from([cell("all")]));
        let ell = changes.added.get(&cell("ell")).copied().unwrap_or_default();
        assert_eq!(
            (ell.records, ell.n, ell.min_n, ell.value_sum),
            (2, 15, 5, 4.0)
        );
        assert!(!changes.added.contains_key(&cell("all")));
    }
}
