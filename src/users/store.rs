//! SQL for users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{KeyValue, Keyed, SortKey};
use crate::db::schema::users;
use crate::db::search;
use crate::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub school_ids: String,
    pub partner_id: Option<String>,
    pub password_hash: Option<String>,
    pub external_subject: Option<String>,
    pub disabled_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
}

impl Keyed for UserRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, _key: SortKey) -> KeyValue {
        KeyValue::Id
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut DbConnection,
    q: Option<&str>,
    role: Option<&str>,
    disabled: Option<bool>,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(q) = q {
        // Emails are stored in lower case; their search form is the same text.
        let pattern = search::contains(q);
        query = query.filter(
            users::search_key
                .like(pattern.clone())
                .escape('\\')
                .or(users::email.like(pattern).escape('\\')),
        );
    }
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.to_owned()));
    }
    match disabled {
        Some(true) => query = query.filter(users::disabled_at.is_not_null()),
        Some(false) => query = query.filter(users::disabled_at.is_null()),
        None => {}
    }
    if let Some(id) = after_id {
        query = query.filter(users::id.gt(id.to_owned()));
    }
    query.order(users::id.asc()).limit(limit).load(conn)
}

/// Takes the row's write lock for the rest of the transaction; false when there is no row.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::version.eq(users::version))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, row: &UserRow, expected_version: i64) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(&row.id))
            .filter(users::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}
