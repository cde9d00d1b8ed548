use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::address::Address;
use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::trimmed;

crate::text_enum! {
    /// A grade level, from pre-kindergarten to grade 12.
    pub enum GradeLevel {
        PreKindergarten => "PK",
        Kindergarten => "KG",
        Grade01 => "01",
        Grade02 => "02",
        Grade03 => "03",
        Grade04 => "04",
        Grade05 => "05",
        Grade06 => "06",
        Grade07 => "07",
        Grade08 => "08",
        Grade09 => "09",
        Grade10 => "10",
        Grade11 => "11",
        Grade12 => "12",
    }
}

/// The writable fields of a school (POST and PUT bodies; PATCH merges into this shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Richmond Middle School",
    "external_id": "SIS-0412",
    "nces_id": "230000600123",
    "state_id": "ME-1234",
    "address": {"line1": "28 High Street", "city": "Richmond", "region": "ME", "postal_code": "04357", "country": "US"},
    "lowest_grade": "06",
    "highest_grade": "08",
    "active": true
}))]
pub struct SchoolInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The district's own id for the school (SIS id); unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
    /// NCES school id: 12 digits; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(custom(function = "nces_school_id"))]
    #[schema(pattern = "^[0-9]{12}$")]
    pub nces_id: Option<String>,
    /// State school id; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub state_id: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub address: Option<Address>,
    #[serde(default)]
    pub lowest_grade: Option<GradeLevel>,
    #[serde(default)]
    pub highest_grade: Option<GradeLevel>,
    /// Defaults to true.
    #[serde(default)]
    #[schema(default = true)]
    pub active: Option<bool>,
}

fn nces_school_id(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("nces_id");
        e.message = Some("nces_id must be the 12-digit NCES school id".into());
        Err(e)
    }
}

impl SchoolInput {
    /// Every rule at once: field checks and the grade span.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let (Some(low), Some(high)) = (self.lowest_grade, self.highest_grade) {
            if low > high {
                extra.push(FieldError::new(
                    "highest_grade",
                    "grade_span",
                    "highest_grade must not be below lowest_grade",
                ));
            }
        }
        check_all(self, extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> SchoolInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn reports_every_problem_at_once() {
        let Err(ApiError::Validation(errors)) = input(serde_json::json!({
            "name": "  ", "nces_id": "12", "lowest_grade": "05", "highest_grade": "KG"
        }))
        .check() else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["highest_grade", "name", "nces_id"]);
    }

    #[test]
    fn grade_levels_order_from_pre_k_to_12() {
        assert!(GradeLevel::PreKindergarten < GradeLevel::Kindergarten);
        assert!(GradeLevel::Grade09 < GradeLevel::Grade12);
    }
}
