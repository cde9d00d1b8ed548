//! SQL for API clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::api_clients;
use platform::db::{DbConnection, MultiBackend};

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

platform::stored_rows!(ClientRow, api_clients, name = name);

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ClientRow>> {
    api_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

/// The filters of a page of clients.
#[derive(Debug, Default)]
pub struct ClientFilter {
    pub role: Option<String>,
    pub revoked: Option<bool>,
}

/// Up to `limit` clients after `after` in `sort` order (`SortKey::Name` is the name).
pub fn page(
    conn: &mut DbConnection,
    filter: &ClientFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ClientRow>> {
    let mut query = api_clients::table
        .select(ClientRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(role) = &filter.role {
        query = query.filter(api_clients::role.eq(role.clone()));
    }
    match filter.revoked {
        Some(true) => query = query.filter(api_clients::revoked_at.is_not_null()),
        Some(false) => query = query.filter(api_clients::revoked_at.is_null()),
        None => {}
    }
    let query = platform::keyset_page!(query, api_clients, name, sort, after);
    query.limit(limit).load(conn)
}

/// Every client, oldest first (for the command line).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ClientRow>> {
    api_clients::table
        .order(api_clients::id.asc())
        .select(ClientRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &ClientRow) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
