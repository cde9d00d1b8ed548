//! CSV imports, written once: a sheet's header read into column positions, each record with its
//! index and line (a record that is not CSV is a bad row, not a failed request), and the batch
//! settled by its mode: in `all` one bad row rejects the whole and nothing is written, in
//! `partial` the good rows stand and the bad ones are listed.

use std::collections::{HashMap, HashSet};

use platform::error::{ApiError, RowError};

/// Bad rows listed in one answer (with every fault of each); the counts stay exact beyond.
pub const MAX_LISTED_ROWS: usize = 1000;

platform::text_enum! {
    /// `all` (default): any bad row rejects the whole batch and nothing is written.
    /// `partial`: good rows are written and bad ones reported.
    pub enum BatchMode {
        All => "all",
        Partial => "partial",
    }
}

/// What is wrong with row `index` (from 0, not counting the header), which starts on `line`;
/// an empty `field` blames the row as a whole.
pub fn row_error(
    index: usize,
    line: u64,
    field: &str,
    code: &str,
    message: impl Into<String>,
) -> RowError {
    RowError {
        index,
        line: Some(line),
        field: (!field.is_empty()).then(|| field.to_owned()),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// A sheet being read: its columns by header (trimmed, without a byte-order mark, in lower
/// case), then its records.
pub struct Sheet<'a> {
    reader: csv::Reader<&'a [u8]>,
    columns: HashMap<String, usize>,
}

/// One record of a sheet, where it stands in it.
pub struct SheetRow {
    pub index: usize,
    pub line: u64,
    pub record: csv::StringRecord,
}

impl<'a> Sheet<'a> {
    /// Reads the header of `csv`; `name` says what the file is in the 400 when it has none.
    pub fn read(csv: &'a [u8], name: &str) -> Result<Sheet<'a>, ApiError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
        let headers = reader
            .headers()
            .map_err(|e| ApiError::BadRequest(format!("{name} cannot be read: {e}")))?;
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let header = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
                (header, i)
            })
            .collect();
        Ok(Sheet { reader, columns })
    }

    /// Column positions by header.
    pub fn columns(&self) -> &HashMap<String, usize> {
        &self.columns
    }

    /// The records in order; a record that is not CSV is its row's `malformed` error.
    pub fn rows(self) -> impl Iterator<Item = Result<SheetRow, RowError>> + 'a {
        self.reader
            .into_records()
            .enumerate()
            .map(|(index, record)| match record {
                Ok(record) => Ok(SheetRow {
                    index,
                    line: record.position().map_or(0, |p| p.line()),
                    record,
                }),
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    Err(row_error(
                        index,
                        line,
                        "",
                        "malformed",
                        format!("not CSV: {e}"),
                    ))
                }
            })
    }
}

/// How a batch came out: the rows rejected, and the first [`MAX_LISTED_ROWS`] problems.
#[derive(Debug)]
pub struct Settled {
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

/// Settles a batch of `received` rows with `errors` found: in `all` mode any error is a 422
/// listing the bad rows (the caller's transaction then writes nothing).
pub fn settle(
    mode: BatchMode,
    received: usize,
    mut errors: Vec<RowError>,
) -> Result<Settled, ApiError> {
    let rejected = errors.iter().map(|e| e.index).collect::<HashSet<_>>().len();
    let truncated = errors.len() > MAX_LISTED_ROWS;
    errors.truncate(MAX_LISTED_ROWS);
    if mode == BatchMode::All && !errors.is_empty() {
        return Err(ApiError::RowsRejected {
            received,
            rejected,
            rows: errors,
            truncated,
        });
    }
    Ok(Settled { rejected, errors })
}
