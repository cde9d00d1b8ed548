//! OneRoster 1.1 / 1.2 `orgs.csv` import: the district's SIS export keeps the school list in
//! step. Rows of type `school` are upserted by `sourcedId` (our `external_id`), `identifier`
//! becomes `state_id`, and rows with status `tobedeleted` deactivate their school. Other org
//! types (district, department…) are counted and skipped.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{row_from, School, SchoolInput, Schools};
use super::store::{self, SchoolRow};
use journal::audit::{self, Actor};
use pipeline::import::{row_error, settle, BatchMode, Sheet};
use pipeline::{Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{ApiError, FieldError, RowError};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "received": 12, "created": 2, "updated": 1, "unchanged": 6, "deactivated": 1, "skipped": 1,
    "rejected": 1,
    "errors": [
        {"index": 7, "line": 9, "field": "name", "code": "required", "message": "name is required"}
    ]
}))]
pub struct ImportOutcome {
    /// Rows in the file (not counting the header).
    pub received: usize,
    /// Schools created for a `sourcedId` not yet known.
    pub created: usize,
    /// Existing schools whose name, `state_id` or `active` changed.
    pub updated: usize,
    /// Rows whose school already matched the file.
    pub unchanged: usize,
    /// Schools set inactive by a `tobedeleted` row.
    pub deactivated: usize,
    /// Rows of another org type, or `tobedeleted` rows of schools we never had.
    pub skipped: usize,
    /// Rows with at least one problem, not written.
    pub rejected: usize,
    /// The bad rows (partial mode; in `all` mode they come in a 422).
    pub errors: Vec<RowError>,
}

/// One row of a OneRoster `orgs.csv`, sent as JSON: the file's columns and its rules.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sourcedId": "sch-042", "status": "active",
    "dateLastModified": "2026-08-01T00:00:00Z", "name": "Riverside Elementary",
    "type": "school", "identifier": "230042", "parentSourcedId": "district-1"}))]
pub struct OrgRow {
    /// The org's id in the SIS: the school's `external_id`.
    #[serde(rename = "sourcedId")]
    #[schema(max_length = 100)]
    pub sourced_id: String,
    /// `active` (default) or `tobedeleted` (deactivates the school).
    pub status: Option<OrgStatus>,
    /// Read and ignored (the import compares the fields themselves).
    #[serde(rename = "dateLastModified")]
    pub date_last_modified: Option<String>,
    /// The org's name; required in every JSON row (rows of another type are skipped after
    /// they are read).
    #[schema(max_length = 200)]
    pub name: String,
    /// The org type; rows of any type but `school` are skipped.
    #[serde(rename = "type")]
    pub org_type: String,
    /// The state's id of the school (its `state_id`).
    #[schema(max_length = 50)]
    pub identifier: Option<String>,
    /// Read and ignored.
    #[serde(rename = "parentSourcedId")]
    pub parent_sourced_id: Option<String>,
}

platform::text_enum! {
    /// A OneRoster row status the import understands.
    pub enum OrgStatus {
        Active => "active",
        ToBeDeleted => "tobedeleted",
    }
}

/// One school row, checked.
struct CheckedOrg {
    sourced_id: String,
    name: String,
    identifier: Option<String>,
    deleted: bool,
}

/// The columns we read, by their OneRoster names (case-insensitive).
struct Columns {
    sourced_id: usize,
    name: usize,
    kind: usize,
    status: Option<usize>,
    identifier: Option<usize>,
}

impl Columns {
    fn of(position: &HashMap<String, usize>) -> Result<Columns, ApiError> {
        let required = |name: &str| {
            position.get(name).copied().ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    name,
                    "required",
                    format!(
                        "orgs.csv has no {name} column (OneRoster 1.1 or 1.2 headers expected)"
                    ),
                )])
            })
        };
        Ok(Columns {
            sourced_id: required("sourcedid")?,
            name: required("name")?,
            kind: required("type")?,
            status: position.get("status").copied(),
            identifier: position.get("identifier").copied(),
        })
    }
}

