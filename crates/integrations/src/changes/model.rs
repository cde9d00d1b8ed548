//! The change feed's wire types and who reads what.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::ChangeRow;
use auth::{Caller, Role, Scope};
use platform::error::{ApiError, FieldError};

platform::text_enum! {
    /// What the write did.
    pub enum ChangeAction {
        Created => "created",
        Updated => "updated",
        Deleted => "deleted",
    }
}

/// One committed write.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "seq": 48213, "resource": "partner", "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "external_id": "CRM-2231", "action": "updated", "version": 3,
    "occurred_at": "2026-11-23T20:01:12.655107Z"
}))]
pub struct Change {
    /// Its place in commit order; pass the last one seen as `after`.
    pub seq: i64,
    /// The resource type (`school`, `partner`, `agreement`, `kpi_target`…).
    pub resource: String,
    /// The id of the resource written.
    pub id: String,
    /// The resource's `external_id` as the write left it; `null` if it has none.
    pub external_id: Option<String>,
    /// Whether the resource was created, updated or deleted.
    pub action: ChangeAction,
    /// The resource's version after the write (before it, for a deletion).
    pub version: Option<i64>,
    /// When the write happened (UTC).
    pub occurred_at: DateTime<Utc>,
}

impl Change {
    pub fn from_row(row: ChangeRow) -> Result<Change, ApiError> {
        Ok(Change {
            action: ChangeAction::parse(&row.action).ok_or_else(|| {
                ApiError::Internal(format!("stored change action {:?} is unknown", row.action))
            })?,
            seq: row.seq,
            resource: row.resource,
            id: row.resource_id,
            external_id: row.external_id,
            version: row.version,
            occurred_at: row.occurred_at.and_utc(),
        })
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "data": [
        {
            "seq": 48213, "resource": "partner", "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
            "external_id": "CRM-2231", "action": "updated", "version": 3,
            "occurred_at": "2026-11-23T20:01:12.655107Z"
        },
        {
            "seq": 48377, "resource": "relationship", "id": "0193b4e7-5a1c-7d2e-9f3a-4b5c6d7e8f90",
            "external_id": null, "action": "created", "version": 1,
            "occurred_at": "2026-11-24T14:05:31.205190Z"
        }
    ],
    "next_cursor": "48377"
}))]
pub struct ChangePage {
    /// The changes after the cursor, oldest first; empty when there is nothing new.
    pub data: Vec<Change>,
    /// Pass as `after` to continue: the last change listed, or the cursor given when there is
    /// nothing new. Always present, so a client keeps polling with it.
    pub next_cursor: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous page (or a change's `seq`); from the oldest change
    /// kept when left out. A cursor older than `CHANGES_RETENTION_DAYS` answers 410: resync
    /// from the lists and start again without it.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Only these resource types, comma-separated (`school,partner`).
    #[param(schema_with = resource_list_schema)]
    pub resource: Option<String>,
    /// Changes per page (default 100, at most 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The schema of `resource`: the feed's own type names, comma-separated.
fn resource_list_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let names: Vec<&str> = crate::feed::resources().iter().map(|(n, _)| *n).collect();
    let one = format!("({})", names.join("|"));
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{one}(,{one})*$")))
        .description(Some(
            "Only these resource types, comma-separated (`school,partner`).",
        ))
        .build()
}

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

impl ChangesQuery {
    /// The cursor as a sequence number.
    pub fn after(&self) -> Result<Option<i64>, ApiError> {
        let Some(after) = &self.after else {
            return Ok(None);
        };
        match after.parse::<i64>() {
            Ok(seq) if seq >= 0 && after.chars().all(|c| c.is_ascii_digit()) => Ok(Some(seq)),
            _ => Err(ApiError::Validation(vec![FieldError::query(
                "after",
                "invalid_cursor",
                "after must be a next_cursor from this feed",
            )])),
        }
    }

    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::Validation(vec![FieldError::query(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )])),
        }
    }
}

/// The resource types `caller` may follow, of `feed` (each type with the scopes that read
/// it), narrowed to `asked` when given. Asking for a type that does not exist is 422; for one
/// the caller may not read, 403.
pub fn readable(
    caller: &Caller,
    feed: &[(&'static str, Vec<Scope>)],
    asked: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let may_read = |scopes: &Vec<Scope>| scopes.iter().all(|s| caller.scopes.contains(s));
    match asked {
        None => {
            let all: Vec<String> = feed
                .iter()
                .filter(|(_, scopes)| may_read(scopes))
                .map(|(name, _)| (*name).to_owned())
                .collect();
            if all.is_empty() {
                return Err(ApiError::Forbidden(
                    "this token reads none of the resources the feed lists".into(),
                ));
            }
            Ok(all)
        }
        Some(asked) => asked
            .split(',')
            .map(|name| match feed.iter().find(|(n, _)| *n == name) {
                None => Err(ApiError::Validation(vec![FieldError::query(
                    "resource",
                    "unknown_resource",
                    format!("the feed has no resource type {name:?}"),
                )])),
                Some((_, scopes)) if !may_read(scopes) => Err(ApiError::Forbidden(format!(
                    "this token may not read {name}"
                ))),
                Some((name, _)) => Ok((*name).to_owned()),
            })
            .collect(),
    }
}

/// The partner whose changes alone a partner account follows.
pub fn partner_scope(caller: &Caller) -> Result<Option<String>, ApiError> {
    if caller.role != Role::Partner {
        return Ok(None);
    }
    caller
        .partner_id
        .clone()
        .map(Some)
        .ok_or_else(|| ApiError::Forbidden("a partner account without a partner".into()))
}
