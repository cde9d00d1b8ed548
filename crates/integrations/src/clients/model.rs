use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::store::{self, ClientFilter, ClientRow};
use auth::{Grant, Role, Scope};
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

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
    /// A label for the client (which system uses it): required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What the client acts as; required. `integration` gets only its `scopes`.
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
    /// The digest of a new secret, set by the server when it makes one; never read from a
    /// request.
    #[serde(skip)]
    pub secret_hash: Option<String>,
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
    "scopes": ["schools:read", "schools:write", "kpi:read", "kpi:write"],
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
    /// A label for the client.
    pub name: String,
    /// What the client acts as.
    pub role: Role,
    /// What tokens of this client can do (for integrations the granted scopes, otherwise the
    /// role's).
    pub scopes: Vec<Scope>,
    /// Staff only: the schools it writes for; empty for other roles.
    pub school_ids: Vec<String>,
    /// Partner role only: the partner it is bound to; `null` for other roles.
    pub partner_id: Option<String>,
    /// Set once revoked: the client can no longer get or use tokens.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the client was created (UTC, set by the server).
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the client last changed (UTC, set by the server).
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
#[schema(example = json!({
    "id": "0193a1f0-0000-7000-8000-000000000001", "name": "SIS nightly export",
    "role": "integration", "scopes": ["schools:read", "schools:write", "kpi:read", "kpi:write"],
    "school_ids": [], "partner_id": null, "revoked_at": null, "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z", "updated_at": "2026-11-23T19:20:00.123456Z",
    "client_secret": "Zq8vN2rT5xLw0bKc7HdY3mJf9sGa1pUe6iWo4tRnB2E"
}))]
pub struct ClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    /// Store it now: only its hash is kept.
    pub client_secret: String,
}

platform::sort_enum! {
    /// Order of the clients: by creation (the default), or by `name`; `-` for descending.
    pub enum ClientSort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        Name => "name": Name;
        NameDesc => "-name": Name desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /clients`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// Only clients with this role.
    pub role: Option<Role>,
    /// Only revoked (`true`) or only usable (`false`) clients; both when absent.
    pub revoked: Option<bool>,
}

/// The client a revocation leaves: no new tokens, and none issued before it work. `None` when
/// it is revoked already.
pub fn revoked(current: &ClientRow) -> Option<ClientRow> {
    if current.revoked_at.is_some() {
        return None;
    }
    let stamp = current.stamp().bumped();
    Some(ClientRow {
        revoked_at: Some(stamp.updated_at),
        tokens_valid_after: stamp.updated_at,
        version: stamp.version,
        updated_at: stamp.updated_at,
        ..current.clone()
    })
}

/// The client with the secret whose digest is `secret_hash`: the old secret and the tokens
/// issued with it stop working. A revoked client keeps its revocation (409).
pub fn with_secret(current: &ClientRow, secret_hash: String) -> Result<ClientRow, ApiError> {
    if current.revoked_at.is_some() {
        return Err(ApiError::Conflict(
            "the client is revoked; create a new one".to_owned(),
        ));
    }
    let stamp = current.stamp().bumped();
    Ok(ClientRow {
        secret_hash,
        tokens_valid_after: stamp.updated_at,
        version: stamp.version,
        updated_at: stamp.updated_at,
        ..current.clone()
    })
}

pub struct ApiClients;

impl Resource for ApiClients {
    const TOPIC: Topic = Topic::unpublished("client");
    const READ: Scope = Scope::Admin;
    const WRITE: Scope = Scope::Admin;

    type Row = ClientRow;
    type Input = ClientInput;
    type Output = ApiClient;
    type Filter = ClientQuery;
    type Sort = ClientSort;

    fn represent(row: ClientRow) -> Result<ApiClient, ApiError> {
        ApiClient::from_row(&row)
    }

    fn writable(row: &ClientRow) -> Result<ClientInput, ApiError> {
        let grant = Grant::from_columns(
            &row.role,
            &row.scopes,
            &row.school_ids,
            row.partner_id.as_deref(),
        )?;
        Ok(ClientInput {
            name: Some(row.name.clone()),
            role: Some(grant.role),
            scopes: (!grant.scopes.is_empty()).then(|| grant.scopes.into_iter().collect()),
            school_ids: (!grant.school_ids.is_empty()).then_some(grant.school_ids),
            partner_id: grant.partner_id,
            secret_hash: None,
        })
    }

    fn check(input: &ClientInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: ClientInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&ClientRow>,
        _ctx: &CallerContext,
    ) -> Result<ClientRow, ApiError> {
        let grant = input.grant();
        let secret_hash = match (input.secret_hash, current) {
            (Some(hash), _) => hash,
            (None, Some(c)) => c.secret_hash.clone(),
            (None, None) => {
                return Err(ApiError::Internal(
                    "a client was created without a secret".into(),
                ))
            }
        };
        Ok(ClientRow {
            id: stamp.id,
            name: input.name.unwrap_or_default(),
            role: grant.role.as_str().to_owned(),
            scopes: grant.scopes_column(),
            school_ids: grant.school_ids_column(),
            partner_id: grant.partner_id,
            secret_hash,
            revoked_at: current.and_then(|c| c.revoked_at),
            tokens_valid_after: current.map_or(stamp.created_at, |c| c.tokens_valid_after),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        pipeline::admin_only(ctx, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        query: ClientQuery,
        page: &PageRequest,
    ) -> Result<Vec<ClientRow>, ApiError> {
        let filter = ClientFilter {
            role: query.role.map(|r| r.as_str().to_owned()),
            revoked: query.revoked,
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The school and partner a grant binds to exist.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&ClientRow>,
        after: &ClientRow,
    ) -> Result<(), ApiError> {
        Grant::from_columns(
            &after.role,
            &after.scopes,
            &after.school_ids,
            after.partner_id.as_deref(),
        )?
        .check_references(conn)
    }

    fn secrets_changed(before: &ClientRow, after: &ClientRow) -> Vec<(&'static str, bool)> {
        match before.secret_hash == after.secret_hash {
            true => Vec::new(),
            false => vec![("client_secret", true)],
        }
    }

    /// Tokens are checked against the new grant from the next request on, in this process.
    fn after_commit() {
        auth::principal_cache::forget_all();
    }
}
