//! SQL for opportunity responses.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::opportunity_responses;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = opportunity_responses, treat_none_as_null = true)]
pub struct ResponseRow {
    pub id: String,
    pub opportunity_id: String,
    pub partner_id: String,
    pub contact_id: Option<String>,
    pub message: String,
    pub status: String,
    /// What accepting created.
    pub activity_id: Option<String>,
    pub agreement_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(
    ResponseRow,
    opportunity_responses,
    name = status,
    parent = opportunity_id
);

/// Up to `limit` responses to the opportunity after `after`, a partner's only when given.
pub fn page(
    conn: &mut DbConnection,
    opportunity: &str,
    partner: Option<&str>,
    status: Option<&str>,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ResponseRow>> {
    let mut query = opportunity_responses::table
        .filter(opportunity_responses::opportunity_id.eq(opportunity.to_owned()))
        .select(ResponseRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(partner) = partner {
        query = query.filter(opportunity_responses::partner_id.eq(partner.to_owned()));
    }
    if let Some(status) = status {
        query = query.filter(opportunity_responses::status.eq(status.to_owned()));
    }
    let query = platform::keyset_page!(query, opportunity_responses, status, sort, after);
    query.limit(limit).load(conn)
}

/// Whether the partner answered the opportunity (with a response other than `except`).
pub fn answered_by(
    conn: &mut DbConnection,
    opportunity: &str,
    partner: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    // No id is empty: without `except`, every response counts.
    diesel::select(diesel::dsl::exists(
        opportunity_responses::table
            .filter(opportunity_responses::opportunity_id.eq(opportunity))
            .filter(opportunity_responses::partner_id.eq(partner))
            .filter(opportunity_responses::id.ne(except.unwrap_or_default())),
    ))
    .get_result(conn)
}

/// Whether anyone answered the opportunity.
pub fn any_for(conn: &mut DbConnection, opportunity: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        opportunity_responses::table.filter(opportunity_responses::opportunity_id.eq(opportunity)),
    ))
    .get_result(conn)
}
