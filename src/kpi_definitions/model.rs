use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::trimmed;

crate::text_enum! {
    pub enum KpiUnit {
        Percent => "percent",
        Count => "count",
        Hours => "hours",
        Score => "score",
        Currency => "currency",
        Ratio => "ratio",
    }
}

crate::text_enum! {
    /// Which way is better, so progress and on-track flags can be computed.
    pub enum KpiDirection {
        HigherIsBetter => "higher_is_better",
        LowerIsBetter => "lower_is_better",
        Neutral => "neutral",
    }
}

crate::text_enum! {
    /// How values combine across schools and groups: mean weighted by `n`, sum, or a rate
    /// (Σnumerator / Σdenominator).
    pub enum KpiAggregation {
        WeightedMean => "weighted_mean",
        Sum => "sum",
        Rate => "rate",
    }
}

/// 2 to 64 characters of a-z, 0-9 and _, starting with a letter: KPI codes and student groups.
pub fn is_slug(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && text.as_bytes()[0].is_ascii_lowercase()
}

pub const SLUG_RULE: &str = "2 to 64 characters of a-z, 0-9 and _, starting with a letter";

fn slug(code: &str) -> Result<(), validator::ValidationError> {
    if is_slug(code) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("slug");
        e.message = Some(format!("code must be {SLUG_RULE}").into());
        Err(e)
    }
}

/// Validator for student group codes (`all`, `grade_09`, `program_participants`).
pub fn group_slug(group: &str) -> Result<(), validator::ValidationError> {
    if is_slug(group) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("slug");
        e.message = Some(format!("student_group must be {SLUG_RULE}").into());
        Err(e)
    }
}

/// The writable fields of a KPI definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "attendance_rate", "name": "Attendance rate", "unit": "percent",
    "direction": "higher_is_better", "aggregation": "rate", "min_value": 0, "max_value": 100}))]
pub struct DefinitionInput {
    /// A stable slug; unique. Records name their KPI by it.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, custom(function = "slug"))]
    #[schema(value_type = String, required = true, pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiUnit, required = true)]
    pub unit: Option<KpiUnit>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiDirection, required = true)]
    pub direction: Option<KpiDirection>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiAggregation, required = true)]
    pub aggregation: Option<KpiAggregation>,
    /// Smallest allowed value of a record.
    #[serde(default)]
    pub min_value: Option<f64>,
    /// Largest allowed value of a record.
    #[serde(default)]
    pub max_value: Option<f64>,
}

impl DefinitionInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [("min_value", self.min_value), ("max_value", self.max_value)] {
            if value.is_some_and(|v| !v.is_finite()) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be a finite number"),
                ));
            }
        }
        if let (Some(min), Some(max)) = (self.min_value, self.max_value) {
            if min > max {
                extra.push(FieldError::new(
                    "max_value",
                    "range_order",
                    "max_value must not be below min_value",
                ));
            }
        }
        check_all(self, extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_slugs() {
        assert!(slug("attendance_rate").is_ok());
        assert!(slug("Attendance").is_err());
        assert!(slug("1rate").is_err());
        assert!(slug("a").is_err());
        assert!(slug("rate-2").is_err());
    }
}
