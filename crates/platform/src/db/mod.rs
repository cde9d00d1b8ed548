//! Database access: one connection type over SQLite and PostgreSQL, a pool, and migrations.

mod connection;
mod errors;
pub mod keyset;
mod loopback;
mod migrations;
pub mod schema;
pub mod search;
pub mod sets;
pub mod sql;
mod stamp;
mod stored;
pub use stamp::Stamp;
pub use stored::Stored;

pub use connection::{
    connection_lost, establish, establish_lazy, in_transaction, write_transaction, Backend,
    DbConnection, DbPool, MultiBackend, PoolSettings,
};
pub use migrations::{revert_all_migrations, revert_last_migration, run_migrations};

/// Runs a blocking store function on a pooled connection off the async executor, after
/// waiting (without a thread) for its turn at the pool ([`DbPool::connection_turn`]).
///
/// Pool exhaustion and a lost database surface as 503 (see `ApiError::from(r2d2::Error)`), so a
/// handler only has to say what it wants done.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, crate::error::ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, crate::error::ApiError> + Send + 'static,
    T: Send + 'static,
{
    let turn = pool.connection_turn().await?;
    let pool = pool.clone();
    actix_web::web::block(move || {
        let _turn = turn;
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// [`run`] for work that writes. On SQLite, which has one writer at a time, the writer first
/// waits its turn at the pool's writer gate, holding no connection, so however many writers
/// queue, readers still find connections; the turn lasts until `f` returns.
pub async fn write<T, F>(pool: &DbPool, f: F) -> Result<T, crate::error::ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, crate::error::ApiError> + Send + 'static,
    T: Send + 'static,
{
    let turn = pool.writer_turn().await?;
    // The turn goes with the work, not with the request: a request dropped mid-write (the
    // client went away) leaves its write running, and the next writer must still wait.
    run(pool, move |conn| {
        let _turn = turn;
        f(conn)
    })
    .await
}

/// Now, in UTC, to the microsecond: PostgreSQL keeps microseconds, so SQLite rows are cut the
/// same way and cursors, ETags and comparisons agree on both backends.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// Whether an instant has a four-digit year (1 to 9999): what both databases store and RFC
/// 3339 writes. Anything else a client sends is refused before it reaches SQL or date
/// arithmetic.
pub fn plausible(instant: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&instant.year())
}

/// Today's date in UTC: what "expired" and "overdue" are computed against.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
