//! SQL for the change feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use platform::db::schema::{agreement_partners, change_partners, changes, changes_purged};
use platform::db::{now, DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub seq: i64,
    pub resource: String,
    pub resource_id: String,
    pub external_id: Option<String>,
    pub action: String,
    pub version: Option<i64>,
    pub occurred_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = changes)]
struct NewChange<'a> {
    resource: &'a str,
    resource_id: &'a str,
    external_id: Option<&'a str>,
    action: &'a str,
    version: Option<i64>,
    occurred_at: NaiveDateTime,
}

/// Any constant: the lock PostgreSQL writers number their changes under.
const NUMBERING_LOCK: i64 = 0x7061_7274_6e65_7273;

/// Takes, until the transaction ends, the lock under which PostgreSQL writers number their
/// changes and webhook events (nothing on SQLite, whose one writer numbers in commit order).
/// PostgreSQL numbers from a sequence when a row is inserted, not when it commits; numbering
/// under a lock held until commit makes the two orders the same, so a reader that sees a
/// change sees every change numbered before it. A write that will number changes and also
/// locks rows others' changes refer to (deleting a webhook endpoint) takes it first.
pub fn numbering_lock(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(NUMBERING_LOCK)
            .execute(conn)?;
    }
    Ok(())
}

/// Records a change of `resource` `id`, inside the write's transaction. `shown` is the
/// resource as readers see it after the write (before, for a deletion): its `external_id`,
/// `version` and the partners it concerns (`partner_id`, `lead_partner_id`, `partner_ids`, a
/// partner's own `id`, and the partners of its `agreement_id`) go with the change.
pub fn record_from(
    conn: &mut DbConnection,
    resource: &str,
    id: &str,
    action: &str,
    shown: &Value,
) -> QueryResult<()> {
    numbering_lock(conn)?;
    let text = |key: &str| shown.get(key).and_then(Value::as_str);
    let seq: i64 = diesel::insert_into(changes::table)
        .values(NewChange {
            resource,
            resource_id: id,
            external_id: text("external_id"),
            action,
            version: shown.get("version").and_then(Value::as_i64),
            occurred_at: now(),
        })
        .returning(changes::seq)
        .get_result(conn)?;
    let mut partners: Vec<String> = Vec::new();
    if resource == "partner" {
        partners.push(id.to_owned());
    }
    for key in ["partner_id", "lead_partner_id"] {
        partners.extend(text(key).map(str::to_owned));
    }
    if let Some(ids) = shown.get("partner_ids").and_then(Value::as_array) {
        partners.extend(ids.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(agreement) = text("agreement_id") {
        partners.extend(
            agreement_partners::table
                .filter(agreement_partners::agreement_id.eq(agreement))
                .select(agreement_partners::partner_id)
                .load::<String>(conn)?,
        );
    }
    partners.sort();
    partners.dedup();
    // A change concerns a handful of partners at most.
    for partner in &partners {
        diesel::insert_into(change_partners::table)
            .values((
                change_partners::seq.eq(seq),
                change_partners::partner_id.eq(partner),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Up to `limit` changes after `after`, oldest first: of the `resources` named (all when
/// `None`), and only those concerning `partner` when given.
pub fn page(
    conn: &mut DbConnection,
    after: i64,
    resources: Option<&[String]>,
    partner: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    let mut query = changes::table
        .filter(changes::seq.gt(after))
        .select(ChangeRow::as_select())
        .order(changes::seq.asc())
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(resources) = resources {
        query = query.filter(changes::resource.eq_any(resources.to_vec()));
    }
    if let Some(partner) = partner {
        query = query.filter(
            changes::seq.eq_any(
                change_partners::table
                    .filter(change_partners::partner_id.eq(partner.to_owned()))
                    .select(change_partners::seq),
            ),
        );
    }
    query.load(conn)
}

/// The newest change purged: a cursor before it has missed changes.
pub fn purged_upto(conn: &mut DbConnection) -> QueryResult<i64> {
    changes_purged::table
        .select(changes_purged::upto)
        .first(conn)
}

/// Deletes the changes that occurred before `cutoff`; how many went.
pub fn purge(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    platform::db::write_transaction(conn, |conn| {
        let newest: Option<i64> = changes::table
            .filter(changes::occurred_at.lt(cutoff))
            .select(diesel::dsl::max(changes::seq))
            .first(conn)?;
        let Some(newest) = newest else {
            return Ok(0);
        };
        diesel::update(changes_purged::table)
            .filter(changes_purged::upto.lt(newest))
            .set(changes_purged::upto.eq(newest))
            .execute(conn)?;
        diesel::delete(change_partners::table.filter(change_partners::seq.le(newest)))
            .execute(conn)?;
        diesel::delete(changes::table.filter(changes::seq.le(newest))).execute(conn)
    })
}

/// The newest change's number (0 when there is none).
pub fn latest_seq(conn: &mut DbConnection) -> QueryResult<i64> {
    let newest: Option<i64> = changes::table
        .select(diesel::dsl::max(changes::seq))
        .first(conn)?;
    Ok(newest.unwrap_or(0))
}
