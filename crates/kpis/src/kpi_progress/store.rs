//! Aggregates of an agreement's KPI records per KPI, student group and period, read from the
//! rollup ingest maintains (`kpi_records::rollup`), and the records behind the latest ones.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Text};

use super::model::CellSums;
use crate::kpi_records::store::MemberRow;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, QueryableByName, Queryable, Selectable)]
#[diesel(table_name = platform::db::schema::kpi_rollups)]
pub struct CellRow {
    #[diesel(sql_type = Text)]
    pub kpi_id: String,
    #[diesel(sql_type = Text)]
    pub student_group: String,
    #[diesel(sql_type = Date)]
    pub period_start: NaiveDate,
    #[diesel(sql_type = Date)]
    pub period_end: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub records: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// The smallest `n` of the records combined.
    #[diesel(sql_type = BigInt)]
    pub min_n: i64,
    #[diesel(sql_type = Double)]
    pub weighted: f64,
    #[diesel(sql_type = Double)]
    pub value_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub with_ratio: i64,
    #[diesel(sql_type = Double)]
    pub numerator: f64,
    #[diesel(sql_type = Double)]
    pub denominator: f64,
}

impl CellRow {
    pub fn sums(&self) -> CellSums {
        CellSums {
            records: self.records,
            n: self.n,
            weighted: self.weighted,
            value_sum: self.value_sum,
            with_ratio: self.with_ratio,
            numerator: self.numerator,
            denominator: self.denominator,
        }
    }
}

impl CellRow {
    /// What `kpi_records::rollup::SUMS` computes in SQL, from records already read: one cell of `records`, which
    /// share a KPI, group and period.
    pub fn of_records(records: &[&MemberRow]) -> Option<CellRow> {
        let first = records.first()?;
        let mut cell = CellRow {
            kpi_id: first.kpi_id.clone(),
            student_group: first.student_group.clone(),
            period_start: first.period_start,
            period_end: first.period_end,
            records: 0,
            n: 0,
            min_n: i64::MAX,
            weighted: 0.0,
            value_sum: 0.0,
            with_ratio: 0,
            numerator: 0.0,
            denominator: 0.0,
        };
        for r in records {
            cell.records += 1;
            cell.n += r.n;
            cell.min_n = cell.min_n.min(r.n);
            cell.weighted += r.value * r.n as f64;
            cell.value_sum += r.value;
            if r.numerator.is_some() && r.denominator.is_some() {
                cell.with_ratio += 1;
            }
            cell.numerator += r.numerator.unwrap_or(0.0);
            cell.denominator += r.denominator.unwrap_or(0.0);
        }
        Some(cell)
    }
}

#[derive(Debug, Default, Clone)]
pub struct CellFilter {
    pub kpi_id: Option<String>,
    pub student_group: Option<String>,
    /// Periods ending on or after this date.
    pub from: Option<NaiveDate>,
    /// Periods starting on or before this date.
    pub to: Option<NaiveDate>,
}

/// The combined cells of an agreement's records, by KPI, group and period, from the rollup,
/// in no particular order.
pub fn cells(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &CellFilter,
) -> QueryResult<Vec<CellRow>> {
    use platform::db::schema::kpi_rollups as r;
    // Through the query builder, not `sql_query`: rows are then read by position, where
    // by-name reading searched the result's columns for every field of every row (5 % of the
    // server's samples for a year of weekly cells on PostgreSQL).
    let mut query = r::table
        .filter(r::agreement_id.eq(agreement_id))
        .select(CellRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(kpi) = &filter.kpi_id {
        query = query.filter(r::kpi_id.eq(kpi));
    }
    if let Some(group) = &filter.student_group {
        query = query.filter(r::student_group.eq(group));
    }
    if let Some(from) = filter.from {
        query = query.filter(r::period_end.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(r::period_start.le(to));
    }
    // In no particular order: the window is one range of the rollup's key (agreement, then
    // period), and PostgreSQL would sort it after a bitmap scan for longer than the scan took.
    query.load(conn)
}

/// A cell of the latest period of one agreement's KPI and group.
#[derive(Debug, Clone, QueryableByName)]
pub struct AgreementCell {
    #[diesel(sql_type = Text)]
    pub agreement_id: String,
    #[diesel(embed)]
    pub cell: CellRow,
}

/// For every KPI target of the agreements active on `today`, the combined cell(s) of the
/// latest period with records — in one statement, however many targets there are.
pub fn latest_target_cells(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<Vec<AgreementCell>> {
    // The latest period of each target first (one seek each in `kpi_rollups_series`), then
    // that period's cell (one range of the rollup's key).
    let sql = "WITH latest AS MATERIALIZED ( \
           SELECT t.agreement_id AS agreement_id, t.kpi_id AS kpi_id, \
             t.student_group AS student_group, \
             (SELECT MAX(m.period_end) FROM kpi_rollups m \
               WHERE m.agreement_id = t.agreement_id AND m.kpi_id = t.kpi_id \
               AND m.student_group = t.student_group) AS last_end \
           FROM kpi_targets t JOIN agreements a ON a.id = t.agreement_id \
           WHERE a.status = 'active' AND a.end_date >= $1) \
         SELECT r.agreement_id AS agreement_id, r.kpi_id AS kpi_id, \
         r.student_group AS student_group, r.period_start AS period_start, \
         r.period_end AS period_end, r.records AS records, r.n AS n, r.min_n AS min_n, \
         r.weighted AS weighted, r.value_sum AS value_sum, r.with_ratio AS with_ratio, \
         r.numerator AS numerator, r.denominator AS denominator \
         FROM latest l \
         JOIN kpi_rollups r ON r.agreement_id = l.agreement_id AND r.kpi_id = l.kpi_id \
           AND r.student_group = l.student_group AND r.period_end = l.last_end \
         ORDER BY r.agreement_id, r.kpi_id, r.student_group, r.period_end, r.period_start";
    diesel::sql_query(sql).bind::<Date, _>(today).load(conn)
}

/// Every record of the latest period of each KPI target of the agreements active on `today`,
/// in every student group (suppression judges a cell with the rest of its family). The join on
/// the catalogue turns the read into one index seek per group.
pub fn latest_target_members(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<Vec<MemberRow>> {
    let sql = "WITH latest AS MATERIALIZED ( \
           SELECT DISTINCT t.agreement_id AS agreement_id, t.kpi_id AS kpi_id, \
             (SELECT MAX(m.period_end) FROM kpi_records m \
               WHERE m.agreement_key = t.agreement_id AND m.kpi_id = t.kpi_id \
               AND m.student_group = t.student_group) AS last_end \
           FROM kpi_targets t JOIN agreements a ON a.id = t.agreement_id \
           WHERE a.status = 'active' AND a.end_date >= $1) \
         SELECT r.kpi_id AS kpi_id, r.school_id AS school_id, r.agreement_key AS agreement_key, \
         r.student_group AS student_group, r.period_start AS period_start, \
         r.period_end AS period_end, r.value AS value, r.n AS n, r.numerator AS numerator, \
         r.denominator AS denominator \
         FROM (SELECT DISTINCT agreement_id, kpi_id, last_end FROM latest) l \
         CROSS JOIN student_groups g \
         JOIN kpi_records r ON r.agreement_key = l.agreement_id AND r.kpi_id = l.kpi_id \
           AND r.student_group = g.code AND r.period_end = l.last_end";
    diesel::sql_query(sql).bind::<Date, _>(today).load(conn)
}
