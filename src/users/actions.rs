//! What can be done to users, each in one transaction with its audit event. Shared by the
//! admin endpoints and the `partnerships user …` commands.

use serde_json::json;

use super::model::{User, UserInput};
use super::store::{self, UserRow};
use crate::audit::{self, Actor};
use crate::auth::principal_cache::forgetting;
use crate::auth::{password, Grant};
use crate::db::{now, write_transaction, DbConnection, Stamp};
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::merge_patch::Change;

const RESOURCE: &str = "user";

fn not_found() -> ApiError {
    ApiError::not_found("user")
}

pub fn input_of(row: &UserRow) -> Result<UserInput, ApiError> {
    let grant = Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
    Ok(UserInput {
        email: Some(row.email.clone()),
        name: Some(row.name.clone()),
        role: Some(grant.role),
        school_ids: (!grant.school_ids.is_empty()).then_some(grant.school_ids),
        partner_id: grant.partner_id,
        password: None,
        external_subject: row.external_subject.clone(),
        disabled: Some(row.disabled_at.is_some()),
    })
}

/// Applies `input`; the password is hashed by the caller beforehand (`password_hash`).
fn apply(row: &mut UserRow, input: &UserInput, password_hash: Option<String>) {
    let grant = input.grant();
    let now = now();
    row.email = input.email.clone().unwrap_or_default();
    row.name = input.name.clone().unwrap_or_default();
    row.search_key = crate::db::search::search_form(&row.name);
    row.role = grant.role.as_str().to_owned();
    row.school_ids = grant.school_ids_column();
    row.partner_id = grant.partner_id;
    row.external_subject = input.external_subject.clone();
    if let Some(hash) = password_hash {
        // Changing a password cuts off earlier tokens; a first password has none to cut off
        // (and must not cut off the identity provider's).
        if row.password_hash.is_some() {
            row.tokens_valid_after = now;
        }
        row.password_hash = Some(hash);
    }
    match (input.disabled.unwrap_or(false), row.disabled_at) {
        (true, None) => {
            row.disabled_at = Some(now);
            row.tokens_valid_after = now;
        }
        (false, Some(_)) => row.disabled_at = None,
        _ => {}
    }
}

fn hash_of(input: &UserInput) -> Result<Option<String>, ApiError> {
    input.password.as_deref().map(password::hash).transpose()
}

pub fn create(
    conn: &mut DbConnection,
    input: UserInput,
    actor: &Actor,
) -> Result<UserRow, ApiError> {
    input.check()?;
    let hash = hash_of(&input)?;
    let stamp = Stamp::fresh();
    let mut row = UserRow {
        id: stamp.id,
        email: String::new(),
        name: String::new(),
        search_key: String::new(),
        role: String::new(),
        school_ids: String::new(),
        partner_id: None,
        password_hash: None,
        external_subject: None,
        disabled_at: None,
        // No cut-off yet: the identity provider's tokens may predate this record.
        tokens_valid_after: chrono::DateTime::UNIX_EPOCH.naive_utc(),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    };
    apply(&mut row, &input, hash);
    write_transaction(conn, |conn| {
        input.grant().check_references(conn)?;
        store::insert(conn, &row)?;
        let changes = audit::diff(&json!({}), &User::from_row(&row)?);
        audit::record(conn, actor, RESOURCE, &row.id, "create", changes)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(row)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    if_match: IfMatch,
    change: Change<UserInput>,
    actor: &Actor,
) -> Result<UserRow, ApiError> {
    if !crate::db::sql::is_id(id) {
        return Err(not_found());
    }
    // The password arrives only in the patch; hash it before taking any lock (it is slow).
    let hash = match &change {
        Change::Merge(patch) => match patch.get("password").and_then(|p| p.as_str()) {
            Some(p) if (12..=200).contains(&p.chars().count()) => Some(password::hash(p)?),
            _ => None,
        },
        Change::Replace(input) => hash_of(input)?,
    };
    forgetting(write_transaction(conn, |conn| {
        if !store::lock(conn, id)? {
            return Err(not_found());
        }
        let before = store::find(conn, id)?.ok_or_else(not_found)?;
        // The body is judged before the precondition, as everywhere: a malformed change is
        // 400 or 422 whatever version it names.
        let input = change.resolve(&input_of(&before)?)?;
        input.check()?;
        if_match.check(before.version)?;
        let mut after = before.clone();
        apply(&mut after, &input, hash);
        if after == before {
            return Ok(before);
        }
        input.grant().check_references(conn)?;
        after.version = before.version + 1;
        after.updated_at = now();
        if !store::update(conn, &after, before.version)? {
            return Err(ApiError::raced());
        }
        let mut changes = audit::diff(&User::from_row(&before)?, &User::from_row(&after)?);
        if before.password_hash != after.password_hash {
            // Say that the password changed, never what it is.
            let entry = changes.get_or_insert_with(|| json!({}));
            entry["password"] = json!({"old": "(set)", "new": "(changed)"});
        }
        audit::record(conn, actor, RESOURCE, &after.id, "update", changes)?;
        Ok(after)
    }))
}