/// A school row's fields, or what is wrong with them; `Ok(None)` for another org type.
fn read_row(
    record: &csv::StringRecord,
    columns: &Columns,
    index: usize,
    line: u64,
) -> Result<Option<CheckedOrg>, Vec<RowError>> {
    let cell = |i: usize| record.get(i).unwrap_or("").trim();
    let optional = |i: Option<usize>| i.map(cell).filter(|v| !v.is_empty());
    if !cell(columns.kind).eq_ignore_ascii_case("school") {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut check = |field: &str, value: &str, max: usize, required: bool| {
        if value
            .chars()
            .any(platform::http::body::is_forbidden_control)
        {
            errors.push(row_error(
                index,
                line,
                field,
                "invalid",
                format!("{field} holds control characters"),
            ));
        } else if required && value.is_empty() {
            errors.push(row_error(
                index,
                line,
                field,
                "required",
                format!("{field} is required"),
            ));
        } else if value.chars().count() > max {
            errors.push(row_error(
                index,
                line,
                field,
                "length",
                format!("{field} is longer than {max} characters"),
            ));
        }
    };
    let (sourced_id, name) = (cell(columns.sourced_id), cell(columns.name));
    let identifier = optional(columns.identifier);
    check("sourcedId", sourced_id, 100, true);
    check("name", name, 200, true);
    check("identifier", identifier.unwrap_or(""), 50, false);
    let status = optional(columns.status).unwrap_or("active");
    let deleted = match status.to_ascii_lowercase().as_str() {
        "active" => false,
        "tobedeleted" => true,
        _ => {
            errors.push(row_error(
                index,
                line,
                "status",
                "invalid",
                format!("status must be active or tobedeleted, not {status:?}"),
            ));
            false
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(CheckedOrg {
        sourced_id: sourced_id.to_owned(),
        name: name.to_owned(),
        identifier: identifier.map(str::to_owned),
        deleted,
    }))
}

/// Imports `csv` (the whole of an `orgs.csv`) in the caller's transaction: in `all` mode one
/// bad row rejects the file (422 listing the bad rows) and nothing is written.
pub fn import_orgs(
    conn: &mut DbConnection,
    csv: &[u8],
    mode: BatchMode,
    actor: &Actor,
) -> Result<ImportOutcome, ApiError> {
    let sheet = Sheet::read(csv, "orgs.csv")?;
    let columns = Columns::of(sheet.columns())?;
    let mut outcome = ImportOutcome::default();
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for row in sheet.rows() {
        outcome.received += 1;
        let (index, line, record) = match row {
            Ok(row) => (row.index, row.line, row.record),
            Err(malformed) => {
                errors.push(malformed);
                continue;
            }
        };
        match read_row(&record, &columns, index, line) {
            Ok(None) => outcome.skipped += 1,
            Ok(Some(row)) if !seen.insert(row.sourced_id.clone()) => errors.push(row_error(
                index,
                line,
                "sourcedId",
                "duplicate",
                format!("sourcedId {:?} appears twice in the file", row.sourced_id),
            )),
            Ok(Some(row)) => rows.push(row),
            Err(bad) => errors.extend(bad),
        }
    }
    let settled = settle(mode, outcome.received, errors)?;
    outcome.rejected = settled.rejected;
    for row in rows {
        upsert(conn, row, actor, &mut outcome)?;
    }
    outcome.errors = settled.errors;
    Ok(outcome)
}

/// Writes one school row, audited (and so in the change feed) like any other write.
fn upsert(
    conn: &mut DbConnection,
    row: CheckedOrg,
    actor: &Actor,
    outcome: &mut ImportOutcome,
) -> Result<(), ApiError> {
    let current = store::by_external_id(conn, &row.sourced_id)?;
    let Some(current) = current else {
        if row.deleted {
            outcome.skipped += 1;
            return Ok(());
        }
        let input = SchoolInput {
            name: Some(row.name),
            external_id: Some(row.sourced_id),
            state_id: row.identifier,
            ..SchoolInput::default()
        };
        let created = row_from(input, Stamp::fresh());
        created.insert(conn)?;
        audit::created(
            conn,
            actor,
            Schools::TOPIC,
            &created.id,
            &School::try_from(created.clone())?,
        )?;
        outcome.created += 1;
        return Ok(());
    };
    let mut input = Schools::writable(&current)?;
    input.name = Some(row.name);
    input.state_id = row.identifier;
    // The SIS is the source: `active` brings a school back, `tobedeleted` retires it.
    input.active = Some(!row.deleted);
    if row_from(input.clone(), current.stamp()) == current {
        outcome.unchanged += 1;
        return Ok(());
    }
    let next: SchoolRow = row_from(input, current.stamp().bumped());
    if !next.update(conn, current.version)? {
        return Err(ApiError::raced());
    }
    let (before, after) = (
        School::try_from(current.clone())?,
        School::try_from(next.clone())?,
    );
    audit::updated(conn, actor, Schools::TOPIC, &next.id, &before, &after)?;
    if row.deleted && current.active {
        outcome.deactivated += 1;
    } else {
        outcome.updated += 1;
    }
    Ok(())
}
