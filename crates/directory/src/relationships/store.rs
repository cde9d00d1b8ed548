//! SQL for relationships, and the lookups the spreadsheet import matches its rows with.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{contacts, partners, relationships, users};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = relationships, treat_none_as_null = true)]
pub struct RelationshipRow {
    pub id: String,
    pub user_id: Option<String>,
    pub teacher_name: Option<String>,
    pub school_id: Option<String>,
    pub partner_id: String,
    pub contact_id: Option<String>,
    /// Partner offerings, as `partners::model::offerings_to_column` writes them.
    pub kinds: String,
    pub since: Option<NaiveDate>,
    pub last_contact_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(RelationshipRow, relationships, name = partner_id);

/// The filters of a page of relationships.
#[derive(Debug, Default)]
pub struct RelationshipFilter {
    pub partner_id: Option<String>,
    pub school_id: Option<String>,
    pub user_id: Option<String>,
    pub kind: Option<String>,
}

/// Up to `limit` relationships after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &RelationshipFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<RelationshipRow>> {
    let mut query = relationships::table
        .select(RelationshipRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(partner) = &filter.partner_id {
        query = query.filter(relationships::partner_id.eq(partner.clone()));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(relationships::school_id.eq(school.clone()));
    }
    if let Some(user) = &filter.user_id {
        query = query.filter(relationships::user_id.eq(user.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(relationships::kinds.like(format!("%,{kind},%")));
    }
    let query = platform::keyset_page!(query, relationships, partner_id, sort, after);
    query.limit(limit).load(conn)
}

/// Who knows each of these partners: per relationship, the partner, the user (with the
/// user's name) or the teacher's name, and the school.
pub type Acquaintance = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The relationships of these partners, with the users' names.
pub fn known_by(conn: &mut DbConnection, partner_ids: &[String]) -> QueryResult<Vec<Acquaintance>> {
    relationships::table
        .left_join(users::table.on(users::id.nullable().eq(relationships::user_id)))
        .filter(relationships::partner_id.eq_any(partner_ids))
        .order((relationships::partner_id.asc(), relationships::id.asc()))
        .select((
            relationships::partner_id,
            relationships::user_id,
            users::name.nullable(),
            relationships::teacher_name,
            relationships::school_id,
        ))
        .load(conn)
}

/// The partner with this external id.
pub fn partner_by_external_id(
    conn: &mut DbConnection,
    external: &str,
) -> QueryResult<Option<String>> {
    partners::table
        .filter(partners::external_id.eq(external))
        .select(partners::id)
        .first(conn)
        .optional()
}

/// The partners whose name reads the same (case and accents aside), oldest first.
pub fn partners_named(conn: &mut DbConnection, search_key: &str) -> QueryResult<Vec<String>> {
    partners::table
        .filter(partners::search_key.eq(search_key))
        .order(partners::created_at.asc())
        .select(partners::id)
        .load(conn)
}

/// The user with this email (case aside).
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<String>> {
    users::table
        .filter(users::email.eq(email.to_lowercase()))
        .select(users::id)
        .first(conn)
        .optional()
}

/// The partner's contact with this name (case and accents aside).
pub fn contact_named(
    conn: &mut DbConnection,
    partner: &str,
    search_key: &str,
) -> QueryResult<Option<String>> {
    contacts::table
        .filter(contacts::partner_id.eq(partner))
        .filter(contacts::search_key.eq(search_key))
        .order(contacts::created_at.asc())
        .select(contacts::id)
        .first(conn)
        .optional()
}
