use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// The key of the PostgreSQL advisory lock that migrations hold ("partnerships" in ASCII, cut
/// to 63 bits).
const MIGRATION_LOCK: i64 = 0x7061_7274_6e65_7273;

/// Applies pending migrations; returns the versions applied. On PostgreSQL under an advisory
/// lock, so replicas that start together apply them one after the other: the first applies
/// them, the others find nothing pending. On SQLite under its write lock, to the same end.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    match conn {
        // Each migration nests as a savepoint inside the write lock.
        DbConnection::Sqlite(_) => super::write_transaction(conn, apply),
        DbConnection::Postgres(_) => {
            // Waiting for another replica's migrations, and a long migration, must not be
            // cut by the statement timeout of request connections.
            let before = diesel::sql_query("SELECT current_setting('statement_timeout') AS value")
                .get_result::<Setting>(conn)?
                .value;
            conn.batch_execute("SET statement_timeout = 0")?;
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied = apply(conn);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let restored = conn.batch_execute(&format!(
                "SET statement_timeout = '{}'",
                before.replace('\'', "''")
            ));
            let applied = applied?;
            unlocked?;
            restored?;
            Ok(applied)
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The pending migrations, then the search keys of rows older than them.
fn apply(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let applied: Vec<String> = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES)?,
    }
    .into_iter()
    .map(|v| v.to_string())
    .collect();
    if !applied.is_empty() {
        super::search::backfill(conn)?;
    }
    Ok(applied)
}

/// Reverts every applied migration (used by `partnerships migrate --revert-all` and tests).
pub fn revert_all_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts the newest applied migration; its version (tests of a migration's data step).
pub fn revert_last_migration(conn: &mut DbConnection) -> Result<String, MigrationError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE)?,
        DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES)?,
    };
    Ok(reverted.to_string())
}
