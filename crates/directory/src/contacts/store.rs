//! SQL for contacts.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::contacts;
use platform::db::search;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactRow {
    pub id: String,
    pub partner_id: String,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: Option<String>,
    pub is_primary: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
}

platform::stored_rows!(ContactRow, contacts, name = name, parent = partner_id);

#[derive(Debug, Default)]
pub struct ContactFilter {
    pub q: Option<String>,
    pub primary: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    filter: &ContactFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ContactRow>> {
    let mut query = contacts::table
        .filter(contacts::partner_id.eq(partner_id.to_owned()))
        .select(ContactRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(q) = &filter.q {
        query = query.filter(contacts::search_key.like(search::contains(q)).escape('\\'));
    }
    if let Some(primary) = filter.primary {
        query = query.filter(contacts::is_primary.eq(primary));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(contacts::updated_at.ge(since.naive_utc()));
    }
    let query = platform::keyset_page!(query, contacts, sort, after);
    query.limit(limit).load(conn)
}

/// A contact of the partner `partner_id`.
pub fn find(
    conn: &mut DbConnection,
    partner_id: &str,
    id: &str,
) -> QueryResult<Option<ContactRow>> {
    contacts::table
        .filter(contacts::partner_id.eq(partner_id))
        .filter(contacts::id.eq(id))
        .select(ContactRow::as_select())
        .first(conn)
        .optional()
}

/// The partner's primary contacts other than `except_id` (at most one, by the unique index).
pub fn other_primaries(
    conn: &mut DbConnection,
    partner_id: &str,
    except_id: &str,
) -> QueryResult<Vec<ContactRow>> {
    contacts::table
        .filter(contacts::partner_id.eq(partner_id))
        .filter(contacts::is_primary.eq(true))
        .filter(contacts::id.ne(except_id))
        .select(ContactRow::as_select())
        .load(conn)
}

/// Every contact of a partner.
pub fn all_of(conn: &mut DbConnection, partner_id: &str) -> QueryResult<Vec<ContactRow>> {
    contacts::table
        .filter(contacts::partner_id.eq(partner_id))
        .order(contacts::id.asc())
        .select(ContactRow::as_select())
        .load(conn)
}
