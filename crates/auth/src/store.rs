//! SQL for signing in: the columns of clients and users that say who may get a token. The
//! `clients` and `users` folders manage those rows; this reads them, so authentication needs
//! neither folder.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::schema::{api_clients, users};
use platform::db::DbConnection;

/// A client as authentication sees it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientCredentials {
    pub id: String,
    pub role: String,
    pub scopes: String,
    pub school_ids: String,
    pub partner_id: Option<String>,
    pub secret_hash: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub version: i64,
}

/// A user as authentication sees it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserCredentials {
    pub id: String,
    pub email: String,
    pub role: String,
    pub school_ids: String,
    pub partner_id: Option<String>,
    pub password_hash: Option<String>,
    pub external_subject: Option<String>,
    pub disabled_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub version: i64,
}

pub fn client(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ClientCredentials>> {
    api_clients::table
        .filter(api_clients::id.eq(id))
        .select(ClientCredentials::as_select())
        .first(conn)
        .optional()
}

/// Holds the client still for the rest of the transaction: a change to it (a rotation, a
/// revocation) waits until the grant commits, while grants for the same client run side by
/// side (a shared lock; SQLite's write transaction already holds every row still).
pub fn lock_client(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    share_lock(conn, "api_clients", id)
}

/// Takes the client's row for writing, for the rest of the transaction.
pub fn lock_client_exclusively(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(api_clients::table.filter(api_clients::id.eq(id)))
        .set(api_clients::version.eq(api_clients::version))
        .execute(conn)
        .map(|n| n == 1)
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    #[allow(dead_code)]
    held: i32,
}

/// `SELECT … FOR SHARE` of one row of `table` (one of ours, never user input).
fn share_lock(conn: &mut DbConnection, table: &'static str, id: &str) -> QueryResult<bool> {
    let lock = match conn {
        DbConnection::Postgres(_) => " FOR SHARE",
        DbConnection::Sqlite(_) => "",
    };
    diesel::sql_query(format!("SELECT 1 AS held FROM {table} WHERE id = $1{lock}"))
        .bind::<diesel::sql_types::Text, _>(id)
        .load::<Held>(conn)
        .map(|rows| rows.len() == 1)
}

pub fn user(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserCredentials>> {
    users::table
        .filter(users::id.eq(id))
        .select(UserCredentials::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserCredentials>> {
    users::table
        .filter(users::email.eq(email.to_lowercase()))
        .select(UserCredentials::as_select())
        .first(conn)
        .optional()
}

/// The user bound to an identity-provider subject.
pub fn user_by_subject(
    conn: &mut DbConnection,
    subject: &str,
) -> QueryResult<Option<UserCredentials>> {
    users::table
        .filter(users::external_subject.eq(subject))
        .select(UserCredentials::as_select())
        .first(conn)
        .optional()
}

/// The user a provider's verified email may claim: not yet bound to a subject, without a local
/// password, and not an administrator (those sign in only as themselves).
pub fn user_claimable_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> QueryResult<Option<UserCredentials>> {
    users::table
        .filter(users::email.eq(email.to_lowercase()))
        .filter(users::external_subject.is_null())
        .filter(users::password_hash.is_null())
        .filter(users::role.ne("admin"))
        .select(UserCredentials::as_select())
        .first(conn)
        .optional()
}

/// Binds `subject` to the user if no subject is bound yet; whether it did.
pub fn bind_subject(conn: &mut DbConnection, id: &str, subject: &str) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::external_subject.is_null()),
    )
    .set(users::external_subject.eq(subject))
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces a legacy (argon2) secret hash with its digest, once the secret has been checked.
pub fn upgrade_client_secret(conn: &mut DbConnection, id: &str, digest: &str) -> QueryResult<()> {
    diesel::update(api_clients::table.filter(api_clients::id.eq(id)))
        .set(api_clients::secret_hash.eq(digest))
        .execute(conn)
        .map(|_| ())
}

/// Holds the user still for the rest of the transaction, as `lock_client` does a client.
pub fn lock_user(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    share_lock(conn, "users", id)
}
