use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Grant, Role, Scope};
use crate::error::{check_all, ApiError};
use crate::http::text::trimmed;

/// The writable fields of an API client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "SIS nightly export",
    "role": "integration",
    "scopes": ["schools:write", "kpi:write"],
    "school_ids": [],
    "partner_id": null
}))]
pub struct ClientInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Role, required = true)]
    pub role: Option<Role>,
    /// Integrations only: what the client may do. Write scopes include read.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
    /// Staff only: the schools it writes for.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub school_ids: Option<Vec<String>>,
    /// Partner role only: the partner it is bound to.
    #[serde(default, deserialize_with = "trimmed")]
    pub partner_id: Option<String>,
}

impl ClientInput {
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role.unwrap_or(Role::Viewer),
            scopes: self.scopes.iter().flatten().copied().collect(),
            school_ids: self.school_ids.clone().unwrap_or_default(),
            partner_id: self.partner_id.clone(),
        }
    }

    pub fn check(&self) -> Result<(), ApiError> {
        let rules = if self.role.is_some() {
            self.grant().rule_errors()
        } else {
            Vec::new()
        };
        check_all(self, rules)
    }
}

/// An API client (its secret is shown only once, when created or rotated).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f0-0000-7000-8000-000000000001",
    "name": "SIS nightly export",
    "role": "integration",
    "scopes": ["kpi:read", "kpi:write", "schools:read", "schools:write"],
    "school_ids": [],
    "partner_id": null,
    "revoked_at": null,
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct ApiClient {
    /// Also the OAuth2 `client_id`.
    pub id: String,
    pub name: String,
    pub role: Role,
    /// What tokens of this client can do (for integrations the granted scopes, otherwise the
    /// role's).
    pub scopes: Vec<Scope>,
    pub school_ids: Vec<String>,
    pub partner_id: Option<String>,
    /// Set once revoked: the client can no longer get or use tokens.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl ApiClient {
    pub fn from_row(row: &super::store::ClientRow) -> Result<Self, ApiError> {
        let grant = Grant::from_columns(
            &row.role,
            &row.scopes,
            &row.school_ids,
            row.partner_id.as_deref(),
        )?;
        Ok(ApiClient {
            id: row.id.clone(),
            name: row.name.clone(),
            role: grant.role,
            scopes: grant.effective_scopes().into_iter().collect(),
            school_ids: grant.school_ids,
            partner_id: grant.partner_id,
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// A client with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    /// Store it now: only its hash is kept.
    pub client_secret: String,
}
