//! SQL for signing in: the columns of clients and users that say who may get a token. The
//! `clients` and `users` folders manage those rows; this reads them, so authentication needs
//! neither folder.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{api_clients, users};
use crate::db::DbConnection;

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

/// Takes the client's write lock for the rest of the transaction.
pub fn lock_client(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(api_clients::table.filter(api_clients::id.eq(id)))
        .set(api_clients::version.eq(api_clients::version))
        .execute(conn)
        .map(|n| n == 1)
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

/// The user an identity-provider token stands for: by subject first, then by email among users
/// not bound to a subject (a bound user is never reached through another subject's email).
pub fn user_by_identity(
    conn: &mut DbConnection,
    subject: &str,
    email: Option<&str>,
) -> QueryResult<Option<UserCredentials>> {
    let by_subject = users::table
        .filter(users::external_subject.eq(subject))
        .select(UserCredentials::as_select())
        .first(conn)
        .optional()?;
    match (by_subject, email) {
        (Some(user), _) => Ok(Some(user)),
        (None, Some(email)) => users::table
            .filter(users::email.eq(email.to_lowercase()))
            .filter(users::external_subject.is_null())
            .select(UserCredentials::as_select())
            .first(conn)
            .optional(),
        (None, None) => Ok(None),
    }
}

/// Takes the user's write lock for the rest of the transaction.
pub fn lock_user(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::version.eq(users::version))
        .execute(conn)
        .map(|n| n == 1)
}
