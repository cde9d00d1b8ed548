//! What is done to users besides reads, each in one transaction with its audit event, with the
//! password hashed before: shared by the admin endpoints and the `partnerships user …`
//! commands.

use super::model::{UserInput, Users};
use super::store::UserRow;
use auth::password;
use auth::principal_cache::forgetting;
use pipeline::{
    change_in_transaction, create_in_transaction, next_row, CallerContext, Collection, Resource,
};
use platform::db::{write_transaction, DbConnection};
use platform::error::{ApiError, FieldError};
use platform::http::body::merge_problems;
use platform::http::etag::IfMatch;
use platform::http::merge_patch::Change;

/// The hash of the password a body sets, when it sets a valid one (an invalid one is judged
/// with the rest of the body).
pub fn hash_for(password: Option<&str>) -> Result<Option<String>, ApiError> {
    match password {
        Some(p) if (12..=200).contains(&p.chars().count()) => Ok(Some(password::hash(p)?)),
        _ => Ok(None),
    }
}

/// The password a merge patch sets.
pub fn patched_password(patch: &serde_json::Value) -> Option<String> {
    patch.get("password")?.as_str().map(str::to_owned)
}

/// Creates a user; `input.password_hash` holds the hash of `input.password`, if any.
pub fn create(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    input: UserInput,
) -> Result<UserRow, ApiError> {
    forgetting(write_transaction(conn, |conn| {
        create_in_transaction::<Users>(conn, ctx, &Collection::TOP, input)
    }))
}

/// The change a merge patch makes to a user, with the password already hashed (`hash`).
pub fn patched(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    current: &UserRow,
    patch: Change<UserInput>,
    problems: Vec<FieldError>,
    hash: Option<String>,
) -> Result<Option<UserRow>, ApiError> {
    let mut input = patch.resolve(&Users::writable(current)?)?;
    merge_problems(problems, Users::check(&input, Some(&current.id)))?;
    input.password_hash = hash;
    next_row::<Users>(conn, ctx, place, current, input)
}

/// Applies a merge patch to a user, in its own transaction.
pub fn update(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    id: &str,
    if_match: &IfMatch,
    patch: serde_json::Value,
) -> Result<UserRow, ApiError> {
    let hash = hash_for(patched_password(&patch).as_deref())?;
    forgetting(write_transaction(conn, |conn| {
        change_in_transaction::<Users, _>(
            conn,
            ctx,
            &Collection::TOP,
            id,
            if_match,
            "update",
            |conn, ctx, place, current| {
                patched(
                    conn,
                    ctx,
                    place,
                    current,
                    Change::Merge(patch),
                    Vec::new(),
                    hash,
                )
            },
        )
    }))
}
