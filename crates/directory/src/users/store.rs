//! SQL for users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::users;
use platform::db::search;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub school_ids: String,
    pub partner_id: Option<String>,
    pub password_hash: Option<String>,
    pub external_subject: Option<String>,
    pub disabled_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
}

platform::stored_rows!(UserRow, users, name = email);

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The filters of a page of users.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

/// Up to `limit` users after `after` in `sort` order (`SortKey::Name` is the email).
pub fn page(
    conn: &mut DbConnection,
    filter: &UserFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(q) = &filter.q {
        // Emails are stored in lower case; their search form is the same text.
        let pattern = search::contains(q);
        query = query.filter(
            users::search_key
                .like(pattern.clone())
                .escape('\\')
                .or(users::email.like(pattern).escape('\\')),
        );
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    match filter.disabled {
        Some(true) => query = query.filter(users::disabled_at.is_not_null()),
        Some(false) => query = query.filter(users::disabled_at.is_null()),
        None => {}
    }
    let query = platform::keyset_page!(query, users, email, sort, after);
    query.limit(limit).load(conn)
}

/// Every user, oldest first (for the command line).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)
}
