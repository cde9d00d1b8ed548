//! SQL for idempotency keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::schema::idempotency_keys;
use platform::db::{write_transaction, DbConnection};
use platform::error::ApiError;

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub method_path: String,
    pub request_hash: String,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Option<String>,
}

/// What a key says about a request.
#[derive(Debug, PartialEq)]
pub enum Claim {
    /// The key is new (or expired): this request claimed it and runs.
    Fresh,
    /// The same request ran before: its answer.
    Replay(KeyRow),
    /// The key was used for another request.
    Reused,
    /// A request with this key is still running.
    Running,
}

/// When a claim lapses: an answer after the retention, a claim never answered (its server
/// stopped mid-request) after a while.
#[derive(Debug, Clone, Copy)]
pub struct Lapse {
    pub answered_before: NaiveDateTime,
    pub unanswered_before: NaiveDateTime,
}

/// Claims `key` for this request, or says why not. A lapsed claim is forgotten first.
pub fn claim(
    conn: &mut DbConnection,
    principal: &str,
    key: &str,
    method_path: &str,
    request_hash: &str,
    now: NaiveDateTime,
    lapse: Lapse,
) -> Result<Claim, ApiError> {
    let this = idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::key.eq(key));
    let claimed = write_transaction(conn, |conn| {
        diesel::delete(
            this.filter(
                idempotency_keys::status
                    .is_not_null()
                    .and(idempotency_keys::created_at.lt(lapse.answered_before))
                    .or(idempotency_keys::status
                        .is_null()
                        .and(idempotency_keys::created_at.lt(lapse.unanswered_before))),
            ),
        )
        .execute(conn)?;
        if let Some(row) = this.select(KeyRow::as_select()).first(conn).optional()? {
            return Ok::<_, diesel::result::Error>(if row.status.is_none() {
                Claim::Running
            } else if row.method_path != method_path || row.request_hash != request_hash {
                Claim::Reused
            } else {
                Claim::Replay(row)
            });
        }
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::principal.eq(principal),
                idempotency_keys::key.eq(key),
                idempotency_keys::method_path.eq(method_path),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Claim::Fresh)
    });
    match claimed {
        Ok(claim) => Ok(claim),
        // Another request inserted the same key between our read and our insert (PostgreSQL;
        // SQLite's writers take turns).
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Claim::Running),
        Err(e) => Err(e.into()),
    }
}

/// Keeps the answer of the request that claimed `key`.
pub fn answer(
    conn: &mut DbConnection,
    principal: &str,
    key: &str,
    answer: &KeyRow,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::status.eq(answer.status),
        idempotency_keys::content_type.eq(&answer.content_type),
        idempotency_keys::location.eq(&answer.location),
        idempotency_keys::etag.eq(&answer.etag),
        idempotency_keys::body.eq(&answer.body),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Lets go of a claim whose request failed in a way worth retrying.
pub fn release(conn: &mut DbConnection, principal: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::key.eq(key)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets the keys claimed before `cutoff`; how many.
pub fn purge(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)
}
