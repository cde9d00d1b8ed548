//! SQL for continuum levels.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::continuum_levels;
use crate::db::{DbConnection, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = continuum_levels, treat_none_as_null = true)]
pub struct LevelRow {
    pub id: String,
    pub external_id: Option<String>,
    pub rank: i32,
    pub name: String,
    pub description: Option<String>,
    pub examples: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl LevelRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// All levels, lowest rank first (a district has a handful).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<LevelRow>> {
    continuum_levels::table
        .order(continuum_levels::rank.asc())
        .select(LevelRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<LevelRow>> {
    continuum_levels::table
        .find(id)
        .select(LevelRow::as_select())
        .first(conn)
        .optional()
}

pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(continuum_levels::table.filter(continuum_levels::id.eq(id)))
        .set(continuum_levels::version.eq(continuum_levels::version))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert(conn: &mut DbConnection, row: &LevelRow) -> QueryResult<()> {
    diesel::insert_into(continuum_levels::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, row: &LevelRow, expected_version: i64) -> QueryResult<bool> {
    diesel::update(
        continuum_levels::table
            .filter(continuum_levels::id.eq(&row.id))
            .filter(continuum_levels::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(continuum_levels::table.filter(continuum_levels::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}
