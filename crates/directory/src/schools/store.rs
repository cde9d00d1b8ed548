//! SQL for schools.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::schools;
use platform::db::search;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schools, treat_none_as_null = true)]
pub struct SchoolRow {
    pub id: String,
    pub external_id: Option<String>,
    pub nces_id: Option<String>,
    pub state_id: Option<String>,
    pub name: String,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub lowest_grade: Option<String>,
    pub highest_grade: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
}

platform::stored_rows!(SchoolRow, schools, name = name);

#[derive(Debug, Default)]
pub struct SchoolFilter {
    pub q: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub updated_since: Option<DateTime<chrono::Utc>>,
}

/// Up to `limit` rows after `after` in `sort` order.
pub fn list(
    conn: &mut DbConnection,
    filter: &SchoolFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<SchoolRow>> {
    let mut query = schools::table
        .select(SchoolRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(q) = &filter.q {
        query = query.filter(schools::search_key.like(search::contains(q)).escape('\\'));
    }
    if let Some(active) = filter.active {
        query = query.filter(schools::active.eq(active));
    }
    if let Some(external_id) = &filter.external_id {
        query = query.filter(schools::external_id.eq(external_id.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(schools::updated_at.ge(since.naive_utc()));
    }
    let query = platform::keyset_page!(query, schools, sort, after);
    query.limit(limit).load(conn)
}

/// The school other systems know as `external_id`.
pub fn by_external_id(
    conn: &mut DbConnection,
    external_id: &str,
) -> QueryResult<Option<SchoolRow>> {
    schools::table
        .filter(schools::external_id.eq(external_id))
        .select(SchoolRow::as_select())
        .first(conn)
        .optional()
}

/// The names of these schools, by id (those that exist).
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(schools::table
        .filter(schools::id.eq_any(ids))
        .select((schools::id, schools::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
