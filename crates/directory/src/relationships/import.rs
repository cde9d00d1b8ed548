//! The teacher-survey spreadsheet as CSV: one relationship a row, matching partners by
//! `partner_external_id` or by name (case and accents aside) and creating those it does not
//! find, matching teachers by email, contacts by name. Every row goes through the same
//! pipeline as a single write (rules, scoping, audit), each in its own savepoint; the report
//! names each bad row like the KPI batch's.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::model::{RelationshipInput, Relationships};
use super::store;
use crate::contacts::model::Contacts;
use crate::partners::model::{Offering, PartnerKind, Partners};
use pipeline::import::{row_error, settle, BatchMode, Sheet};
use pipeline::{create_in_transaction, CallerContext, Collection};
use platform::db::search::search_form;
use platform::db::DbConnection;
use platform::error::{ApiError, RowError};

/// The columns a sheet may have (headers, case aside); `partner_name` or
/// `partner_external_id`, and `teacher_email` or `teacher_name`, are needed.
pub const COLUMNS: &[&str] = &[
    "teacher_email",
    "teacher_name",
    "school_id",
    "school_external_id",
    "partner_external_id",
    "partner_name",
    "partner_kind",
    "contact_name",
    "kinds",
    "since",
    "last_contact_on",
    "notes",
];

/// One row of the teacher-survey sheet, sent as JSON: the sheet's columns and its rules
/// (`partner_name` or `partner_external_id`, and `teacher_email` or `teacher_name`, in each
/// row).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"teacher_email": "j.ramos@district.example.org",
    "school_external_id": "042", "partner_name": "Kennebec River Museum",
    "partner_kind": "museum", "contact_name": "Ann Lee", "kinds": ["field_trip_host"],
    "since": "2024-09-01", "notes": "Hosts the grade 4 river unit."}))]
pub struct RelationshipSheetRow {
    /// The teacher as a user of the service (matched by email).
    #[schema(format = Email, max_length = 254)]
    pub teacher_email: Option<String>,
    /// The teacher by name, when not a user.
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub teacher_name: Option<String>,
    /// The teacher's school by id; or `school_external_id`.
    pub school_id: Option<String>,
    /// The teacher's school by its external id.
    pub school_external_id: Option<String>,
    /// The partner's external id (matched first).
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub partner_external_id: Option<String>,
    /// The partner's name (matched ignoring case and accents; a prospect is added when none
    /// matches).
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub partner_name: Option<String>,
    /// The kind of a partner added as a prospect (`other` when left out).
    pub partner_kind: Option<PartnerKind>,
    /// A contact at the partner (matched by name, else added).
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub contact_name: Option<String>,
    /// What the partner offers in this relationship.
    pub kinds: Option<Vec<Offering>>,
    /// Since when the teacher has worked with the partner.
    pub since: Option<NaiveDate>,
    /// The last time they were in touch.
    pub last_contact_on: Option<NaiveDate>,
    /// Free-text notes on the relationship.
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({
    "received": 4, "created": 3, "partners_created": 1, "contacts_created": 1, "rejected": 1,
    "errors": [
        {
            "index": 2, "line": 4, "field": "teacher_email", "code": "not_found",
            "message": "no user has the email \"m.okafor@district.example.org\""
        }
    ]
}))]
pub struct RelationshipImport {
    /// Rows in the sheet (not counting the header).
    pub received: usize,
    /// Relationships recorded.
    pub created: usize,
    /// Partners the sheet named that were not on record, added as prospects.
    pub partners_created: usize,
    /// Contacts the sheet named that the partner did not have, added.
    pub contacts_created: usize,
    /// Rows with at least one problem, not written.
    pub rejected: usize,
    /// The bad rows (partial mode; in `all` mode they come in a 422).
    pub errors: Vec<RowError>,
}

/// What is wrong with a row: the field (empty for the row as a whole), a code and a message.
type Problem = (String, String, String);

/// Why a row was not written: its own problems, or a fault of the server (which fails the
/// whole import).
enum RowFailure {
    Bad(Vec<Problem>),
    Fault(ApiError),
}

impl From<diesel::result::Error> for RowFailure {
    fn from(e: diesel::result::Error) -> Self {
        RowFailure::Fault(e.into())
    }
}

