//! SQL for KPI records: reference lookups for ingest, the bulk upsert on each backend's fast
//! path, and the filtered, keyset-paged read.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text, Timestamp};

use super::rollup::{CellKey, Changes};
use platform::db::keyset::{After, KeyValue, Keyed, Sort, SortKey};
use platform::db::schema::{agreement_partners, agreements, kpi_definitions, kpi_records, schools};
use platform::db::sql::new_id;
use platform::db::{DbConnection, MultiBackend};

/// A record ready to be written: every reference resolved to our ids.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub kpi_id: String,
    pub school_id: String,
    pub agreement_id: Option<String>,
    pub student_group: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub n: i64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub source: Option<String>,
}

impl NewRecord {
    /// The natural key: pushing a record with the same key again updates it.
    pub fn key(&self) -> (&str, &str, &str, &str, NaiveDate, NaiveDate) {
        (
            &self.kpi_id,
            &self.school_id,
            self.agreement_id.as_deref().unwrap_or(""),
            &self.student_group,
            self.period_start,
            self.period_end,
        )
    }
}

/// How many rows of a chunk were new and how many changed (the rest were unchanged).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    pub inserted: usize,
    pub updated: usize,
}

/// A row the upsert wrote (inserted or changed), with its rollup cell.
#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Text)]
    agreement_key: String,
    #[diesel(sql_type = Text)]
    kpi_id: String,
    #[diesel(sql_type = Text)]
    student_group: String,
    #[diesel(sql_type = Date)]
    period_end: NaiveDate,
    #[diesel(sql_type = Date)]
    period_start: NaiveDate,
    #[diesel(sql_type = Double)]
    value: f64,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    numerator: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    denominator: Option<f64>,
}

const COLUMNS: &str = "id, kpi_id, school_id, agreement_id, agreement_key, student_group, \
     period_start, period_end, value, n, numerator, denominator, source, version, created_at, \
     updated_at";
const BINDS_PER_ROW: usize = 15;

/// Rows per upsert statement. SQLite: 15 binds a row stays far below its 32,766 bind limit.
/// PostgreSQL: the rows travel as 12 arrays, so a chunk is bounded only by memory.
pub fn chunk_rows(conn: &DbConnection) -> usize {
    match conn {
        DbConnection::Postgres(_) => 5000,
        DbConnection::Sqlite(_) => 500,
    }
}

const ON_CONFLICT: &str = " ON CONFLICT (kpi_id, school_id, agreement_key, student_group, \
     period_start, period_end) DO UPDATE SET value = excluded.value, n = excluded.n, \
     numerator = excluded.numerator, denominator = excluded.denominator, \
     source = excluded.source, version = kpi_records.version + 1, \
     updated_at = excluded.updated_at";

/// Columns whose change makes an upsert an update; otherwise the row is left alone.
const COMPARED: [&str; 5] = ["value", "n", "numerator", "denominator", "source"];

fn changed_condition(differs: &str) -> String {
    let parts: Vec<String> = COMPARED
        .iter()
        .map(|c| format!("kpi_records.{c} {differs} excluded.{c}"))
        .collect();
    format!(
        " WHERE {} RETURNING version, agreement_key, kpi_id, student_group, period_end, \
         period_start, value, n, numerator, denominator",
        parts.join(" OR ")
    )
}

/// `INSERT … VALUES (…), (…) ON CONFLICT (natural key) DO UPDATE … WHERE something changed
/// RETURNING version`: new rows come back with version 1, changed rows with a higher one, and
/// unchanged rows not at all.
fn sqlite_upsert_sql(rows: usize) -> String {
    let mut sql = format!("INSERT INTO kpi_records ({COLUMNS}) VALUES ");
    let row = format!("({}, 1, ?, ?)", vec!["?"; BINDS_PER_ROW - 2].join(", "));
    sql.push_str(&vec![row; rows].join(", "));
    sql.push_str(ON_CONFLICT);
    sql.push_str(&changed_condition("IS NOT"));
    sql
}

/// How a chunk is written on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A plain insert, which fails on the first key that exists.
    Insert,
    /// The upsert.
    Upsert,
    /// The upsert of the rows that differ from what is stored: rows sent again unchanged are
    /// left out before `ON CONFLICT`, which would lock each of them (a write of its page and a
    /// log record) only to find nothing to update.
    UpsertChanged,
}

