//! SQL for audit events.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use super::Actor;
use platform::db::schema::audit_events;
use platform::db::{now, sql::new_id, DbConnection, MultiBackend};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_role: String,
    pub request_id: Option<String>,
    pub resource_type: String,
    pub resource_id: String,
    pub action: String,
    pub changes: Option<String>,
}

/// The trail pages by id alone (ids are time-ordered).
impl platform::db::keyset::Keyed for AuditRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, _key: platform::db::keyset::SortKey) -> platform::db::keyset::KeyValue {
        platform::db::keyset::KeyValue::Id
    }
}

/// Appends an event. Call it inside the transaction of the change it records, so the change
/// and its event commit or roll back together.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    resource_type: &str,
    resource_id: &str,
    action: &str,
    changes: Option<Value>,
) -> QueryResult<()> {
    let row = AuditRow {
        id: new_id(),
        occurred_at: now(),
        actor_kind: actor.kind.to_owned(),
        actor_id: actor.id.clone(),
        actor_role: actor.role.clone(),
        request_id: actor.request_id.clone(),
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        action: action.to_owned(),
        changes: changes.map(|c| c.to_string()),
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Events in id (time) order after `after_id`.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .select(AuditRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(v) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(v.clone()));
    }
    if let Some(v) = &filter.resource_type {
        query = query.filter(audit_events::resource_type.eq(v.clone()));
    }
    if let Some(v) = &filter.resource_id {
        query = query.filter(audit_events::resource_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_events::action.eq(v.clone()));
    }
    if let Some(v) = filter.since {
        query = query.filter(audit_events::occurred_at.ge(v.naive_utc()));
    }
    if let Some(v) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(v.naive_utc()));
    }
    if let Some(id) = after_id {
        query = query.filter(audit_events::id.gt(id.to_owned()));
    }
    query.order(audit_events::id.asc()).limit(limit).load(conn)
}
