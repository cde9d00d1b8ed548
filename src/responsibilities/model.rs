use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::agreements::model::Party;
use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::trimmed;

crate::text_enum! {
    pub enum ResponsibilityStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Blocked => "blocked",
        Dropped => "dropped",
    }
}

crate::text_enum! {
    /// What is invested: time, money, or goods and services.
    pub enum InvestmentKind {
        Hours => "hours",
        Money => "money",
        InKind => "in_kind",
    }
}

/// Overdue: due before today and neither done nor dropped.
pub fn is_overdue(
    status: ResponsibilityStatus,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    !matches!(
        status,
        ResponsibilityStatus::Done | ResponsibilityStatus::Dropped
    ) && due_on.is_some_and(|d| d < today)
}

/// Amounts are kept as exact hundredths.
pub fn to_centi(amount: f64) -> i64 {
    // Validated to 0..=1e10 beforehand, so the cast cannot overflow.
    (amount * 100.0).round() as i64
}

pub fn from_centi(centi: i64) -> f64 {
    centi as f64 / 100.0
}

/// What one party commits to this responsibility and has delivered so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "hours", "committed": 40, "delivered": 12.5, "unit": "hours"}))]
pub struct InvestmentInput {
    pub kind: InvestmentKind,
    /// Up to two decimals are kept.
    #[validate(range(min = 0.0, max = 10000000000.0))]
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub committed: f64,
    #[serde(default)]
    #[validate(range(min = 0.0, max = 10000000000.0))]
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub delivered: Option<f64>,
    /// e.g. `hours`, `USD`, `laptops`.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub unit: Option<String>,
}

/// The writable fields of a responsibility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "party": "partner", "description": "Two curators review student drafts",
    "due_on": "2027-03-15", "status": "planned",
    "investment": {"kind": "hours", "committed": 40, "delivered": 0, "unit": "hours"}
}))]
pub struct ResponsibilityInput {
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Party, required = true)]
    pub party: Option<Party>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 2000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// A contact of one of the agreement's partners.
    #[serde(default, deserialize_with = "trimmed")]
    pub assignee_contact_id: Option<String>,
    /// A user (district or school staff).
    #[serde(default, deserialize_with = "trimmed")]
    pub assignee_user_id: Option<String>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Defaults to `planned`.
    #[serde(default)]
    pub status: Option<ResponsibilityStatus>,
    #[serde(default)]
    #[validate(nested)]
    pub investment: Option<InvestmentInput>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
}

impl ResponsibilityInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("assignee_contact_id", &self.assignee_contact_id),
            ("assignee_user_id", &self.assignee_user_id),
        ] {
            if value.as_deref().is_some_and(|v| !crate::db::sql::is_id(v)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be an id"),
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
    fn amounts_are_exact_hundredths() {
        assert_eq!(to_centi(12.345), 1235);
        assert_eq!(to_centi(0.1) + to_centi(0.2), to_centi(0.3));
        assert_eq!(from_centi(1235), 12.35);
    }

    #[test]
    fn overdue_until_done_or_dropped() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let past = Some("2026-11-01".parse().unwrap());
        assert!(is_overdue(ResponsibilityStatus::InProgress, past, today));
        assert!(!is_overdue(ResponsibilityStatus::Done, past, today));
        assert!(!is_overdue(ResponsibilityStatus::Planned, None, today));
    }
}
