//! What a database failure means to a client: the diesel errors a request can meet, as the
//! problem answers they become. Kept beside the connection so that the lost-connection mark is
//! set where connections are managed, and `error` knows nothing of the database.

use crate::error::ApiError;

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let what = unique_column(info.constraint_name(), info.table_name(), info.message());
                ApiError::Conflict(format!(
                    "another record already has this {what}"
                ))
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::Conflict(
                "the record is referenced by, or refers to, a record that does not allow this change"
                    .to_owned(),
            ),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                super::connection_lost();
                ApiError::Unavailable(e.to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Conflict("a concurrent change won; retry the request".to_owned())
            }
            // PostgreSQL broke a lock cycle between two writes by rolling this one back: it
            // changed nothing and may simply be retried.
            Error::DatabaseError(_, info) if info.message().starts_with("deadlock detected") => {
                ApiError::Conflict("a concurrent change won; retry the request".to_owned())
            }
            // SQLite reports some constraint failures (e.g. ON DELETE RESTRICT) without the
            // extended code diesel maps; its message is stable.
            Error::DatabaseError(_, info) if info.message().starts_with("FOREIGN KEY constraint failed") => {
                ApiError::Conflict(
                    "the record is referenced by, or refers to, a record that does not allow this change"
                        .to_owned(),
                )
            }
            // PostgreSQL cancelled a statement that ran past DATABASE_STATEMENT_TIMEOUT_SECONDS:
            // the request changed nothing (its transaction is rolled back) and may be retried.
            Error::DatabaseError(_, info)
                if info.message().starts_with("canceling statement due to statement timeout") =>
            {
                ApiError::Unavailable(e.to_string())
            }
            // SQLite's write lock still held by another writer after the busy timeout: the
            // request changed nothing and can be retried.
            Error::DatabaseError(_, info)
                if info.message().starts_with("database is locked")
                    || info.message().starts_with("database is busy") =>
            {
                ApiError::Unavailable(e.to_string())
            }
            Error::NotFound => ApiError::NotFound("not found".to_owned()),
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

/// Names the column of a unique violation from our `<table>_<column>_key` index names
/// (PostgreSQL) or from SQLite's "UNIQUE constraint failed: table.column" message.
fn unique_column(constraint: Option<&str>, table: Option<&str>, message: &str) -> String {
    if let (Some(constraint), Some(table)) = (constraint, table) {
        if let Some(column) = constraint
            .strip_prefix(table)
            .and_then(|c| c.strip_prefix('_'))
            .and_then(|c| c.strip_suffix("_key"))
        {
            return column.to_owned();
        }
    }
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        if let Some((_, column)) = rest.split_once('.') {
            return column.split(',').next().unwrap_or(column).trim().to_owned();
        }
    }
    "value".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::ResponseError;

    #[test]
    fn a_held_sqlite_lock_is_retryable_not_a_fault() {
        use diesel::result::{DatabaseErrorKind, Error};
        let locked = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(String::from("database is locked")),
        );
        let error = ApiError::from(locked);
        assert!(matches!(error, ApiError::Unavailable(_)), "{error:?}");
        assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let other = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(String::from("disk I/O error")),
        );
        assert!(matches!(ApiError::from(other), ApiError::Internal(_)));
    }
}
