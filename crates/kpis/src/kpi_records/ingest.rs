//! Bulk ingest: a batch body (JSON array, NDJSON or CSV) is read row by row from a spooled
//! file, each row checked and resolved, and good rows upserted in chunks inside the caller's
//! transaction. Memory holds one chunk, the error list and the rollup cells the batch changed
//! (at most one per row, and rows are capped by `KPI_BATCH_MAX_ROWS`).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDateTime;
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::model::{
    json_fields, parse_record, FieldProblem, IdOrExternal, RawField, RecordInput, FIELDS,
};
use super::rollup::Changes;
use super::store::{self, KpiRef, NewRecord};
use crate::kpi_targets::model::range_text;
use commitments::agreements;
use platform::db::DbConnection;
use platform::error::RowError;
use platform::error::{ApiError, FieldError};

pub use pipeline::import::{BatchMode, MAX_LISTED_ROWS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Ndjson,
    Csv,
}

/// What a batch did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({
    "received": 250,
    "inserted": 180,
    "updated": 40,
    "unchanged": 28,
    "rejected": 2,
    "errors": [
        {"index": 57, "line": 59, "field": "value", "code": "out_of_range",
            "message": "value 104.2 is outside the range of attendance_rate [0, 100]"},
        {"index": 131, "line": 133, "field": "school_external_id", "code": "unknown_school",
            "message": "no school has the external_id \"0999\""}
    ],
    "errors_truncated": false
}))]
pub struct BatchOutcome {
    /// Rows in the body.
    pub received: usize,
    /// New records.
    pub inserted: usize,
    /// Existing records (same natural key) whose values changed.
    pub updated: usize,
    /// Existing records sent again with the same values.
    pub unchanged: usize,
    /// Bad rows (not written).
    pub rejected: usize,
    /// The faults of the bad rows (of the first 1000 bad rows).
    pub errors: Vec<RowError>,
    /// Whether more bad rows were found than `errors` lists.
    pub errors_truncated: bool,
}

/// The state of one batch inside its transaction.
pub struct Ingest<'c> {
    conn: &'c mut DbConnection,
    mode: BatchMode,
    max_rows: usize,
    now: NaiveDateTime,
    kpis: HashMap<String, Option<KpiRef>>,
    /// The student-group catalogue's codes, read at the first row.
    groups: Option<HashSet<String>>,
    schools: HashMap<IdOrExternal, Option<String>>,
    agreements: HashMap<IdOrExternal, Option<String>>,
    agreement_schools: HashMap<String, HashSet<String>>,
    chunk: Vec<NewRecord>,
    chunk_rows: usize,
    /// Hashes of the natural keys in `chunk`.
    chunk_keys: HashSet<u64>,
    /// What the agreements' records written so far do to the rollup, applied at the end.
    rollup: Changes,
    strategy: store::Strategy,
    outcome: BatchOutcome,
}

impl<'c> Ingest<'c> {
    pub fn new(conn: &'c mut DbConnection, mode: BatchMode, max_rows: usize) -> Self {
        let chunk_rows = store::chunk_rows(conn);
        Ingest {
            conn,
            mode,
            max_rows,
            now: platform::db::now(),
            kpis: HashMap::new(),
            groups: None,
            schools: HashMap::new(),
            agreements: HashMap::new(),
            agreement_schools: HashMap::new(),
            chunk_rows,
            chunk: Vec::new(),
            chunk_keys: HashSet::new(),
            rollup: Changes::default(),
            strategy: store::Strategy::default(),
            outcome: BatchOutcome::default(),
        }
    }

