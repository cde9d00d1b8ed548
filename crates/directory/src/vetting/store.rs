//! SQL for vetting entries.

use chrono::NaiveDate;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::partners::store::PartnerRow;
use pipeline::Resource as _;
use platform::db::keyset::{After, Sort};
use platform::db::schema::vetting_entries;
use platform::db::{sql::new_id, DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vetting_entries, treat_none_as_null = true)]
pub struct EntryRow {
    pub id: String,
    pub partner_id: String,
    pub kind: String,
    pub status: Option<String>,
    pub background_check_on: Option<NaiveDate>,
    pub background_check_expires_on: Option<NaiveDate>,
    pub insurance_expires_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(EntryRow, vetting_entries, name = kind, parent = partner_id);

pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    kind: Option<&'static str>,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = vetting_entries::table
        .filter(vetting_entries::partner_id.eq(partner_id.to_owned()))
        .select(EntryRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(kind) = kind {
        query = query.filter(vetting_entries::kind.eq(kind));
    }
    let query = platform::keyset_page!(query, vetting_entries, kind, sort, after);
    query.limit(limit).load(conn)
}

/// Appends the decision a partner's vetting columns now hold (a decision made through a partner
/// write).
pub fn record_decision(
    conn: &mut DbConnection,
    partner: &PartnerRow,
    decided_by: &str,
) -> QueryResult<()> {
    let row = EntryRow {
        id: new_id(),
        partner_id: partner.id.clone(),
        kind: "decision".to_owned(),
        status: Some(partner.vetting_status.clone()),
        background_check_on: partner.background_check_on,
        background_check_expires_on: partner.background_check_expires_on,
        insurance_expires_on: partner.insurance_expires_on,
        evidence: None,
        notes: partner.vetting_notes.clone(),
        recorded_by: decided_by.to_owned(),
        version: 1,
        created_at: partner.updated_at,
        updated_at: partner.updated_at,
    };
    diesel::insert_into(vetting_entries::table)
        .values(&row)
        .execute(conn)?;
    let shown = serde_json::json!({"partner_id": row.partner_id, "version": row.version});
    journal::changes::record_from(
        conn,
        super::model::VettingEntries::TOPIC,
        &row.id,
        "created",
        &shown,
    )
}
