//! SQL for partners.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::partners;
use platform::db::search;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partners, treat_none_as_null = true)]
pub struct PartnerRow {
    pub id: String,
    pub external_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub website: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub offerings: String,
    pub status: String,
    pub referred_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub continuum_level_id: Option<String>,
    pub vetting_status: String,
    pub background_check_on: Option<NaiveDate>,
    pub background_check_expires_on: Option<NaiveDate>,
    pub insurance_expires_on: Option<NaiveDate>,
    pub vetting_notes: Option<String>,
    pub vetting_decided_by: Option<String>,
    pub vetting_decided_at: Option<NaiveDateTime>,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
    /// How many relationships name the partner: kept by database triggers, never written here.
    #[diesel(skip_insertion, skip_update)]
    pub relationship_count: i32,
}

platform::stored_rows!(PartnerRow, partners, name = name);

#[derive(Debug, Default)]
pub struct PartnerFilter {
    pub q: Option<String>,
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub offering: Option<&'static str>,
    pub referred_by: Option<String>,
    pub external_id: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// For the partner role: only this partner is visible.
    pub only: Option<String>,
    pub continuum_level_id: Option<String>,
    /// Vetting status as readers see it, on `today`.
    pub vetting: Option<(&'static str, NaiveDate)>,
    /// Approved partners whose vetting runs out within the window (today, last day).
    pub vetting_expiring: Option<(NaiveDate, NaiveDate)>,
}

fn filtered(filter: &PartnerFilter) -> partners::BoxedQuery<'static, MultiBackend> {
    let mut query = partners::table.into_boxed::<MultiBackend>();
    if let Some(only) = &filter.only {
        query = query.filter(partners::id.eq(only.clone()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(partners::search_key.like(search::contains(q)).escape('\\'));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(partners::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(partners::status.eq(status));
    }
    if let Some(offering) = filter.offering {
        // Offering codes are a closed set of [a-z_] words; `_` is escaped for LIKE.
        query = query.filter(
            partners::offerings
                .like(format!("%,{},%", offering.replace('_', "\\_")))
                .escape('\\'),
        );
    }
    if let Some(referrer) = &filter.referred_by {
        query = query.filter(partners::referred_by.eq(referrer.clone()));
    }
    if let Some(external_id) = &filter.external_id {
        query = query.filter(partners::external_id.eq(external_id.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(partners::updated_at.ge(since.naive_utc()));
    }
    if let Some(level) = &filter.continuum_level_id {
        query = query.filter(partners::continuum_level_id.eq(level.clone()));
    }
    let bg = partners::background_check_expires_on;
    let ins = partners::insurance_expires_on;
    match filter.vetting {
        Some(("approved", today)) => {
            query = query
                .filter(partners::vetting_status.eq("approved"))
                .filter(bg.is_null().or(bg.ge(today)))
                .filter(ins.is_null().or(ins.ge(today)));
        }
        Some(("expired", today)) => {
            query = query.filter(
                partners::vetting_status
                    .eq("expired")
                    .or(partners::vetting_status
                        .eq("approved")
                        .and(bg.lt(today).or(ins.lt(today)))),
            );
        }
        Some((status, _)) => query = query.filter(partners::vetting_status.eq(status)),
        None => {}
    }
    if let Some((today, last)) = filter.vetting_expiring {
        query = query
            .filter(partners::vetting_status.eq("approved"))
            .filter(bg.is_null().or(bg.ge(today)))
            .filter(ins.is_null().or(ins.ge(today)))
            .filter(bg.le(last).or(ins.le(last)));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: &PartnerFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<PartnerRow>> {
    let query = filtered(filter).select(PartnerRow::as_select());
    let query = platform::keyset_page!(query, partners, sort, after);
    query.limit(limit).load(conn)
}

/// How many partners match (every page together).
pub fn count(conn: &mut DbConnection, filter: &PartnerFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// How many partners name `id` as their referrer.
pub fn count_referred(conn: &mut DbConnection, id: &str) -> QueryResult<i64> {
    partners::table
        .filter(partners::referred_by.eq(id))
        .count()
        .get_result(conn)
}

/// The names of these partners, by id (those that exist).
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(partners::table
        .filter(partners::id.eq_any(ids))
        .select((partners::id, partners::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
