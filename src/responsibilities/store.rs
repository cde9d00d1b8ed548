//! SQL for responsibilities.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::responsibilities;
use crate::db::{DbConnection, MultiBackend, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = responsibilities, treat_none_as_null = true)]
pub struct ResponsibilityRow {
    pub id: String,
    pub agreement_id: String,
    pub external_id: Option<String>,
    pub party: String,
    pub assignee_contact_id: Option<String>,
    pub assignee_user_id: Option<String>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub investment_kind: Option<String>,
    pub committed_centi: i64,
    pub delivered_centi: i64,
    pub unit: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ResponsibilityRow {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, Default)]
pub struct ResponsibilityFilter {
    pub party: Option<&'static str>,
    pub status: Option<&'static str>,
}

/// The agreement's responsibilities, soonest due first (undated last).
pub fn list(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &ResponsibilityFilter,
) -> QueryResult<Vec<ResponsibilityRow>> {
    let mut query = responsibilities::table
        .filter(responsibilities::agreement_id.eq(agreement_id.to_owned()))
        .select(ResponsibilityRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(party) = filter.party {
        query = query.filter(responsibilities::party.eq(party));
    }
    if let Some(status) = filter.status {
        query = query.filter(responsibilities::status.eq(status));
    }
    query
        .order((
            responsibilities::due_on.is_null(),
            responsibilities::due_on.asc(),
            responsibilities::id.asc(),
        ))
        .load(conn)
}

pub fn find(
    conn: &mut DbConnection,
    agreement_id: &str,
    id: &str,
) -> QueryResult<Option<ResponsibilityRow>> {
    responsibilities::table
        .filter(responsibilities::agreement_id.eq(agreement_id))
        .filter(responsibilities::id.eq(id))
        .select(ResponsibilityRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &ResponsibilityRow) -> QueryResult<()> {
    diesel::insert_into(responsibilities::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(
    conn: &mut DbConnection,
    row: &ResponsibilityRow,
    expected_version: i64,
) -> QueryResult<bool> {
    diesel::update(
        responsibilities::table
            .filter(responsibilities::id.eq(&row.id))
            .filter(responsibilities::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(responsibilities::table.filter(responsibilities::id.eq(id)))
        .execute(conn)
        .map(|n| n == 1)
}
