//! The audit trail: one event per successful write, recorded in the write's own transaction.

pub mod store;

use serde::Serialize;
use serde_json::{Map, Value};

pub use store::record;

use crate::Topic;
use platform::db::DbConnection;
use platform::error::ApiError;

/// The write in the change feed, from the resource as readers see it.
fn feed(
    conn: &mut DbConnection,
    topic: Topic,
    id: &str,
    action: &str,
    shown: &impl Serialize,
) -> Result<(), ApiError> {
    let shown = serde_json::to_value(shown)
        .map_err(|e| ApiError::Internal(format!("cannot represent {}: {e}", topic.name)))?;
    Ok(crate::changes::record_from(
        conn, topic, id, action, &shown,
    )?)
}

/// Records a creation, with every field of the new representation, in the audit trail and
/// the change feed.
pub fn created(
    conn: &mut DbConnection,
    actor: &Actor,
    topic: Topic,
    id: &str,
    new: &impl Serialize,
) -> Result<(), ApiError> {
    feed(conn, topic, id, "created", new)?;
    Ok(record(
        conn,
        actor,
        topic.name,
        id,
        "create",
        diff(&Value::Object(Map::new()), new),
    )?)
}

/// Records an update, with the fields that changed, in the audit trail and the change feed.
pub fn updated(
    conn: &mut DbConnection,
    actor: &Actor,
    topic: Topic,
    id: &str,
    old: &impl Serialize,
    new: &impl Serialize,
) -> Result<(), ApiError> {
    changed(conn, actor, topic, id, "update", old, new, &[])
}

/// Records an update the audit trail names `action` (`revoke`, `rotate_secret`); the change
/// feed lists it as updated. `secrets` names write-only fields that changed (a password),
/// each with whether it was set before: the trail says they changed, never what they are.
#[allow(clippy::too_many_arguments)]
pub fn changed(
    conn: &mut DbConnection,
    actor: &Actor,
    topic: Topic,
    id: &str,
    action: &str,
    old: &impl Serialize,
    new: &impl Serialize,
    secrets: &[(&str, bool)],
) -> Result<(), ApiError> {
    feed(conn, topic, id, "updated", new)?;
    let mut changes = diff(old, new);
    for (field, was_set) in secrets {
        let entry = changes.get_or_insert_with(|| Value::Object(Map::new()));
        entry[*field] = serde_json::json!({
            "old": if *was_set { Value::from("(set)") } else { Value::Null },
            "new": "(changed)",
        });
    }
    Ok(record(conn, actor, topic.name, id, action, changes)?)
}

/// Records a deletion, with the fields the resource had, in the audit trail and the change
/// feed.
pub fn deleted(
    conn: &mut DbConnection,
    actor: &Actor,
    topic: Topic,
    id: &str,
    old: &impl Serialize,
) -> Result<(), ApiError> {
    feed(conn, topic, id, "deleted", old)?;
    Ok(record(
        conn,
        actor,
        topic.name,
        id,
        "delete",
        diff(old, &Value::Object(Map::new())),
    )?)
}

/// Who did something: the authenticated caller, or the operator at the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `client`, `user` or `cli`.
    pub kind: &'static str,
    pub id: String,
    pub role: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// Someone without an account, through a public link (a family answering a survey).
    pub fn public(request_id: Option<String>) -> Actor {
        Actor {
            kind: "public",
            id: "anonymous".to_owned(),
            role: "public".to_owned(),
            request_id,
        }
    }

    /// The operator running an admin command on the server.
    pub fn command_line() -> Actor {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
        Actor {
            kind: "cli",
            id: who,
            role: "admin".to_owned(),
            request_id: None,
        }
    }
}

const BOOKKEEPING: [&str; 3] = ["version", "created_at", "updated_at"];

/// The fields that differ between two representations, as `{"field": {"old": .., "new": ..}}`;
/// `None` when nothing but bookkeeping changed. Representations never hold secrets.
pub fn diff(old: &impl Serialize, new: &impl Serialize) -> Option<Value> {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return None;
    };
    let mut changes = Map::new();
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        if BOOKKEEPING.contains(&key.as_str()) || key == "id" {
            continue;
        }
        let old_value = old.get(key).unwrap_or(&Value::Null);
        let new_value = new.get(key).unwrap_or(&Value::Null);
        if old_value != new_value {
            changes.insert(
                key.clone(),
                serde_json::json!({"old": old_value, "new": new_value}),
            );
        }
    }
    (!changes.is_empty()).then_some(Value::Object(changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_changed_fields_only() {
        let old = json!({"name": "A", "status": "prospect", "version": 1, "website": null});
        let new =
            json!({"name": "A", "status": "active", "version": 2, "website": "https://a.org"});
        assert_eq!(
            diff(&old, &new),
            Some(json!({
                "status": {"old": "prospect", "new": "active"},
                "website": {"old": null, "new": "https://a.org"}
            }))
        );
        assert_eq!(
            diff(
                &old,
                &json!({"name": "A", "status": "prospect", "version": 5, "website": null})
            ),
            None
        );
    }
}
