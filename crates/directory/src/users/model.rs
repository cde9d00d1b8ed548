use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::store::{self, UserFilter, UserRow};
use auth::{Grant, Role, Scope};
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{now, DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

fn lowercase_trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(trimmed(d)?.map(|s| s.to_lowercase()))
}

/// The writable fields of a user. `password` is write-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "j.ramos@district.example.org",
    "name": "Jo Ramos",
    "role": "staff",
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e"],
    "password": "a long passphrase of words"
}))]
pub struct UserInput {
    /// Sign-in name; unique, compared case-insensitively.
    #[serde(default, deserialize_with = "lowercase_trimmed")]
    #[validate(
        required,
        email,
        length(max = 254),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The person's display name: required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What the person may do; required. The user's scopes follow from the role.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Role, required = true)]
    pub role: Option<Role>,
    /// Staff only: the schools this person writes for.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub school_ids: Option<Vec<String>>,
    /// Partner role only: the partner this person belongs to.
    #[serde(default, deserialize_with = "trimmed")]
    pub partner_id: Option<String>,
    /// Sets a new password (12 to 200 characters); never returned. Tokens issued before a
    /// password change stop working. Users without one sign in through the identity provider.
    // `skip_serializing` would also hide the field from the document (utoipa leaves such
    // fields out), and no generated client could set a password.
    #[serde(default, skip_serializing_if = "never")]
    #[validate(length(min = 12, max = 200))]
    #[schema(write_only, min_length = 12, max_length = 200)]
    pub password: Option<String>,
    /// The `sub` of this person's tokens from the district's identity provider; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_subject: Option<String>,
    /// A disabled user can neither sign in nor use tokens issued before.
    #[serde(default)]
    #[schema(default = false)]
    pub disabled: Option<bool>,
    /// `password`, hashed by the server before the write (hashing is slow, and never holds a
    /// connection); never read from a request.
    #[serde(skip)]
    pub password_hash: Option<String>,
}

impl UserInput {
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role.unwrap_or(Role::Viewer),
            scopes: Default::default(),
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

/// A person who signs in. Password hashes are never shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d", "email": "j.ramos@district.example.org",
    "name": "Jo Ramos", "role": "staff",
    "scopes": [
        "schools:read", "partners:read", "partners:write", "agreements:read", "agreements:write",
        "kpi:read", "kpi:read_small_cells"
    ],
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e"], "partner_id": null,
    "external_subject": null, "has_password": true, "disabled": false, "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z", "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct User {
    /// The user's id (a UUID), assigned by the server.
    pub id: String,
    /// Sign-in name, stored in lower case; unique.
    pub email: String,
    /// The person's display name.
    pub name: String,
    /// What the person may do.
    pub role: Role,
    /// What this person's tokens can do (from the role).
    pub scopes: Vec<Scope>,
    /// Staff only: the schools this person writes for; empty for other roles.
    pub school_ids: Vec<String>,
    /// Partner role only: the partner this person belongs to; `null` for other roles.
    pub partner_id: Option<String>,
    /// The identity provider's `sub` for this person; `null` until set or first bound.
    pub external_subject: Option<String>,
    /// Whether a local password is set.
    pub has_password: bool,
    /// Whether the user is disabled (no sign-in, no tokens).
    pub disabled: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the user was created (UTC, set by the server).
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the user last changed (UTC, set by the server).
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl User {
    pub fn from_row(row: &super::store::UserRow) -> Result<Self, ApiError> {
        let grant = Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
        Ok(User {
            id: row.id.clone(),
            email: row.email.clone(),
            name: row.name.clone(),
            role: grant.role,
            scopes: grant.effective_scopes().into_iter().collect(),
            school_ids: grant.school_ids,
            partner_id: grant.partner_id,
            external_subject: row.external_subject.clone(),
            has_password: row.password_hash.is_some(),
            disabled: row.disabled_at.is_some(),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

platform::sort_enum! {
    /// Order of the users: by creation (the default), or by `email`; `-` for descending.
    pub enum UserSort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        Email => "email": Name;
        EmailDesc => "-email": Name desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Case- and accent-insensitive search in name and email.
    pub q: Option<String>,
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only disabled (`true`) or only enabled (`false`) users; both when absent.
    pub disabled: Option<bool>,
}

pub struct Users;

impl Resource for Users {
    const TOPIC: Topic = Topic::unpublished("user");
    const READ: Scope = Scope::Admin;
    const WRITE: Scope = Scope::Admin;

    type Row = UserRow;
    type Input = UserInput;
    type Output = User;
    type Filter = UserQuery;
    type Sort = UserSort;

    fn represent(row: UserRow) -> Result<User, ApiError> {
        User::from_row(&row)
    }

    fn writable(row: &UserRow) -> Result<UserInput, ApiError> {
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
            password_hash: None,
        })
    }

    fn check(input: &UserInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: UserInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&UserRow>,
        _ctx: &CallerContext,
    ) -> Result<UserRow, ApiError> {
        if input.password.is_some() && input.password_hash.is_none() {
            return Err(ApiError::Internal(
                "a password reached the write unhashed".into(),
            ));
        }
        let grant = input.grant();
        let name = input.name.unwrap_or_default();
        let mut row = UserRow {
            id: stamp.id,
            email: input.email.unwrap_or_default(),
            search_key: platform::db::search::search_form(&name),
            name,
            role: grant.role.as_str().to_owned(),
            school_ids: grant.school_ids_column(),
            partner_id: grant.partner_id,
            password_hash: current.and_then(|c| c.password_hash.clone()),
            external_subject: input.external_subject,
            disabled_at: current.and_then(|c| c.disabled_at),
            // No cut-off for a new user: the identity provider's tokens may predate the record.
            tokens_valid_after: current.map_or(chrono::DateTime::UNIX_EPOCH.naive_utc(), |c| {
                c.tokens_valid_after
            }),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        };
        if let Some(hash) = input.password_hash {
            // Changing a password cuts off earlier tokens; a first password has none to cut off
            // (and must not cut off the identity provider's).
            if row.password_hash.is_some() {
                row.tokens_valid_after = now();
            }
            row.password_hash = Some(hash);
        }
        match (input.disabled.unwrap_or(false), row.disabled_at) {
            (true, None) => {
                let at = now();
                row.disabled_at = Some(at);
                row.tokens_valid_after = at;
            }
            (false, Some(_)) => row.disabled_at = None,
            _ => {}
        }
        Ok(row)
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
        query: UserQuery,
        page: &PageRequest,
    ) -> Result<Vec<UserRow>, ApiError> {
        let filter = UserFilter {
            q: query.q,
            role: query.role.map(|r| r.as_str().to_owned()),
            disabled: query.disabled,
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The schools and partner a grant binds to exist.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&UserRow>,
        after: &UserRow,
    ) -> Result<(), ApiError> {
        Grant::from_columns(
            &after.role,
            "",
            &after.school_ids,
            after.partner_id.as_deref(),
        )?
        .check_references(conn)
    }

    fn secrets_changed(before: &UserRow, after: &UserRow) -> Vec<(&'static str, bool)> {
        match before.password_hash == after.password_hash {
            true => Vec::new(),
            false => vec![("password", before.password_hash.is_some())],
        }
    }

    /// The next request of this user is judged against the change, in this process.
    fn after_commit() {
        auth::principal_cache::forget_all();
    }
}

/// Never serialised: a password is write-only.
fn never<T>(_: &T) -> bool {
    true
}
