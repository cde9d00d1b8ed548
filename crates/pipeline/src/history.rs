//! The readable history of a versioned resource (agreements, procedures): every version kept
//! whole, listed with what changed from the one before, and diffs between any two.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use diesel::RunQueryDsl;
use journal::audit::Actor;
use platform::db::{DbConnection, Stamp};
use platform::error::ApiError;

/// Who recorded a version or a transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recorder {
    /// The id of the client or user who made the change.
    pub id: String,
    /// Their role at the time (`admin`, `staff`, …).
    pub role: String,
}

/// One version in a history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "version": 2,
    "action": "update",
    "recorded_by": {"id": "0193a1f0-0000-7000-8000-000000000009", "role": "staff"},
    "recorded_at": "2026-08-10T09:31:27.804112Z",
    "changed_fields": ["communication_channels", "liaison_user_id"]
}))]
pub struct VersionSummary {
    /// The version number (1 for the first), as in the resource's `version` and `ETag`.
    pub version: i64,
    /// `create`, `update` or `transition`.
    pub action: String,
    /// Who made this version.
    pub recorded_by: Recorder,
    /// When this version was recorded (UTC).
    pub recorded_at: DateTime<Utc>,
    /// Fields that differ from the previous version (empty for the first).
    pub changed_fields: Vec<String>,
}

/// What changed between two versions: `{"field": {"old": …, "new": …}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from": 1,
    "to": 2,
    "changes": {
        "communication_channels": {"old": [],
            "new": [{"cadence": "monthly", "channel": "planning call", "owner": "school liaison"}]},
        "liaison_user_id": {"old": null, "new": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d"}
    }
}))]
pub struct VersionDiff {
    /// The version compared from: its values are the `old` ones.
    pub from: i64,
    /// The version compared to: its values are the `new` ones.
    pub to: i64,
    /// Each field that differs, as `{"old": …, "new": …}`; empty when none does.
    #[schema(value_type = Object)]
    pub changes: Value,
}

/// A stored version, read back.
pub struct Recorded {
    pub version: i64,
    pub action: String,
    pub actor_id: String,
    pub actor_role: String,
    pub recorded_at: NaiveDateTime,
    pub snapshot: Value,
}

/// A stored snapshot (JSON text) read back.
pub fn snapshot(text: &str) -> Result<Value, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(format!("stored snapshot is not valid: {e}")))
}

/// The versions (oldest first) with the fields each changed.
pub fn summaries(versions: Vec<Recorded>) -> Vec<VersionSummary> {
    let mut previous: Option<Value> = None;
    let mut out = Vec::with_capacity(versions.len());
    for v in versions {
        let changed_fields = match &previous {
            Some(before) => journal::audit::diff(before, &v.snapshot)
                .and_then(|c| c.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        out.push(VersionSummary {
            version: v.version,
            action: v.action,
            recorded_by: Recorder {
                id: v.actor_id,
                role: v.actor_role,
            },
            recorded_at: v.recorded_at.and_utc(),
            changed_fields,
        });
        previous = Some(v.snapshot);
    }
    out
}

/// What changed from `older` to `newer`.
pub fn diff(older: &Recorded, newer: &Recorded) -> VersionDiff {
    VersionDiff {
        from: older.version,
        to: newer.version,
        changes: journal::audit::diff(&older.snapshot, &newer.snapshot)
            .unwrap_or_else(|| Value::Object(Default::default())),
    }
}

/// Where a resource keeps its versions: a table of whole snapshots, one row per version, with
/// who recorded each, keyed by the resource's id in the `owner` column. Agreements and
/// procedures each have one; this is the only code that reads or writes them.
#[derive(Debug, Clone, Copy)]
pub struct VersionTable {
    pub table: &'static str,
    pub owner: &'static str,
}

#[derive(diesel::QueryableByName)]
struct StoredVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    snapshot: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor_role: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    recorded_at: NaiveDateTime,
}

impl StoredVersion {
    fn recorded(self) -> Result<Recorded, ApiError> {
        Ok(Recorded {
            version: self.version,
            action: self.action,
            actor_id: self.actor_id,
            actor_role: self.actor_role,
            recorded_at: self.recorded_at,
            snapshot: snapshot(&self.snapshot)?,
        })
    }
}

impl VersionTable {
    /// Keeps `shown` (the resource as readers see it) whole as the version `stamp` names,
    /// recorded by `actor` with `action` (`create`, `update`, `transition`) when it was written.
    pub fn record(
        &self,
        conn: &mut DbConnection,
        stamp: &Stamp,
        shown: &impl Serialize,
        action: &str,
        actor: &Actor,
    ) -> Result<(), ApiError> {
        use diesel::sql_types::{BigInt, Text, Timestamp};
        let snapshot = serde_json::to_string(shown)
            .map_err(|e| ApiError::Internal(format!("cannot snapshot: {e}")))?;
        let sql = format!(
            "INSERT INTO {} ({}, version, snapshot, action, actor_id, actor_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            self.table, self.owner
        );
        diesel::sql_query(sql)
            .bind::<Text, _>(&stamp.id)
            .bind::<BigInt, _>(stamp.version)
            .bind::<Text, _>(snapshot)
            .bind::<Text, _>(action)
            .bind::<Text, _>(&actor.id)
            .bind::<Text, _>(&actor.role)
            .bind::<Timestamp, _>(stamp.updated_at)
            .execute(conn)?;
        Ok(())
    }

    /// Every version of `owner_id`, oldest first.
    pub fn versions(
        &self,
        conn: &mut DbConnection,
        owner_id: &str,
    ) -> Result<Vec<Recorded>, ApiError> {
        let rows: Vec<StoredVersion> = diesel::sql_query(self.select("ORDER BY version"))
            .bind::<diesel::sql_types::Text, _>(owner_id)
            .load(conn)?;
        rows.into_iter().map(StoredVersion::recorded).collect()
    }

    /// Version `version` of `owner_id`, if it was ever recorded.
    pub fn find(
        &self,
        conn: &mut DbConnection,
        owner_id: &str,
        version: i64,
    ) -> Result<Option<Recorded>, ApiError> {
        let rows: Vec<StoredVersion> = diesel::sql_query(self.select("AND version = $2"))
            .bind::<diesel::sql_types::Text, _>(owner_id)
            .bind::<diesel::sql_types::BigInt, _>(version)
            .load(conn)?;
        rows.into_iter()
            .next()
            .map(StoredVersion::recorded)
            .transpose()
    }

    /// Forgets every version of `owner_id` (its resource is being deleted).
    pub fn forget(&self, conn: &mut DbConnection, owner_id: &str) -> Result<usize, ApiError> {
        let sql = format!("DELETE FROM {} WHERE {} = $1", self.table, self.owner);
        Ok(diesel::sql_query(sql)
            .bind::<diesel::sql_types::Text, _>(owner_id)
            .execute(conn)?)
    }

    fn select(&self, rest: &str) -> String {
        format!(
            "SELECT version, snapshot, action, actor_id, actor_role, recorded_at FROM {} \
             WHERE {} = $1 {rest}",
            self.table, self.owner
        )
    }
}
