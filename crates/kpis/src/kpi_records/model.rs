//! One KPI record as it arrives in a batch (a JSON object, an NDJSON line or a CSV row), and
//! the field checks that do not need the database. There is no field for a student: unknown
//! fields are rejected, so student-level data cannot come in by mistake.

use chrono::{Datelike, NaiveDate};

use serde_json::Value;
use utoipa::ToSchema;

use crate::kpi_definitions::model::{is_slug, SLUG_RULE};
use platform::error::RowError;

/// The change feed's name for a batch of KPI records: one change per batch that wrote
/// something, its id the batch's audit event.
pub const BATCH_TOPIC: journal::Topic = journal::Topic::published("kpi_record_batch");
pub const BATCH_RESOURCE: &str = BATCH_TOPIC.name;

/// The fields of a record, in CSV column order.
pub const FIELDS: &[&str] = &[
    "kpi_code",
    "school_id",
    "school_external_id",
    "agreement_id",
    "agreement_external_id",
    "student_group",
    "period_start",
    "period_end",
    "value",
    "n",
    "numerator",
    "denominator",
    "source",
];

const MAX_TEXT: usize = 200;
/// Students in one group: more than any district has, small enough that sums of millions of
/// records stay exact in a 64-bit integer.
pub const MAX_N: i64 = 10_000_000;
/// Largest magnitude of a value, numerator or denominator, so Σ(value × n) stays finite.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// A field's value as it arrived: CSV text, or JSON.
#[derive(Debug, Clone)]
pub enum RawField {
    Text(String),
    Json(Value),
}

/// A reference by our id or by the district's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdOrExternal {
    Id(String),
    External(String),
}

/// A record whose fields are each well-formed; its references are not resolved yet.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordInput {
    pub kpi_code: String,
    pub school: IdOrExternal,
    pub agreement: Option<IdOrExternal>,
    pub student_group: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub n: i64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub source: Option<String>,
}

