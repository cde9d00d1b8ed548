//! SQL for the need-category catalogue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::need_categories;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = need_categories, treat_none_as_null = true)]
pub struct NeedRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// The partner offerings that address the need, as `partners::model::offerings_to_column`
    /// writes them.
    pub offerings: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(NeedRow, need_categories, name = code, code = code);

/// Up to `limit` categories after `after` in `sort` order (`SortKey::Name` is the code); only
/// those one of `offering` addresses, when given.
pub fn page(
    conn: &mut DbConnection,
    offering: Option<&str>,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<NeedRow>> {
    let mut query = need_categories::table
        .select(NeedRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(offering) = offering {
        query = query.filter(need_categories::offerings.like(format!("%,{offering},%")));
    }
    let query = platform::keyset_page!(query, need_categories, code, sort, after);
    query.limit(limit).load(conn)
}

/// The whole catalogue, by code (a district has tens of needs).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<NeedRow>> {
    need_categories::table
        .order(need_categories::code.asc())
        .select(NeedRow::as_select())
        .load(conn)
}
