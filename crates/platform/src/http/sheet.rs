//! The body of a sheet import: CSV with a header row, or the same rows as a JSON array (what
//! generated clients send). JSON rows are written out as CSV and read by the import's one CSV
//! reader, so both meet the same row rules. One difference: JSON rows are typed first, so a
//! value of the wrong type or shape (an unknown offering, a malformed date, a blank or
//! control character) refuses the whole body, as for any JSON body, even with `mode=partial`;
//! in CSV the same cell is that row's error.

use actix_web::http::header;
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::body::{from_value, inspect, merge_problems};
use crate::error::{ApiError, RowError};

/// How a sheet was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    Csv,
    Json,
}

impl Sheet {
    /// The form of the request's body, from its `Content-Type`; 415 for any other.
    pub fn of(req: &HttpRequest) -> Result<Sheet, ApiError> {
        let media = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if media.starts_with("text/csv") {
            Ok(Sheet::Csv)
        } else if media.starts_with("application/json") {
            Ok(Sheet::Json)
        } else {
            Err(ApiError::UnsupportedMediaType(
                "send the sheet as text/csv, or its rows as an application/json array".into(),
            ))
        }
    }

    /// The sheet as CSV: the body itself, or its JSON rows (typed as `Row`) written out with a
    /// header of `Row`'s field names. A body that is not an array of `Row` is a 400 or 422
    /// naming the field, as for any JSON body.
    pub fn csv<Row>(self, body: &[u8]) -> Result<Vec<u8>, ApiError>
    where
        Row: DeserializeOwned + Serialize + Default,
    {
        if self == Sheet::Csv {
            return Ok(body.to_vec());
        }
        let mut value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
        let mut problems = Vec::new();
        inspect(&mut value, &mut Vec::new(), &mut problems);
        let rows: Vec<Row> = from_value(value)?;
        merge_problems(problems, Ok(()))?;
        rows_as_csv(&rows)
    }

    /// A JSON sheet has no lines: its rows are named by index alone.
    pub fn unlined(self, rows: &mut [RowError]) {
        if self == Sheet::Json {
            rows.iter_mut().for_each(|row| row.line = None);
        }
    }

    /// [`Sheet::unlined`] for the rows a refused sheet lists.
    pub fn unlined_error(self, mut error: ApiError) -> ApiError {
        if let ApiError::RowsRejected { rows, .. } = &mut error {
            self.unlined(rows);
        }
        error
    }
}

/// Rows as CSV, one column per field of `Row` (a list is joined with `;`, as a sheet's cell
/// holds it).
fn rows_as_csv<Row: Serialize + Default>(rows: &[Row]) -> Result<Vec<u8>, ApiError> {
    let fault = |e: &dyn std::fmt::Display| ApiError::Internal(format!("rows as CSV: {e}"));
    let header: Vec<String> = match serde_json::to_value(Row::default()) {
        Ok(Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => return Err(fault(&"a row is not an object")),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).map_err(|e| fault(&e))?;
    for row in rows {
        let cells = serde_json::to_value(row).map_err(|e| fault(&e))?;
        writer
            .write_record(header.iter().map(|field| cell(&cells[field])))
            .map_err(|e| fault(&e))?;
    }
    writer.into_inner().map_err(|e| fault(&e))
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row {
        name: Option<String>,
        kinds: Option<Vec<String>>,
    }

    #[test]
    fn json_rows_become_the_same_sheet() {
        let csv = Sheet::Json
            .csv::<Row>(br#"[{"name": "Ada, Inc.", "kinds": ["speaker", "mentoring"]}, {}]"#)
            .unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "kinds,name\nspeaker;mentoring,\"Ada, Inc.\"\n,\n"
        );
        assert!(matches!(
            Sheet::Json.csv::<Row>(br#"[{"nom": "x"}]"#),
            Err(ApiError::Malformed(_) | ApiError::BadRequest(_))
        ));
        let empty = Sheet::Json.csv::<Row>(b"[]").unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "kinds,name\n");
    }
}
