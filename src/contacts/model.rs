use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{check_all, ApiError};
use crate::http::text::trimmed;

/// The writable fields of a contact (POST and PUT bodies; PATCH merges into this shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Dana Whitcomb",
    "email": "dana.whitcomb@kennebecmuseum.example.org",
    "phone": "+1 207 555 0142",
    "role": "Education director",
    "primary": true,
    "external_id": null
}))]
pub struct ContactInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Digits with spaces, `+ - ( ) .` and an `x` extension; 7 to 20 digits.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 40), custom(function = "crate::http::text::phone"))]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    /// The person's role or title at the partner.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub role: Option<String>,
    /// The partner's primary contact. At most one per partner: making a contact primary
    /// makes the previous primary contact non-primary. Defaults to false.
    #[serde(default)]
    #[schema(default = false)]
    pub primary: Option<bool>,
    /// The district's own id for the contact; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
}

impl ContactInput {
    pub fn check(&self) -> Result<(), ApiError> {
        check_all(self, Vec::new())
    }
}