/// PostgreSQL: the chunk as one array per column, unnested into rows — one short statement
/// with 13 parameters whatever the chunk size.
fn postgres_insert_sql(write: Write) -> String {
    let tail = if write == Write::Insert {
        " RETURNING version, agreement_key, kpi_id, student_group, period_end, period_start, \
         value, n, numerator, denominator"
            .to_owned()
    } else {
        format!("{ON_CONFLICT}{}", changed_condition("IS DISTINCT FROM"))
    };
    let only_changed = if write == Write::UpsertChanged {
        let same: Vec<String> = COMPARED
            .iter()
            .map(|c| format!("r.{c} IS NOT DISTINCT FROM u.{c}"))
            .collect();
        // A scalar subquery, looked up row by row in the natural key: `NOT EXISTS` becomes an
        // anti-join, which the planner, knowing nothing of the arrays' length, hashes over a
        // scan of the whole table for every chunk.
        format!(
            " WHERE COALESCE((SELECT NOT ({}) FROM kpi_records r \
             WHERE r.agreement_key = COALESCE(u.agreement_id, '') AND r.kpi_id = u.kpi_id \
             AND r.student_group = u.student_group AND r.period_end = u.period_end \
             AND r.period_start = u.period_start AND r.school_id = u.school_id), TRUE)",
            same.join(" AND ")
        )
    } else {
        String::new()
    };
    format!(
        "INSERT INTO kpi_records ({COLUMNS}) \
         SELECT id, kpi_id, school_id, agreement_id, COALESCE(agreement_id, ''), student_group, \
         period_start, period_end, value, n, numerator, denominator, source, 1, $13, $13 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], \
         $7::date[], $8::float8[], $9::int8[], $10::float8[], $11::float8[], $12::text[]) \
         AS u(id, kpi_id, school_id, agreement_id, student_group, period_start, period_end, \
         value, n, numerator, denominator, source){only_changed}{tail}"
    )
}

/// How a batch writes its chunks on PostgreSQL. There `INSERT … ON CONFLICT` costs the
/// database more per row than a plain insert (speculative insertion: 40,000 against 71,000
/// rows/s from psql; 1-12 % of the API's insert rate, benches/README), and a nightly push is
/// mostly all new keys, all known ones sent again, or all known ones changed. So a batch
/// tries each chunk as a plain insert inside a savepoint until one meets an existing key; that
/// chunk is rolled back to the savepoint and upserted, and so is the rest of the batch. The
/// upsert first leaves out the rows sent unchanged (300,000 of them: 0.5 s against 2.1 s in
/// psql), until a chunk turns out mostly changed, where looking each row up first costs more
/// than it saves; the rest of the batch is then upserted whole.
#[derive(Debug)]
pub struct Strategy {
    plain_insert: bool,
    skip_unchanged: bool,
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy {
            plain_insert: true,
            skip_unchanged: true,
        }
    }
}

impl Strategy {
    /// The statement for the next chunk.
    fn write(&self) -> Write {
        match (self.plain_insert, self.skip_unchanged) {
            (true, _) => Write::Insert,
            (false, true) => Write::UpsertChanged,
            (false, false) => Write::Upsert,
        }
    }

    /// Learns from a chunk of `rows` rows whose upsert returned `written` (inserted or
    /// updated).
    fn written(&mut self, rows: usize, written: &[Written]) {
        let updated = written.iter().filter(|w| w.version > 1).count();
        if updated * 2 > rows {
            self.skip_unchanged = false;
        }
    }
}

/// The statement that writes a chunk as `write` says, made once.
fn postgres_statement(write: Write) -> &'static str {
    use std::sync::LazyLock;
    static INSERT: LazyLock<String> = LazyLock::new(|| postgres_insert_sql(Write::Insert));
    static UPSERT: LazyLock<String> = LazyLock::new(|| postgres_insert_sql(Write::Upsert));
    static UPSERT_CHANGED: LazyLock<String> =
        LazyLock::new(|| postgres_insert_sql(Write::UpsertChanged));
    match write {
        Write::Insert => &INSERT,
        Write::Upsert => &UPSERT,
        Write::UpsertChanged => &UPSERT_CHANGED,
    }
}