    /// Takes one row of the body. Errors stop the batch (and roll it back).
    pub fn row(
        &mut self,
        index: usize,
        line: Option<u64>,
        fields: Result<Vec<(String, RawField)>, FieldProblem>,
    ) -> Result<(), ApiError> {
        self.outcome.received += 1;
        if self.outcome.received > self.max_rows {
            return Err(ApiError::PayloadTooLarge(format!(
                "the batch has more than {} rows (KPI_BATCH_MAX_ROWS); split it into smaller batches",
                self.max_rows
            )));
        }
        let parsed = fields.map_err(|fault| vec![fault]).and_then(parse_record);
        let resolved = match parsed {
            Ok(input) => self.resolve(input)?,
            Err(faults) => Err(faults),
        };
        match resolved {
            Ok(record) => {
                if self.writing() {
                    self.push(record)?;
                }
            }
            Err(faults) => self.reject(index, line, faults),
        }
        Ok(())
    }

    /// In all-or-nothing mode nothing more is written once a row is bad: the batch will be
    /// rolled back, and the rest is only checked so every bad row can be listed.
    fn writing(&self) -> bool {
        self.mode == BatchMode::Partial || self.outcome.rejected == 0
    }

    fn reject(&mut self, index: usize, line: Option<u64>, faults: Vec<FieldProblem>) {
        self.outcome.rejected += 1;
        if self.outcome.rejected > MAX_LISTED_ROWS {
            self.outcome.errors_truncated = true;
            return;
        }
        self.outcome
            .errors
            .extend(faults.into_iter().map(|fault| fault.at(index, line)));
    }

    fn push(&mut self, record: NewRecord) -> Result<(), ApiError> {
        let key = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            record.key().hash(&mut hasher);
            hasher.finish()
        };
        // One statement may not touch a row twice (PostgreSQL refuses), so a key seen again
        // in the same chunk starts a new chunk: later rows win, as if sent one by one. (A hash
        // collision only starts a chunk early.)
        if self.chunk_keys.contains(&key) || self.chunk.len() >= self.chunk_rows {
            self.flush()?;
        }
        self.chunk_keys.insert(key);
        self.chunk.push(record);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ApiError> {
        let written = store::upsert(
            self.conn,
            &self.chunk,
            self.now,
            &mut self.rollup,
            &mut self.strategy,
        )?;
        self.outcome.inserted += written.inserted;
        self.outcome.updated += written.updated;
        self.chunk.clear();
        self.chunk_keys.clear();
        Ok(())
    }

