//! What can be done to clients, each in one transaction with its audit event. Shared by the
//! admin endpoints and the `partnerships client …` commands.

use serde_json::json;

use super::model::{ApiClient, ClientInput};
use super::store::{self, ClientRow};
use crate::audit::{self, Actor};
use crate::auth::principal_cache::forgetting;
use crate::auth::secret::SecretKey;
use crate::auth::{password, Grant};
use crate::db::{now, write_transaction, DbConnection, Stamp};
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::merge_patch::Change;

const RESOURCE: &str = "client";

fn not_found() -> ApiError {
    ApiError::not_found("client")
}

/// A random secret and its digest (see `auth::secret`).
fn new_secret(key: &SecretKey) -> Result<(String, String), ApiError> {
    let secret = password::random_token(32)?;
    let digest = key.digest(&secret);
    Ok((secret, digest))
}

pub fn input_of(row: &ClientRow) -> Result<ClientInput, ApiError> {
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
    })
}

fn apply(row: &mut ClientRow, input: &ClientInput) {
    let grant = input.grant();
    row.name = input.name.clone().unwrap_or_default();
    row.role = grant.role.as_str().to_owned();
    row.scopes = grant.scopes_column();
    row.school_ids = grant.school_ids_column();
    row.partner_id = grant.partner_id;
}

/// Creates a client; returns it with its secret (shown once).
pub fn create(
    conn: &mut DbConnection,
    input: ClientInput,
    actor: &Actor,
    key: &SecretKey,
) -> Result<(ClientRow, String), ApiError> {
    input.check()?;
    let (secret, secret_hash) = new_secret(key)?;
    let stamp = Stamp::fresh();
    let mut row = ClientRow {
        id: stamp.id,
        name: String::new(),
        role: String::new(),
        scopes: String::new(),
        school_ids: String::new(),
        partner_id: None,
        secret_hash,
        revoked_at: None,
        tokens_valid_after: stamp.created_at,
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    };
    apply(&mut row, &input);
    write_transaction(conn, |conn| {
        input.grant().check_references(conn)?;
        store::insert(conn, &row)?;
        let changes = audit::diff(&json!({}), &ApiClient::from_row(&row)?);
        audit::record(conn, actor, RESOURCE, &row.id, "create", changes)?;
        Ok::<_, ApiError>(())
    })?;
    Ok((row, secret))
}

/// Locks and loads; the start of every change.
fn locked(conn: &mut DbConnection, id: &str) -> Result<ClientRow, ApiError> {
    if !crate::db::sql::is_id(id) || !store::lock(conn, id)? {
        return Err(not_found());
    }
    store::find(conn, id)?.ok_or_else(not_found)
}

/// Locks, loads and checks `If-Match`, for changes without a body.
fn current(conn: &mut DbConnection, id: &str, if_match: &IfMatch) -> Result<ClientRow, ApiError> {
    let row = locked(conn, id)?;
    if_match.check(row.version)?;
    Ok(row)
}

fn save(
    conn: &mut DbConnection,
    before: &ClientRow,
    after: &ClientRow,
    action: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    if !store::update(conn, after, before.version)? {
        return Err(ApiError::raced());
    }
    let changes = audit::diff(&ApiClient::from_row(before)?, &ApiClient::from_row(after)?);
    audit::record(conn, actor, RESOURCE, &after.id, action, changes)?;
    Ok(())
}

/// Changes name, role, scopes or bindings. Tokens already issued keep working but are checked
/// against the new grant on every request.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    if_match: IfMatch,
    change: Change<ClientInput>,
    actor: &Actor,
) -> Result<ClientRow, ApiError> {
    forgetting(write_transaction(conn, |conn| {
        let before = locked(conn, id)?;
        // The body is judged before the precondition, as everywhere: a malformed change is
        // 400 or 422 whatever version it names.
        let input = change.resolve(&input_of(&before)?)?;
        input.check()?;
        if_match.check(before.version)?;
        let mut after = before.clone();
        apply(&mut after, &input);
        if after == before {
            return Ok(before);
        }
        input.grant().check_references(conn)?;
        after.version = before.version + 1;
        after.updated_at = now();
        save(conn, &before, &after, "update", actor)?;
        Ok(after)
    }))
}

/// Revokes a client: it can get no new token, and its tokens stop working (at once in this
/// process, within AUTH_CACHE_SECONDS in others).
pub fn revoke(
    conn: &mut DbConnection,
    id: &str,
    if_match: IfMatch,
    actor: &Actor,
) -> Result<ClientRow, ApiError> {
    forgetting(write_transaction(conn, |conn| {
        let before = current(conn, id, &if_match)?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let now = now();
        let after = ClientRow {
            revoked_at: Some(now),
            tokens_valid_after: now,
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        save(conn, &before, &after, "revoke", actor)?;
        Ok(after)
    }))
}

/// Gives a client a new secret; the old secret and tokens issued before stop working.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: &str,
    if_match: IfMatch,
    actor: &Actor,
    key: &SecretKey,
) -> Result<(ClientRow, String), ApiError> {
    let (secret, secret_hash) = new_secret(key)?;
    let row = forgetting(write_transaction(conn, |conn| {
        let before = current(conn, id, &if_match)?;
        if before.revoked_at.is_some() {
            return Err(ApiError::Conflict(
                "the client is revoked; create a new one".to_owned(),
            ));
        }
        let now = now();
        let after = ClientRow {
            secret_hash,
            tokens_valid_after: now,
            version: before.version + 1,
            updated_at: now,
            ..before.clone()
        };
        save(conn, &before, &after, "rotate_secret", actor)?;
        Ok(after)
    }))?;
    Ok((row, secret))
}