/// Writes a chunk of records whose natural keys are distinct, in one statement, and notes in
/// `rollup` what the agreements' records among them do to the rollup, which the writer must
/// apply ([`Changes::apply`]) before it commits.
pub fn upsert(
    conn: &mut DbConnection,
    rows: &[NewRecord],
    now: NaiveDateTime,
    rollup: &mut Changes,
    strategy: &mut Strategy,
) -> QueryResult<Upserted> {
    if rows.is_empty() {
        return Ok(Upserted::default());
    }
    let written: Vec<Written> = match conn {
        DbConnection::Postgres(pg) => postgres_write(pg, rows, now, strategy)?,
        DbConnection::Sqlite(lite) => {
            let mut query = diesel::sql_query(sqlite_upsert_sql(rows.len()))
                .into_boxed::<diesel::sqlite::Sqlite>();
            for row in rows {
                query = query
                    .bind::<Text, _>(new_id())
                    .bind::<Text, _>(&row.kpi_id)
                    .bind::<Text, _>(&row.school_id)
                    .bind::<Nullable<Text>, _>(&row.agreement_id)
                    .bind::<Text, _>(row.agreement_id.as_deref().unwrap_or(""))
                    .bind::<Text, _>(&row.student_group)
                    .bind::<Date, _>(row.period_start)
                    .bind::<Date, _>(row.period_end)
                    .bind::<Double, _>(row.value)
                    .bind::<BigInt, _>(row.n)
                    .bind::<Nullable<Double>, _>(row.numerator)
                    .bind::<Nullable<Double>, _>(row.denominator)
                    .bind::<Nullable<Text>, _>(&row.source)
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(now);
            }
            query.load(lite)?
        }
    };
    let inserted = written.iter().filter(|w| w.version == 1).count();
    let updated = written.len() - inserted;
    for w in written.into_iter().filter(|w| !w.agreement_key.is_empty()) {
        let cell = CellKey {
            agreement_id: w.agreement_key,
            kpi_id: w.kpi_id,
            student_group: w.student_group,
            period_end: w.period_end,
            period_start: w.period_start,
        };
        if w.version == 1 {
            rollup.inserted(cell, w.value, w.n, w.numerator, w.denominator);
        } else {
            rollup.changed(cell);
        }
    }
    Ok(Upserted { inserted, updated })
}

fn postgres_write(
    pg: &mut diesel::PgConnection,
    rows: &[NewRecord],
    now: NaiveDateTime,
    strategy: &mut Strategy,
) -> QueryResult<Vec<Written>> {
    use diesel::result::{DatabaseErrorKind, Error};
    use diesel::sql_types::Array;

    let ids: Vec<String> = rows.iter().map(|_| new_id()).collect();
    let texts = |f: fn(&NewRecord) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let (kpis, schools, groups) = (
        texts(|r| r.kpi_id.as_str()),
        texts(|r| r.school_id.as_str()),
        texts(|r| r.student_group.as_str()),
    );
    let agreements: Vec<Option<&str>> = rows.iter().map(|r| r.agreement_id.as_deref()).collect();
    let sources: Vec<Option<&str>> = rows.iter().map(|r| r.source.as_deref()).collect();
    let starts: Vec<NaiveDate> = rows.iter().map(|r| r.period_start).collect();
    let ends: Vec<NaiveDate> = rows.iter().map(|r| r.period_end).collect();
    let values: Vec<f64> = rows.iter().map(|r| r.value).collect();
    let ns: Vec<i64> = rows.iter().map(|r| r.n).collect();
    let numerators: Vec<Option<f64>> = rows.iter().map(|r| r.numerator).collect();
    let denominators: Vec<Option<f64>> = rows.iter().map(|r| r.denominator).collect();
    let load = |pg: &mut diesel::PgConnection, sql: &str| {
        diesel::sql_query(sql)
            .bind::<Array<Text>, _>(&ids)
            .bind::<Array<Text>, _>(&kpis)
            .bind::<Array<Text>, _>(&schools)
            .bind::<Array<Nullable<Text>>, _>(&agreements)
            .bind::<Array<Text>, _>(&groups)
            .bind::<Array<Date>, _>(&starts)
            .bind::<Array<Date>, _>(&ends)
            .bind::<Array<Double>, _>(&values)
            .bind::<Array<BigInt>, _>(&ns)
            .bind::<Array<Nullable<Double>>, _>(&numerators)
            .bind::<Array<Nullable<Double>>, _>(&denominators)
            .bind::<Array<Nullable<Text>>, _>(&sources)
            .bind::<Timestamp, _>(now)
            .load::<Written>(pg)
    };
    if strategy.plain_insert {
        // Nested in the batch's transaction, this is a savepoint: a key that exists (or that
        // a concurrent batch has just inserted) rolls back only this attempt.
        match pg.transaction(|pg| load(pg, postgres_statement(Write::Insert))) {
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                strategy.plain_insert = false;
            }
            other => return other,
        }
    }
    let written = load(pg, postgres_statement(strategy.write()))?;
    strategy.written(rows.len(), &written);
    Ok(written)
}