    /// Resolves the KPI, school and agreement (cached per batch) and checks the value against
    /// the KPI's range. Database errors are `Err(ApiError)`; bad rows are `Ok(Err(faults))`.
    fn resolve(
        &mut self,
        input: RecordInput,
    ) -> Result<Result<NewRecord, Vec<FieldProblem>>, ApiError> {
        let mut faults = Vec::new();
        if !self.kpis.contains_key(&input.kpi_code) {
            let found = <crate::kpi_definitions::DefinitionRow as platform::db::Stored>::find_key(
                self.conn,
                &input.kpi_code,
            )?
            .map(|d| KpiRef {
                id: d.id,
                min_value: d.min_value,
                max_value: d.max_value,
            });
            self.kpis.insert(input.kpi_code.clone(), found);
        }
        let kpi = self.kpis.get(&input.kpi_code).cloned().flatten();
        match &kpi {
            None => faults.push(FieldProblem::field(
                "kpi_code",
                "unknown_kpi",
                format!("no KPI definition has the code {:?}", input.kpi_code),
            )),
            Some(kpi) => {
                let (min, max) = (kpi.min_value, kpi.max_value);
                if min.is_some_and(|m| input.value < m) || max.is_some_and(|m| input.value > m) {
                    faults.push(FieldProblem::field(
                        "value",
                        "out_of_range",
                        format!(
                            "value {} is outside the range of {} {}",
                            input.value,
                            input.kpi_code,
                            range_text(min, max)
                        ),
                    ));
                }
            }
        }
        let groups = match self.groups.take() {
            Some(groups) => groups,
            None => crate::student_groups::store::all(self.conn)?
                .into_iter()
                .map(|g| g.code)
                .collect(),
        };
        if !groups.contains(&input.student_group) {
            faults.push(FieldProblem::field(
                "student_group",
                "unknown_student_group",
                format!(
                    "no student group has the code {:?}; GET /student-groups lists them",
                    input.student_group
                ),
            ));
        }
        self.groups = Some(groups);
        let school = lookup(
            &mut self.schools,
            self.conn,
            &input.school,
            store::school_id,
        )?;
        if school.is_none() {
            let (field, how) = match &input.school {
                IdOrExternal::Id(id) => ("school_id", format!("no school has the id {id:?}")),
                IdOrExternal::External(id) => (
                    "school_external_id",
                    format!("no school has the external_id {id:?}"),
                ),
            };
            faults.push(FieldProblem::field(field, "unknown_school", how));
        }
        let agreement = match &input.agreement {
            None => None,
            Some(reference) => {
                let found = lookup(
                    &mut self.agreements,
                    self.conn,
                    reference,
                    store::agreement_id,
                )?;
                if found.is_none() {
                    let (field, how) = match reference {
                        IdOrExternal::Id(id) => {
                            ("agreement_id", format!("no agreement has the id {id:?}"))
                        }
                        IdOrExternal::External(id) => (
                            "agreement_external_id",
                            format!("no agreement has the external_id {id:?}"),
                        ),
                    };
                    faults.push(FieldProblem::field(field, "unknown_agreement", how));
                }
                found
            }
        };
        // A record of an agreement is about one of the agreement's schools: its partners see
        // it, so another school's figures must not come in under its name.
        if let (Some(agreement_id), Some(school_id)) = (&agreement, &school) {
            if !self.agreement_schools.contains_key(agreement_id) {
                let schools =
                    agreements::schools_of(self.conn, std::slice::from_ref(agreement_id))?;
                self.agreement_schools.insert(
                    agreement_id.clone(),
                    schools.into_iter().map(|(_, school)| school).collect(),
                );
            }
            let belongs = self
                .agreement_schools
                .get(agreement_id)
                .is_some_and(|schools| schools.contains(school_id));
            if !belongs {
                let field = match input.school {
                    IdOrExternal::Id(_) => "school_id",
                    IdOrExternal::External(_) => "school_external_id",
                };
                faults.push(FieldProblem::field(
                    field,
                    "school_not_in_agreement",
                    "the school is not one of the agreement's schools (add it to the agreement first)",
                ));
            }
        }
        match (kpi, school) {
            (Some(kpi), Some(school_id)) if faults.is_empty() => Ok(Ok(NewRecord {
                kpi_id: kpi.id,
                school_id,
                agreement_id: agreement,
                student_group: input.student_group,
                period_start: input.period_start,
                period_end: input.period_end,
                value: input.value,
                n: input.n,
                numerator: input.numerator,
                denominator: input.denominator,
                source: input.source,
            })),
            _ => Ok(Err(faults)),
        }
    }

    /// Writes what is left and answers: in all-or-nothing mode, any bad row is a 422 (the
    /// caller's transaction then rolls everything back).
    pub fn finish(mut self) -> Result<BatchOutcome, ApiError> {
        if self.writing() {
            self.flush()?;
            self.rollup.apply(self.conn)?;
        }
        let mut outcome = self.outcome;
        if self.mode == BatchMode::All && outcome.rejected > 0 {
            return Err(ApiError::RowsRejected {
                received: outcome.received,
                rejected: outcome.rejected,
                rows: outcome.errors,
                truncated: outcome.errors_truncated,
            });
        }
        outcome.unchanged =
            outcome.received - outcome.rejected - outcome.inserted - outcome.updated;
        Ok(outcome)
    }
}

fn lookup(
    cache: &mut HashMap<IdOrExternal, Option<String>>,
    conn: &mut DbConnection,
    reference: &IdOrExternal,
    find: fn(&mut DbConnection, &str, bool) -> diesel::QueryResult<Option<String>>,
) -> Result<Option<String>, ApiError> {
    if let Some(found) = cache.get(reference) {
        return Ok(found.clone());
    }
    let found = match reference {
        IdOrExternal::Id(id) => find(conn, id, false)?,
        IdOrExternal::External(id) => find(conn, id, true)?,
    };
    cache.insert(reference.clone(), found.clone());
    Ok(found)
}

