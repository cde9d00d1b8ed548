//! A postal address, shared by schools and partners.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::http::text::trimmed;

/// A postal address: every line optional, trimmed and one line; blank text counts as `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"line1": "12 Harbor Road", "line2": null, "city": "Richmond", "region": "ME", "postal_code": "04357", "country": "US"}))]
pub struct Address {
    /// Street address, first line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub line1: Option<String>,
    /// Street address, second line (suite, unit, building).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub line2: Option<String>,
    /// City or town.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub city: Option<String>,
    /// State, province or region.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub region: Option<String>,
    /// Postal or ZIP code, as text.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 20), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 20,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code or a country name.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 60), custom(function = "crate::http::text::one_line"))]
    #[schema(
        max_length = 60,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub country: Option<String>,
}

impl Address {
    /// Columns in table order: line1, line2, city, region, postal_code, country.
    pub fn into_columns(self) -> [Option<String>; 6] {
        [
            self.line1,
            self.line2,
            self.city,
            self.region,
            self.postal_code,
            self.country,
        ]
    }

    pub fn from_columns(columns: [Option<String>; 6]) -> Self {
        let [line1, line2, city, region, postal_code, country] = columns;
        Address {
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
        }
    }
}
