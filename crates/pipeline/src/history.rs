//! The readable history of a versioned resource (agreements, procedures): every version kept
//! whole, listed with what changed from the one before, and diffs between any two.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

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
