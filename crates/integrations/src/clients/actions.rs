//! What is done to clients besides the pipeline's plain changes, each in one transaction with
//! its audit event: creation with a secret shown once, revocation, a new secret. Shared by the
//! admin endpoints and the `partnerships client …` commands.

use super::model::{revoked, with_secret, ApiClients, ClientInput};
use super::store::ClientRow;
use auth::password;
use auth::principal_cache::forgetting;
use auth::secret::SecretKey;
use pipeline::{change_in_transaction, create_in_transaction, CallerContext, Collection};
use platform::db::{write_transaction, DbConnection};
use platform::error::ApiError;
use platform::http::etag::IfMatch;

/// A random secret and its digest (see `auth::secret`).
fn new_secret(key: &SecretKey) -> Result<(String, String), ApiError> {
    let secret = password::random_token(32)?;
    let digest = key.digest(&secret);
    Ok((secret, digest))
}

/// Creates a client; returns it with its secret (shown once).
pub fn create(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    mut input: ClientInput,
    key: &SecretKey,
) -> Result<(ClientRow, String), ApiError> {
    let (secret, secret_hash) = new_secret(key)?;
    input.secret_hash = Some(secret_hash);
    let row = forgetting(write_transaction(conn, |conn| {
        create_in_transaction::<ApiClients>(conn, ctx, &Collection::TOP, input)
    }))?;
    Ok((row, secret))
}

/// Revokes a client: it can get no new token, and its tokens stop working (at once in this
/// process, within AUTH_CACHE_SECONDS in others).
pub fn revoke(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    id: &str,
    if_match: &IfMatch,
) -> Result<ClientRow, ApiError> {
    forgetting(write_transaction(conn, |conn| {
        change_in_transaction::<ApiClients, _>(
            conn,
            ctx,
            &Collection::TOP,
            id,
            if_match,
            "revoke",
            |_, _, _, c| Ok(revoked(c)),
        )
    }))
}

/// Gives a client a new secret; the old secret and tokens issued before stop working.
pub fn rotate_secret(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    id: &str,
    if_match: &IfMatch,
    key: &SecretKey,
) -> Result<(ClientRow, String), ApiError> {
    let (secret, secret_hash) = new_secret(key)?;
    let row = forgetting(write_transaction(conn, |conn| {
        change_in_transaction::<ApiClients, _>(
            conn,
            ctx,
            &Collection::TOP,
            id,
            if_match,
            "rotate_secret",
            move |_, _, _, c| with_secret(c, secret_hash).map(Some),
        )
    }))?;
    Ok((row, secret))
}