/// A problem with one field, before the row's position is known.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl FieldProblem {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        FieldProblem {
            field: Some(field.to_owned()),
            code,
            message: message.into(),
        }
    }

    pub fn row(code: &'static str, message: impl Into<String>) -> Self {
        FieldProblem {
            field: None,
            code,
            message: message.into(),
        }
    }

    /// The row error, with the field name and message cut short: they may echo what the
    /// caller sent, and a rejected batch lists up to 1,000 rows, so the answer stays small.
    pub fn at(self, index: usize, line: Option<u64>) -> RowError {
        RowError {
            index,
            line,
            field: self.field.map(|f| clip(f, 100)),
            code: self.code.to_owned(),
            message: clip(self.message, 300),
        }
    }
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
pub fn clip(text: String, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text,
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

fn text(field: &str, raw: &RawField) -> Result<Option<String>, FieldProblem> {
    let value = match raw {
        RawField::Text(t) => t.trim(),
        RawField::Json(Value::String(t)) => t.trim(),
        RawField::Json(Value::Null) => "",
        RawField::Json(_) => {
            return Err(FieldProblem::field(
                field,
                "invalid",
                format!("{field} must be a string"),
            ))
        }
    };
    if value.chars().any(char::is_control) {
        return Err(FieldProblem::field(
            field,
            "invalid",
            format!("{field} must not contain control characters"),
        ));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(FieldProblem::field(
            field,
            "length",
            format!("{field} must be at most {MAX_TEXT} characters"),
        ));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

fn number(field: &str, raw: &RawField) -> Result<Option<f64>, FieldProblem> {
    let invalid =
        || FieldProblem::field(field, "invalid", format!("{field} must be a finite number"));
    let value = match raw {
        RawField::Text(t) if t.trim().is_empty() => return Ok(None),
        RawField::Text(t) => t.trim().parse::<f64>().map_err(|_| invalid())?,
        RawField::Json(Value::Null) => return Ok(None),
        RawField::Json(Value::Number(n)) => n.as_f64().ok_or_else(invalid)?,
        RawField::Json(_) => return Err(invalid()),
    };
    if value.is_finite() {
        Ok(Some(value))
    } else {
        Err(invalid())
    }
}

fn integer(field: &str, raw: &RawField) -> Result<Option<i64>, FieldProblem> {
    let invalid =
        || FieldProblem::field(field, "invalid", format!("{field} must be a whole number"));
    match raw {
        RawField::Text(t) if t.trim().is_empty() => Ok(None),
        RawField::Text(t) => t.trim().parse::<i64>().map(Some).map_err(|_| invalid()),
        RawField::Json(Value::Null) => Ok(None),
        RawField::Json(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(invalid),
        RawField::Json(_) => Err(invalid()),
    }
}

/// Dates from 1900 to 2100, written YYYY-MM-DD: wide enough for any school year, narrow
/// enough that both databases order them the same way.
pub fn date_in_range(date: NaiveDate) -> bool {
    (1900..=2100).contains(&date.year())
}

fn date(field: &str, raw: &RawField) -> Result<Option<NaiveDate>, FieldProblem> {
    let invalid = || {
        FieldProblem::field(
            field,
            "invalid",
            format!("{field} must be a date like 2026-09-30, from 1900 to 2100"),
        )
    };
    match text(field, raw)? {
        None => Ok(None),
        Some(t) => match NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
            Ok(d) if date_in_range(d) && !t.starts_with(['+', '-']) => Ok(Some(d)),
            _ => Err(invalid()),
        },
    }
}

#[derive(Default)]
struct Fields {
    kpi_code: Option<String>,
    school_id: Option<String>,
    school_external_id: Option<String>,
    agreement_id: Option<String>,
    agreement_external_id: Option<String>,
    student_group: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    value: Option<f64>,
    n: Option<i64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    source: Option<String>,
}

fn required<T>(value: Option<T>, field: &str, faults: &mut Vec<FieldProblem>) -> Option<T> {
    // A field that was present but invalid is already reported.
    let reported = faults.iter().any(|f| f.field.as_deref() == Some(field));
    if value.is_none() && !reported {
        faults.push(FieldProblem::field(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
    value
}

/// Checks every field of a row and reports every fault at once.
pub fn parse_record<S: AsRef<str>>(
    fields: impl IntoIterator<Item = (S, RawField)>,
) -> Result<RecordInput, Vec<FieldProblem>> {
    let mut f = Fields::default();
    let mut faults = Vec::new();
    for (name, raw) in fields {
        let name = name.as_ref();
        let result = match name {
            "kpi_code" => text(name, &raw).map(|v| f.kpi_code = v),
            "school_id" => text(name, &raw).map(|v| f.school_id = v),
            "school_external_id" => text(name, &raw).map(|v| f.school_external_id = v),
            "agreement_id" => text(name, &raw).map(|v| f.agreement_id = v),
            "agreement_external_id" => text(name, &raw).map(|v| f.agreement_external_id = v),
            "student_group" => text(name, &raw).map(|v| f.student_group = v),
            "period_start" => date(name, &raw).map(|v| f.period_start = v),
            "period_end" => date(name, &raw).map(|v| f.period_end = v),
            "value" => number(name, &raw).map(|v| f.value = v),
            "n" => integer(name, &raw).map(|v| f.n = v),
            "numerator" => number(name, &raw).map(|v| f.numerator = v),
            "denominator" => number(name, &raw).map(|v| f.denominator = v),
            "source" => text(name, &raw).map(|v| f.source = v),
            other => Err(FieldProblem::field(
                other,
                "unknown_field",
                format!("{other:?} is not a field of a KPI record (records hold aggregates only; fields: {})", FIELDS.join(", ")),
            )),
        };
        if let Err(fault) = result {
            faults.push(fault);
        }
    }
    let kpi_code = required(f.kpi_code, "kpi_code", &mut faults);
    let school = match (f.school_id, f.school_external_id) {
        (Some(id), None) => Some(IdOrExternal::Id(id)),
        (None, Some(external)) => Some(IdOrExternal::External(external)),
        (Some(_), Some(_)) => {
            faults.push(FieldProblem::field(
                "school_external_id",
                "conflict",
                "give school_id or school_external_id, not both",
            ));
            None
        }
        (None, None) => {
            faults.push(FieldProblem::field(
                "school_id",
                "required",
                "school_id or school_external_id is required",
            ));
            None
        }
    };
    let agreement = match (f.agreement_id, f.agreement_external_id) {
        (Some(id), None) => Some(IdOrExternal::Id(id)),
        (None, Some(external)) => Some(IdOrExternal::External(external)),
        (Some(_), Some(_)) => {
            faults.push(FieldProblem::field(
                "agreement_external_id",
                "conflict",
                "give agreement_id or agreement_external_id, not both",
            ));
            None
        }
        (None, None) => None,
    };
    let student_group = required(f.student_group, "student_group", &mut faults);
    if let Some(group) = &student_group {
        if !is_slug(group) {
            faults.push(FieldProblem::field(
                "student_group",
                "slug",
                format!("student_group must be {SLUG_RULE}"),
            ));
        }
    }
    let period_start = required(f.period_start, "period_start", &mut faults);
    let period_end = required(f.period_end, "period_end", &mut faults);
    if let (Some(start), Some(end)) = (period_start, period_end) {
        if end < start {
            faults.push(FieldProblem::field(
                "period_end",
                "date_order",
                "period_end must not be before period_start",
            ));
        }
    }
    let value = required(f.value, "value", &mut faults);
    let n = required(f.n, "n", &mut faults);
    if n.is_some_and(|n| !(0..=MAX_N).contains(&n)) {
        faults.push(FieldProblem::field(
            "n",
            "out_of_range",
            format!("n must be from 0 to {MAX_N}"),
        ));
    }
    for (field, v) in [
        ("value", value),
        ("numerator", f.numerator),
        ("denominator", f.denominator),
    ] {
        if v.is_some_and(|v| v.abs() > MAX_MAGNITUDE) {
            faults.push(FieldProblem::field(
                field,
                "out_of_range",
                format!("{field} must be within ±{MAX_MAGNITUDE:e}"),
            ));
        }
    }
    for (field, v) in [("numerator", f.numerator), ("denominator", f.denominator)] {
        if v.is_some_and(|v| v < 0.0) {
            faults.push(FieldProblem::field(
                field,
                "out_of_range",
                format!("{field} must not be negative"),
            ));
        }
    }
    if f.denominator == Some(0.0) && f.numerator.is_some_and(|v| v > 0.0) {
        faults.push(FieldProblem::field(
            "denominator",
            "out_of_range",
            "denominator must be above 0 when numerator is",
        ));
    }
    match (
        kpi_code,
        school,
        student_group,
        period_start,
        period_end,
        value,
        n,
    ) {
        (
            Some(kpi_code),
            Some(school),
            Some(student_group),
            Some(period_start),
            Some(period_end),
            Some(value),
            Some(n),
        ) if faults.is_empty() => Ok(RecordInput {
            kpi_code,
            school,
            agreement,
            student_group,
            period_start,
            period_end,
            value,
            n,
            numerator: f.numerator,
            denominator: f.denominator,
            source: f.source,
        }),
        _ => Err(faults),
    }
}

/// A JSON value as a record's fields; anything but an object is one fault for the row.
pub fn json_fields(value: Value) -> Result<Vec<(String, RawField)>, FieldProblem> {
    match value {
        Value::Object(map) => Ok(map
            .into_iter()
            .map(|(k, v)| (k, RawField::Json(v)))
            .collect()),
        _ => Err(FieldProblem::row(
            "invalid",
            "a record must be a JSON object",
        )),
    }
}

/// The fields of one record in a batch (JSON names = CSV header names). Give the school as
/// `school_id` or `school_external_id`, the agreement (optional) as `agreement_id` or
/// `agreement_external_id`. Any other field is rejected: records hold aggregates only.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code)] // documents the wire format; rows are parsed field by field in `model`
pub struct KpiRecordInput {
    /// The KPI, by code (an id works too); no such KPI is `unknown_kpi`.
    #[schema(example = "attendance_rate")]
    pub kpi_code: String,
    /// The school, by our id; this or `school_external_id` (both: `conflict`).
    pub school_id: Option<String>,
    /// The school, by the district's id for it; this or `school_id`.
    pub school_external_id: Option<String>,
    /// The agreement, by our id, if the value is reported under one; it must include the school.
    pub agreement_id: Option<String>,
    /// The agreement, by the district's id for it; this or `agreement_id` (both: `conflict`).
    pub agreement_external_id: Option<String>,
    /// A group code such as `all`, `grade_09`, `program_participants`, `comparison`.
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub student_group: String,
    /// First day of the period the value covers (1900 to 2100).
    #[schema(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-")]
    pub period_start: NaiveDate,
    /// On or after `period_start` (1900 to 2100).
    #[schema(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-")]
    pub period_end: NaiveDate,
    /// Within the KPI's allowed range.
    pub value: f64,
    /// Students in the group.
    #[schema(minimum = 0)]
    pub n: i64,
    /// For rates, the count on top (such as days attended).
    #[schema(minimum = 0)]
    pub numerator: Option<f64>,
    /// For rates, the base (such as days enrolled); above 0 when `numerator` is.
    #[schema(minimum = 0)]
    pub denominator: Option<f64>,
    /// Where the value came from (a system or file name); a changed source updates the record.
    #[schema(max_length = 200)]
    pub source: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<RecordInput, Vec<FieldProblem>> {
        let fields = json_fields(value).map_err(|f| vec![f])?;
        parse_record(fields.iter().map(|(k, v)| (k.as_str(), v.clone())))
    }

    fn codes(value: Value) -> Vec<(String, &'static str)> {
        parse(value)
            .unwrap_err()
            .into_iter()
            .map(|f| (f.field.unwrap_or_default(), f.code))
            .collect()
    }

    #[test]
    fn a_complete_record_parses() {
        let record = parse(
            json!({"kpi_code": "attendance_rate", "school_external_id": " 042 ",
            "student_group": "all", "period_start": "2026-09-01", "period_end": "2026-09-30",
            "value": 93.5, "n": 420, "numerator": 7850, "denominator": 8400}),
        )
        .unwrap();
        assert_eq!(record.school, IdOrExternal::External("042".into()));
        assert_eq!(record.n, 420);
        assert_eq!(record.agreement, None);
    }

    #[test]
    fn every_fault_is_reported_at_once() {
        let found = codes(
            json!({"kpi_code": "", "school_id": "a", "school_external_id": "b",
            "student_group": "All", "period_start": "2026-09-30", "period_end": "2026-09-01",
            "value": "x", "n": -1, "student_id": "123"}),
        );
        for expected in [
            ("student_id", "unknown_field"),
            ("kpi_code", "required"),
            ("school_external_id", "conflict"),
            ("student_group", "slug"),
            ("period_end", "date_order"),
            ("value", "invalid"),
            ("n", "out_of_range"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} in {found:?}"
            );
        }
    }

    #[test]
    fn csv_text_is_parsed_and_blank_cells_are_absent() {
        let record = parse_record([
            ("kpi_code", RawField::Text("students_served".into())),
            ("school_id", RawField::Text("s".into())),
            ("agreement_id", RawField::Text("".into())),
            ("student_group", RawField::Text("grade_09".into())),
            ("period_start", RawField::Text("2026-09-01".into())),
            ("period_end", RawField::Text("2026-09-01".into())),
            ("value", RawField::Text(" 12 ".into())),
            ("n", RawField::Text("12".into())),
            ("numerator", RawField::Text("".into())),
        ])
        .unwrap();
        assert_eq!(record.value, 12.0);
        assert_eq!(record.agreement, None);
        assert_eq!(record.numerator, None);
        let faults = parse_record([
            ("n", RawField::Text("1.5".into())),
            ("value", RawField::Text("NaN".into())),
        ])
        .unwrap_err();
        assert!(faults
            .iter()
            .any(|f| f.field.as_deref() == Some("n") && f.code == "invalid"));
        assert!(faults
            .iter()
            .any(|f| f.field.as_deref() == Some("value") && f.code == "invalid"));
    }
}
