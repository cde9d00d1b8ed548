use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::trimmed;
use crate::kpi_definitions::model::group_slug;
use crate::kpi_records::model::date_in_range;

/// The writable fields of a KPI target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kpi_code": "attendance_rate", "student_group": "program_participants",
    "baseline_value": 88.5, "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15",
    "target_value": 93.0, "target_date": "2027-06-15"}))]
pub struct TargetInput {
    /// The KPI, by code (or id).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 64))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64)]
    pub kpi_code: Option<String>,
    /// The student group the target is for; `all` when left out.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(custom(function = "group_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$", example = "all")]
    pub student_group: Option<String>,
    /// Where the KPI stood before the partnership (for progress).
    #[serde(default)]
    pub baseline_value: Option<f64>,
    #[serde(default)]
    pub baseline_period_start: Option<NaiveDate>,
    #[serde(default)]
    pub baseline_period_end: Option<NaiveDate>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = f64, required = true)]
    pub target_value: Option<f64>,
    /// When the target should be reached.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub target_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

impl TargetInput {
    pub fn group(&self) -> &str {
        self.student_group.as_deref().unwrap_or("all")
    }

    /// Field rules plus those spanning fields; the KPI's range is checked where the KPI is
    /// known (`check_range`).
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("baseline_value", self.baseline_value),
            ("target_value", self.target_value),
        ] {
            if value.is_some_and(|v| !v.is_finite()) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be a finite number"),
                ));
            }
        }
        for (field, date) in [
            ("baseline_period_start", self.baseline_period_start),
            ("baseline_period_end", self.baseline_period_end),
            ("target_date", self.target_date),
        ] {
            if date.is_some_and(|d| !date_in_range(d)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be from 1900 to 2100"),
                ));
            }
        }
        match (self.baseline_period_start, self.baseline_period_end) {
            (Some(start), Some(end)) if end < start => extra.push(FieldError::new(
                "baseline_period_end",
                "date_order",
                "baseline_period_end must not be before baseline_period_start",
            )),
            (Some(_), None) | (None, Some(_)) => extra.push(FieldError::new(
                "baseline_period_end",
                "required_together",
                "baseline_period_start and baseline_period_end go together",
            )),
            _ => {}
        }
        check_all(self, extra)
    }

    /// Baseline and target must lie in the KPI's allowed range.
    pub fn check_range(&self, min: Option<f64>, max: Option<f64>) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("baseline_value", self.baseline_value),
            ("target_value", self.target_value),
        ] {
            if let Some(v) = value {
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    errors.push(FieldError::new(
                        field,
                        "out_of_range",
                        format!(
                            "{field} must be within the KPI's range {}",
                            range_text(min, max)
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// `[0, 100]`, `[0, …)`: how a KPI's allowed range reads in messages.
pub fn range_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("[{a}, {b}]"),
        (Some(a), None) => format!("[{a}, …)"),
        (None, Some(b)) => format!("(…, {b}]"),
        (None, None) => "(any)".to_owned(),
    }
}