impl From<ApiError> for RowFailure {
    /// The pipeline's refusals are the row's problems; anything else is the server's.
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Validation(fields) | ApiError::Malformed(fields) => RowFailure::Bad(
                fields
                    .into_iter()
                    .map(|f| (f.field, f.code, f.message))
                    .collect(),
            ),
            ApiError::Forbidden(message) => {
                RowFailure::Bad(vec![(String::new(), "forbidden".into(), message)])
            }
            ApiError::Conflict(message) => {
                RowFailure::Bad(vec![(String::new(), "conflict".into(), message)])
            }
            other => RowFailure::Fault(other),
        }
    }
}

fn bad(field: &str, code: &str, message: impl Into<String>) -> RowFailure {
    RowFailure::Bad(vec![(field.to_owned(), code.to_owned(), message.into())])
}

/// One row's cells by column name.
struct Cells<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Cells<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.columns
            .get(name)
            .and_then(|i| self.record.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// A date cell; a problem when it is not one.
fn parse_date(cells: &Cells, field: &str, bad: &mut Vec<Problem>) -> Option<chrono::NaiveDate> {
    let text = cells.get(field)?;
    match text.parse() {
        Ok(date) => Some(date),
        Err(_) => {
            bad.push((
                field.into(),
                "invalid".into(),
                format!("{field} must be a date (YYYY-MM-DD)"),
            ));
            None
        }
    }
}

/// One row: found or created partner and contact, then the relationship; what it counted.
fn import_row(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    cells: &Cells,
) -> Result<RelationshipImport, RowFailure> {
    let mut counted = RelationshipImport::default();
    let mut problems = Vec::new();
    let since = parse_date(cells, "since", &mut problems);
    let last_contact_on = parse_date(cells, "last_contact_on", &mut problems);
    let kinds = parse_kinds(cells, &mut problems);
    if !problems.is_empty() {
        return Err(RowFailure::Bad(problems));
    }
    let user_id = match cells.get("teacher_email") {
        Some(email) => Some(store::user_by_email(conn, email)?.ok_or_else(|| {
            bad(
                "teacher_email",
                "not_found",
                format!("no user has the email {email:?}"),
            )
        })?),
        None => None,
    };
    let school_id = school_of(conn, cells)?;
    let partner_id = partner_of(conn, ctx, cells, &mut counted)?;
    let contact_id = contact_of(conn, ctx, cells, &partner_id, &mut counted)?;
    let input = RelationshipInput {
        user_id,
        teacher_name: cells
            .get("teacher_name")
            .filter(|_| cells.get("teacher_email").is_none())
            .map(str::to_owned),
        school_id,
        partner_id: Some(partner_id),
        contact_id,
        kinds: Some(kinds),
        since,
        last_contact_on,
        notes: cells.get("notes").map(str::to_owned),
    };
    <Relationships as pipeline::Resource>::check(&input, None)?;
    create_in_transaction::<Relationships>(conn, ctx, &Collection::TOP, input)?;
    counted.created += 1;
    Ok(counted)
}

/// The offerings of `kinds` (separated by `;`, `,` or `|`), each once.
fn parse_kinds(cells: &Cells, problems: &mut Vec<Problem>) -> Vec<Offering> {
    let mut kinds = Vec::new();
    for kind in cells
        .get("kinds")
        .unwrap_or_default()
        .split([';', ',', '|'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        match Offering::parse(kind) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => problems.push((
                "kinds".into(),
                "invalid".into(),
                format!("{kind:?} is not a partner offering"),
            )),
        }
    }
    kinds
}

/// The school the row names by id or by external id.
fn school_of(conn: &mut DbConnection, cells: &Cells) -> Result<Option<String>, RowFailure> {
    Ok(
        match (cells.get("school_id"), cells.get("school_external_id")) {
            (Some(id), _) => Some(id.to_owned()),
            (None, Some(external)) => Some(
                crate::schools::store::by_external_id(conn, external)?
                    .ok_or_else(|| {
                        bad(
                            "school_external_id",
                            "not_found",
                            format!("no school has the external id {external:?}"),
                        )
                    })?
                    .id,
            ),
            (None, None) => None,
        },
    )
}

/// The partner the row names by external id or by name, added as a prospect when none is.
fn partner_of(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    cells: &Cells,
    counted: &mut RelationshipImport,
) -> Result<String, RowFailure> {
    let external = cells.get("partner_external_id");
    let name = cells.get("partner_name");
    let mut partner_id = match external {
        Some(external) => store::partner_by_external_id(conn, external)?,
        None => None,
    };
    if let (None, Some(name)) = (&partner_id, name) {
        partner_id = store::partners_named(conn, &search_form(name))?
            .into_iter()
            .next();
    }
    Ok(match partner_id {
        Some(id) => id,
        None => {
            let name = name.ok_or_else(|| {
                bad(
                    "partner_name",
                    "required",
                    "no partner has this partner_external_id: give partner_name to add it",
                )
            })?;
            let input = serde_json::from_value(json!({
                "name": name, "external_id": external, "status": "prospect",
                "kind": cells.get("partner_kind").unwrap_or("other"),
            }))
            .map_err(|_| {
                bad(
                    "partner_kind",
                    "invalid",
                    "partner_kind is not a partner kind",
                )
            })?;
            let created = create_in_transaction::<Partners>(conn, ctx, &Collection::TOP, input)?;
            counted.partners_created += 1;
            created.id
        }
    })
}

/// The partner's contact the row names, added when the partner has none by that name.
fn contact_of(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    cells: &Cells,
    partner_id: &str,
    counted: &mut RelationshipImport,
) -> Result<Option<String>, RowFailure> {
    Ok(match cells.get("contact_name") {
        Some(contact) => match store::contact_named(conn, partner_id, &search_form(contact))? {
            Some(id) => Some(id),
            None => {
                let input = serde_json::from_value(json!({"name": contact}))
                    .map_err(|_| bad("contact_name", "invalid", "contact_name is not a name"))?;
                let place = Collection {
                    parent: Some(partner_id.to_owned()),
                };
                let created = match create_in_transaction::<Contacts>(conn, ctx, &place, input) {
                    Ok(created) => created,
                    // The contact's own fields are the sheet's contact_name.
                    Err(e) => {
                        return Err(match RowFailure::from(e) {
                            RowFailure::Bad(p) => RowFailure::Bad(
                                p.into_iter()
                                    .map(|(_, code, message)| {
                                        ("contact_name".to_owned(), code, message)
                                    })
                                    .collect(),
                            ),
                            fault => fault,
                        })
                    }
                };
                counted.contacts_created += 1;
                Some(created.id)
            }
        },
        None => None,
    })
}

/// Imports `csv` in the caller's transaction: in `all` mode one bad row rejects the sheet (422
/// listing the bad rows) and nothing is written; in `partial` mode each good row is written.
pub fn import_sheet(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    csv: &[u8],
    mode: BatchMode,
) -> Result<RelationshipImport, ApiError> {
    let sheet = Sheet::read(csv, "the sheet")?;
    let columns = sheet.columns().clone();
    for (needed, either) in [
        ("partner_name", "partner_external_id"),
        ("teacher_name", "teacher_email"),
    ] {
        if !columns.contains_key(needed) && !columns.contains_key(either) {
            return Err(ApiError::field(
                needed,
                "required",
                format!("the sheet needs a {needed} or a {either} column"),
            ));
        }
    }
    let mut outcome = RelationshipImport::default();
    let mut errors = Vec::new();
    for row in sheet.rows() {
        outcome.received += 1;
        let (index, line, record) = match row {
            Ok(row) => (row.index, row.line, row.record),
            Err(malformed) => {
                errors.push(malformed);
                continue;
            }
        };
        if record
            .iter()
            .any(|cell| cell.chars().any(platform::http::body::is_forbidden_control))
        {
            errors.push(row_error(
                index,
                line,
                "",
                "invalid",
                "the row holds control characters",
            ));
            continue;
        }
        let cells = Cells {
            record: &record,
            columns: &columns,
        };
        // Each row in a savepoint: a bad row leaves nothing behind, even in partial mode.
        match conn.transaction::<_, RowFailure, _>(|conn| import_row(conn, ctx, &cells)) {
            Ok(counted) => {
                outcome.created += counted.created;
                outcome.partners_created += counted.partners_created;
                outcome.contacts_created += counted.contacts_created;
            }
            Err(RowFailure::Bad(problems)) => errors.extend(
                problems
                    .into_iter()
                    .map(|(field, code, message)| row_error(index, line, &field, &code, message)),
            ),
            Err(RowFailure::Fault(e)) => return Err(e),
        }
    }
    let settled = settle(mode, outcome.received, errors)?;
    outcome.rejected = settled.rejected;
    outcome.errors = settled.errors;
    Ok(outcome)
}