/// A KPI definition as ingest needs it.
#[derive(Debug, Clone)]
pub struct KpiRef {
    pub id: String,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
}

pub fn school_id(conn: &mut DbConnection, id: &str, external: bool) -> QueryResult<Option<String>> {
    let query = schools::table
        .select(schools::id)
        .into_boxed::<MultiBackend>();
    let query = if external {
        query.filter(schools::external_id.eq(id.to_owned()))
    } else {
        query.filter(schools::id.eq(id.to_owned()))
    };
    query.first(conn).optional()
}

pub fn agreement_id(
    conn: &mut DbConnection,
    id: &str,
    external: bool,
) -> QueryResult<Option<String>> {
    let query = agreements::table
        .select(agreements::id)
        .into_boxed::<MultiBackend>();
    let query = if external {
        query.filter(agreements::external_id.eq(id.to_owned()))
    } else {
        query.filter(agreements::id.eq(id.to_owned()))
    };
    query.first(conn).optional()
}

/// A stored record with its KPI's code and aggregation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = kpi_records)]
pub struct RecordRow {
    pub id: String,
    pub kpi_id: String,
    #[diesel(select_expression = kpi_definitions::code)]
    #[diesel(select_expression_type = kpi_definitions::code)]
    pub kpi_code: String,
    pub school_id: String,
    pub agreement_id: Option<String>,
    pub student_group: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub n: i64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub source: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RecordRow {
    /// The family this record belongs to, for suppression.
    pub fn family(&self) -> FamilyKey {
        FamilyKey {
            kpi_id: self.kpi_id.clone(),
            school_id: self.school_id.clone(),
            agreement_key: self.agreement_id.clone().unwrap_or_default(),
            period_start: self.period_start,
            period_end: self.period_end,
        }
    }
}

/// Records that describe the same students from different sides: one KPI, school, agreement
/// (or none) and period. Their student groups add up as the catalogue's partitions say.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FamilyKey {
    pub kpi_id: String,
    pub school_id: String,
    pub agreement_key: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// What suppression reads of a record.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = kpi_records)]
pub struct MemberRow {
    pub kpi_id: String,
    pub school_id: String,
    pub agreement_key: String,
    pub student_group: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub n: i64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

impl MemberRow {
    pub fn family(&self) -> FamilyKey {
        FamilyKey {
            kpi_id: self.kpi_id.clone(),
            school_id: self.school_id.clone(),
            agreement_key: self.agreement_key.clone(),
            period_start: self.period_start,
            period_end: self.period_end,
        }
    }
}

/// Every record of the families `keys`. The read asks for the keys' schools and period ends,
/// which the school index seeks on both databases, and keeps the families asked for.
pub fn families(conn: &mut DbConnection, keys: &[FamilyKey]) -> QueryResult<Vec<MemberRow>> {
    let wanted: HashSet<&FamilyKey> = keys.iter().collect();
    let schools: BTreeSet<&str> = keys.iter().map(|k| k.school_id.as_str()).collect();
    let ends: BTreeSet<NaiveDate> = keys.iter().map(|k| k.period_end).collect();
    let kpis: BTreeSet<&str> = keys.iter().map(|k| k.kpi_id.as_str()).collect();
    let found: Vec<MemberRow> = kpi_records::table
        .filter(kpi_records::school_id.eq_any(schools))
        .filter(kpi_records::period_end.eq_any(ends))
        .filter(kpi_records::kpi_id.eq_any(kpis))
        .select(MemberRow::as_select())
        .load(conn)?;
    Ok(found
        .into_iter()
        .filter(|m| wanted.contains(&m.family()))
        .collect())
}

/// Every record of one agreement in the KPIs `kpi_ids` and the student groups `groups`, with
/// periods inside `from..=to`, for suppression of the agreement's series. Naming every KPI and
/// group lets the natural-key index seek to each (KPI, group) instead of reading the
/// agreement's whole history.
pub fn members_of_agreement(
    conn: &mut DbConnection,
    agreement_id: &str,
    kpi_ids: &[String],
    groups: &[String],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<MemberRow>> {
    let mut query = kpi_records::table
        .filter(kpi_records::agreement_key.eq(agreement_id.to_owned()))
        .filter(kpi_records::kpi_id.eq_any(kpi_ids.to_vec()))
        .filter(kpi_records::student_group.eq_any(groups.to_vec()))
        .select(MemberRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(from) = from {
        query = query.filter(kpi_records::period_end.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(kpi_records::period_start.le(to));
    }
    query.load(conn)
}

impl Keyed for RecordRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, key: SortKey) -> KeyValue {
        match key {
            SortKey::Id | SortKey::Name | SortKey::Rank | SortKey::Date => KeyValue::Id,
            SortKey::CreatedAt => KeyValue::Time(self.created_at),
            SortKey::UpdatedAt => KeyValue::Time(self.updated_at),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct RecordFilter {
    /// The partner role sees only records of agreements it is a party to.
    pub only_partner: Option<String>,
    pub kpi_code: Option<String>,
    pub school_id: Option<String>,
    pub agreement_id: Option<String>,
    pub student_group: Option<String>,
    /// Periods that end on or after this date.
    pub from: Option<NaiveDate>,
    /// Periods that start on or before this date.
    pub to: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &RecordFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<RecordRow>> {
    let query = filtered(filter);
    let query = platform::keyset_page!(query, kpi_records, id, sort, after);
    query.limit(limit).load(conn)
}

/// Whether more than `rows` records match `filter`.
pub fn more_than(conn: &mut DbConnection, filter: &RecordFilter, rows: i64) -> QueryResult<bool> {
    filtered(filter)
        .offset(rows)
        .limit(1)
        .load::<RecordRow>(conn)
        .map(|found| !found.is_empty())
}

type Filtered = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<
        diesel::dsl::InnerJoin<kpi_records::table, kpi_definitions::table>,
        diesel::dsl::AsSelect<RecordRow, MultiBackend>,
    >,
    MultiBackend,
>;

fn filtered(filter: &RecordFilter) -> Filtered {
    let mut query = kpi_records::table
        .inner_join(kpi_definitions::table)
        .select(RecordRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(partner) = &filter.only_partner {
        query = query.filter(
            kpi_records::agreement_id.eq_any(
                agreement_partners::table
                    .filter(agreement_partners::partner_id.eq(partner.clone()))
                    .select(agreement_partners::agreement_id.nullable()),
            ),
        );
    }
    if let Some(code) = &filter.kpi_code {
        query = query.filter(kpi_definitions::code.eq(code.clone()));
    }
    if let Some(v) = &filter.school_id {
        query = query.filter(kpi_records::school_id.eq(v.clone()));
    }
    if let Some(v) = &filter.agreement_id {
        query = query.filter(kpi_records::agreement_key.eq(v.clone()));
    }
    if let Some(v) = &filter.student_group {
        query = query.filter(kpi_records::student_group.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        query = query.filter(kpi_records::period_end.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(kpi_records::period_start.le(v));
    }
    if let Some(v) = filter.updated_since {
        query = query.filter(kpi_records::updated_at.ge(v.naive_utc()));
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(version: i64) -> Written {
        Written {
            version,
            agreement_key: String::new(),
            kpi_id: String::new(),
            student_group: String::new(),
            period_end: NaiveDate::MIN,
            period_start: NaiveDate::MIN,
            value: 0.0,
            n: 0,
            numerator: None,
            denominator: None,
        }
    }

    #[test]
    fn a_batch_upserts_whole_once_a_chunk_comes_back_mostly_changed() {
        let mut strategy = Strategy::default();
        assert_eq!(strategy.write(), Write::Insert);
        strategy.plain_insert = false;
        assert_eq!(strategy.write(), Write::UpsertChanged);
        // Half changed, plus new rows (version 1): still worth leaving the unchanged out.
        let half: Vec<Written> = (0..50).map(|_| written(2)).chain([written(1)]).collect();
        strategy.written(100, &half);
        assert_eq!(strategy.write(), Write::UpsertChanged);
        let most: Vec<Written> = (0..51).map(|_| written(3)).collect();
        strategy.written(100, &most);
        assert_eq!(strategy.write(), Write::Upsert);
        // And stays so for the rest of the batch.
        strategy.written(100, &[]);
        assert_eq!(strategy.write(), Write::Upsert);
    }

    #[test]
    fn only_the_changed_upsert_looks_rows_up_first() {
        let filter = "WHERE COALESCE((SELECT NOT (";
        assert!(postgres_insert_sql(Write::UpsertChanged).contains(filter));
        for write in [Write::Insert, Write::Upsert] {
            assert!(!postgres_insert_sql(write).contains(filter));
        }
        // Every compared column is compared in both places.
        let sql = postgres_insert_sql(Write::UpsertChanged);
        for c in COMPARED {
            assert!(
                sql.contains(&format!("r.{c} IS NOT DISTINCT FROM u.{c}")),
                "{c}"
            );
            assert!(sql.contains(&format!("kpi_records.{c} IS DISTINCT FROM excluded.{c}")));
        }
    }
}
