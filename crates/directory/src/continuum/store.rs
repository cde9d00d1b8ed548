//! SQL for continuum levels.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort, SortKey};
use platform::db::schema::continuum_levels;
use platform::db::{DbConnection, MultiBackend};

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

platform::stored_rows!(LevelRow, continuum_levels, name = name, rank = rank);

/// All levels, lowest rank first (a district has a handful).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<LevelRow>> {
    continuum_levels::table
        .order(continuum_levels::rank.asc())
        .select(LevelRow::as_select())
        .load(conn)
}

/// Up to `limit` levels after `after` in `sort` order.
pub fn list(
    conn: &mut DbConnection,
    updated_since: Option<DateTime<Utc>>,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<LevelRow>> {
    let mut query = continuum_levels::table
        .select(LevelRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(since) = updated_since {
        query = query.filter(continuum_levels::updated_at.ge(since.naive_utc()));
    }
    let query = if sort.key == SortKey::Rank {
        platform::keyset_by!(
            query,
            continuum_levels::rank,
            continuum_levels::id,
            sort.descending,
            after
                .and_then(|a| a.int())
                .and_then(|(rank, id)| Some((i32::try_from(rank).ok()?, id)))
        )
    } else {
        platform::keyset_page!(query, continuum_levels, sort, after)
    };
    query.limit(limit).load(conn)
}
