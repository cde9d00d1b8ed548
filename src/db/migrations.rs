use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies pending migrations; returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
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
