//! SQL for schools.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use crate::db::keyset::{After, KeyValue, Keyed, Sort, SortKey};
use crate::db::schema::schools;
use crate::db::sql::{contains_pattern, lower};
use crate::db::{DbConnection, MultiBackend, Stamp};

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
}

impl SchoolRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl Keyed for SchoolRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, key: SortKey) -> KeyValue {
        match key {
            SortKey::Id => KeyValue::Id,
            SortKey::Name => KeyValue::Text(self.name.clone()),
            SortKey::CreatedAt => KeyValue::Time(self.created_at),
            SortKey::UpdatedAt => KeyValue::Time(self.updated_at),
        }
    }
}

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
        query = query.filter(lower(schools::name).like(contains_pattern(q)).escape('\\'));
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
    let query = crate::keyset_page!(query, schools, sort, after);
    query.limit(limit).load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SchoolRow>> {
    schools::table
        .find(id)
        .select(SchoolRow::as_select())
        .first(conn)
        .optional()
}

/// Takes the row's write lock for the rest of the transaction (PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already holds the database's) so a read-check-write cannot race.
/// False when there is no such row.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(schools::table.filter(schools::id.eq(id)))
        .set(schools::version.eq(schools::version))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert(conn: &mut DbConnection, row: &SchoolRow) -> QueryResult<()> {
    diesel::insert_into(schools::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes `row` if the stored version is still `expected_version`; false when it is not.
pub fn update(
    conn: &mut DbConnection,
    row: &SchoolRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        schools::table
            .filter(schools::id.eq(&row.id))
            .filter(schools::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str, expected_version: i64) -> QueryResult<bool> {
    diesel::delete(
        schools::table
            .filter(schools::id.eq(id))
            .filter(schools::version.eq(expected_version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}