/// Feeds every row of `body` to `ingest`.
pub fn read(format: Format, body: impl Read, ingest: &mut Ingest) -> Result<(), ApiError> {
    let body = BufReader::with_capacity(64 * 1024, body);
    match format {
        Format::Json => read_json(body, ingest),
        Format::Ndjson => read_ndjson(body, ingest),
        Format::Csv => read_csv(body, ingest),
    }
}

struct Rows<'a, 'c> {
    ingest: &'a mut Ingest<'c>,
    stopped: Option<ApiError>,
}

impl<'de> Visitor<'de> for &mut Rows<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            if let Err(e) = self.ingest.row(index, None, json_fields(value)) {
                self.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            index += 1;
        }
        Ok(())
    }
}

/// A JSON array, read element by element (never the whole array at once).
fn read_json(body: impl Read, ingest: &mut Ingest) -> Result<(), ApiError> {
    let mut deserializer = serde_json::Deserializer::from_reader(body);
    let mut rows = Rows {
        ingest,
        stopped: None,
    };
    let result = deserializer.deserialize_seq(&mut rows);
    if let Some(e) = rows.stopped {
        return Err(e);
    }
    result
        .and_then(|()| deserializer.end())
        .map_err(|e| ApiError::BadRequest(format!("the body is not a JSON array of records: {e}")))
}

/// One JSON object per line; blank lines are skipped, a line that is not JSON is a bad row.
fn read_ndjson(mut body: impl BufRead, ingest: &mut Ingest) -> Result<(), ApiError> {
    let mut buffer = Vec::new();
    let mut line = 0u64;
    let mut index = 0;
    loop {
        buffer.clear();
        let read = body
            .read_until(b'\n', &mut buffer)
            .map_err(|e| ApiError::Internal(format!("reading the spooled batch: {e}")))?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        if buffer.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = serde_json::from_slice::<Value>(&buffer)
            .map_err(|e| FieldProblem::row("malformed", format!("the line is not JSON: {e}")))
            .and_then(json_fields);
        ingest.row(index, Some(line), fields)?;
        index += 1;
    }
}

/// A header row naming record fields, then one record per row; empty cells are absent.
fn read_csv(body: impl Read, ingest: &mut Ingest) -> Result<(), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::BadRequest(format!("the CSV header row cannot be read: {e}")))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            }
            .to_owned()
        })
        .collect();
    // Linear in the number of columns, and at most a screenful of problems whatever the
    // header holds.
    const MOST_PROBLEMS: usize = 20;
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, header) in headers.iter().enumerate() {
        if problems.len() == MOST_PROBLEMS {
            break;
        }
        let name = super::model::clip(header.clone(), 100);
        if !FIELDS.contains(&header.as_str()) {
            problems.push(FieldError::new(
                name.clone(),
                "unknown_field",
                format!(
                    "CSV column {} ({name:?}) is not a field of a KPI record; columns: {}",
                    i + 1,
                    FIELDS.join(", ")
                ),
            ));
        } else if !seen.insert(header.as_str()) {
            problems.push(FieldError::new(
                name.clone(),
                "duplicate",
                format!("CSV column {name:?} appears twice"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let mut record = csv::StringRecord::new();
    let mut index = 0;
    loop {
        let line = reader.position().line();
        let fields = match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) if record.len() != headers.len() => Err(FieldProblem::row(
                "malformed",
                format!(
                    "the row has {} cells; the header has {}",
                    record.len(),
                    headers.len()
                ),
            )),
            Ok(true) => Ok(headers
                .iter()
                .zip(record.iter())
                .map(|(h, cell)| (h.clone(), RawField::Text(cell.to_owned())))
                .collect()),
            Err(e) => match e.kind() {
                csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. } => Err(
                    FieldProblem::row("malformed", format!("the row cannot be read: {e}")),
                ),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "the CSV body cannot be read: {e}"
                    )))
                }
            },
        };
        let line = record.position().map_or(line, |p| p.line());
        ingest.row(index, Some(line), fields)?;
        index += 1;
    }
}
