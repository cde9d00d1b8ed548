use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Grant, Role, Scope};
use crate::error::{check_all, ApiError};
use crate::http::text::trimmed;

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
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"],
    "password": "a long passphrase of words"
}))]
pub struct UserInput {
    /// Sign-in name; unique, compared case-insensitively.
    #[serde(default, deserialize_with = "lowercase_trimmed")]
    #[validate(required, email, length(max = 254))]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
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
    #[serde(default, skip_serializing)]
    #[validate(length(min = 12, max = 200))]
    #[schema(write_only, min_length = 12, max_length = 200)]
    pub password: Option<String>,
    /// The `sub` of this person's tokens from the district's identity provider; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub external_subject: Option<String>,
    /// A disabled user can neither sign in nor use tokens issued before.
    #[serde(default)]
    #[schema(default = false)]
    pub disabled: Option<bool>,
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
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// What this person's tokens can do (from the role).
    pub scopes: Vec<Scope>,
    pub school_ids: Vec<String>,
    pub partner_id: Option<String>,
    pub external_subject: Option<String>,
    /// Whether a local password is set.
    pub has_password: bool,
    pub disabled: bool,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
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
