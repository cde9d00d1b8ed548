//! References from one row to another, judged in the write's transaction: a field naming an
//! id that no row has is a 422 on that field, with every such field named at once.

use super::Stored;
use platform::db::DbConnection;
use platform::error::{ApiError, FieldError};

/// The problems found so far.
#[derive(Default)]
pub struct References {
    problems: Vec<FieldError>,
}

impl References {
    pub fn new() -> References {
        References::default()
    }

    /// `field` names `id`, which must be a row of `S` (a `noun`).
    pub fn to<S: Stored>(
        &mut self,
        conn: &mut DbConnection,
        field: &str,
        noun: &str,
        id: Option<&str>,
    ) -> Result<&mut Self, ApiError> {
        if let Some(id) = id {
            // By id only: a catalogue's code names its row in a path, never in a reference.
            if !platform::db::sql::is_id(id) || S::find(conn, id)?.is_none() {
                self.problems.push(FieldError::new(
                    field,
                    "not_found",
                    format!("{field} must be the id of an existing {noun}"),
                ));
            }
        }
        Ok(self)
    }

    /// A problem found another way.
    pub fn push(&mut self, problem: FieldError) -> &mut Self {
        self.problems.push(problem);
        self
    }

    /// 422 naming every problem, if there is one.
    pub fn done(&mut self) -> Result<(), ApiError> {
        match self.problems.is_empty() {
            true => Ok(()),
            false => Err(ApiError::Validation(std::mem::take(&mut self.problems))),
        }
    }
}
