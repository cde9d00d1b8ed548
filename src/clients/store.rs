//! SQL for API clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{KeyValue, Keyed, SortKey};
use crate::db::schema::api_clients;
use crate::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = api_clients, treat_none_as_null = true)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub scopes: String,
    pub school_ids: String,
    pub partner_id: Option<String>,
    pub secret_hash: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Keyed for ClientRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, _key: SortKey) -> KeyValue {
        KeyValue::Id
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ClientRow>> {
    api_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut DbConnection,
    role: Option<&str>,
    revoked: Option<bool>,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ClientRow>> {
    let mut query = api_clients::table
        .select(ClientRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(role) = role {
        query = query.filter(api_clients::role.eq(role.to_owned()));
    }
    match revoked {
        Some(true) => query = query.filter(api_clients::revoked_at.is_not_null()),
        Some(false) => query = query.filter(api_clients::revoked_at.is_null()),
        None => {}
    }
    if let Some(id) = after_id {
        query = query.filter(api_clients::id.gt(id.to_owned()));
    }
    query.order(api_clients::id.asc()).limit(limit).load(conn)
}

/// Takes the row's write lock for the rest of the transaction; false when there is no row.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(api_clients::table.filter(api_clients::id.eq(id)))
        .set(api_clients::version.eq(api_clients::version))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert(conn: &mut DbConnection, row: &ClientRow) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConnection,
    row: &ClientRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        api_clients::table
            .filter(api_clients::id.eq(&row.id))
            .filter(api_clients::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}
