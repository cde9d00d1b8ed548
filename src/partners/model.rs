use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::address::Address;
use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::{http_url, trimmed};

crate::text_enum! {
    /// What kind of organisation (or person) a partner is.
    pub enum PartnerKind {
        Business => "business",
        Nonprofit => "nonprofit",
        HigherEducation => "higher_education",
        Museum => "museum",
        Library => "library",
        CommunityCenter => "community_center",
        Government => "government",
        Healthcare => "healthcare",
        FaithBased => "faith_based",
        Individual => "individual",
        Other => "other",
    }
}

crate::text_enum! {
    /// Where a partner stands with the district. Archive a partner instead of deleting it.
    pub enum PartnerStatus {
        Prospect => "prospect",
        Active => "active",
        Inactive => "inactive",
        Archived => "archived",
    }
}

crate::text_enum! {
    /// What a partner offers students and schools.
    pub enum Offering {
        Speaker => "speaker",
        Volunteer => "volunteer",
        FieldTripHost => "field_trip_host",
        Mentoring => "mentoring",
        Apprenticeship => "apprenticeship",
        Internship => "internship",
        JobShadowing => "job_shadowing",
        Funding => "funding",
        InKind => "in_kind",
        Facility => "facility",
        AfterSchoolProgram => "after_school_program",
        ServiceLearning => "service_learning",
        ExhibitionReview => "exhibition_review",
    }
}

crate::text_enum! {
    /// Where a partner's vetting stands. Districts vet partners before students meet them; an
    /// approval whose background check or insurance has run out reads as `expired`.
    pub enum VettingStatus {
        NotStarted => "not_started",
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Expired => "expired",
    }
}

impl VettingStatus {
    /// What a reader sees on `today`: approved with a passed expiry date is expired.
    pub fn effective(self, expiries: [Option<NaiveDate>; 2], today: NaiveDate) -> VettingStatus {
        if self == VettingStatus::Approved && expiries.iter().flatten().any(|d| *d < today) {
            VettingStatus::Expired
        } else {
            self
        }
    }
}

/// The writable vetting of a partner; who decided is recorded by the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved", "background_check_on": "2026-08-15",
    "background_check_expires_on": "2028-08-15", "insurance_expires_on": "2027-06-30", "notes": null}))]
pub struct VettingInput {
    /// Defaults to `not_started`.
    #[serde(default)]
    pub status: Option<VettingStatus>,
    #[serde(default)]
    pub background_check_on: Option<NaiveDate>,
    #[serde(default)]
    pub background_check_expires_on: Option<NaiveDate>,
    /// When the partner's insurance certificate runs out.
    #[serde(default)]
    pub insurance_expires_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Offerings as stored: `,code,code,` in a fixed order, so a single `LIKE '%,code,%'` finds a
/// partner offering `code` and equal sets are equal strings.
pub fn offerings_to_column(offerings: &[Offering]) -> String {
    let mut sorted: Vec<Offering> = offerings.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut column = String::from(",");
    for o in sorted {
        column.push_str(o.as_str());
        column.push(',');
    }
    column
}

pub fn offerings_from_column(column: &str) -> Result<Vec<Offering>, ApiError> {
    column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            Offering::parse(s)
                .ok_or_else(|| ApiError::Internal(format!("stored offering {s:?} is unknown")))
        })
        .collect()
}

/// The writable fields of a partner (POST and PUT bodies; PATCH merges into this shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Kennebec River Museum",
    "kind": "museum",
    "external_id": "CRM-2231",
    "description": "Regional history museum; hosts field trips and reviews student exhibitions.",
    "website": "https://kennebecmuseum.example.org",
    "address": {"line1": "5 Water Street", "city": "Gardiner", "region": "ME", "postal_code": "04345", "country": "US"},
    "offerings": ["field_trip_host", "exhibition_review", "speaker"],
    "status": "active",
    "referred_by": null
}))]
pub struct PartnerInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = PartnerKind, required = true)]
    pub kind: Option<PartnerKind>,
    /// The district's own id for the partner (CRM id); unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Absolute http(s) URL.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 500), custom(function = "http_url"))]
    #[schema(max_length = 500, format = "uri")]
    pub website: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub address: Option<Address>,
    /// A set: duplicates are removed and the order is normalised.
    #[serde(default)]
    #[validate(length(max = 13))]
    #[schema(max_items = 13)]
    pub offerings: Option<Vec<Offering>>,
    /// Defaults to `prospect`.
    #[serde(default)]
    #[schema(default = "prospect")]
    pub status: Option<PartnerStatus>,
    /// The partner who brought this one in ("bring a friend").
    #[serde(default, deserialize_with = "trimmed")]
    pub referred_by: Option<String>,
    /// Where the partner sits on the district's partnership continuum.
    #[serde(default, deserialize_with = "trimmed")]
    pub continuum_level_id: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub vetting: Option<VettingInput>,
}

impl PartnerInput {
    /// Field checks that need no database. `self_id` is the partner's own id on updates.
    pub fn check(&self, self_id: Option<&str>) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let Some(vetting) = &self.vetting {
            if vetting.status == Some(VettingStatus::Expired) {
                extra.push(FieldError::new(
                    "vetting.status",
                    "read_only",
                    "expired is computed from the expiry dates; set the dates instead",
                ));
            }
        }
        if self
            .continuum_level_id
            .as_deref()
            .is_some_and(|id| !crate::db::sql::is_id(id))
        {
            extra.push(FieldError::new(
                "continuum_level_id",
                "invalid",
                "continuum_level_id must be an id",
            ));
        }
        if let Some(referrer) = &self.referred_by {
            if !crate::db::sql::is_id(referrer) {
                extra.push(FieldError::new(
                    "referred_by",
                    "invalid",
                    "referred_by must be a partner id",
                ));
            } else if Some(referrer.as_str()) == self_id {
                extra.push(FieldError::new(
                    "referred_by",
                    "self_reference",
                    "a partner cannot refer itself",
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
    fn offerings_are_a_set_in_a_fixed_order() {
        let column =
            offerings_to_column(&[Offering::Mentoring, Offering::Speaker, Offering::Mentoring]);
        assert_eq!(column, ",speaker,mentoring,");
        assert_eq!(
            offerings_from_column(&column).unwrap(),
            [Offering::Speaker, Offering::Mentoring]
        );
        assert_eq!(offerings_to_column(&[]), ",");
        assert!(offerings_from_column(",").unwrap().is_empty());
    }

    #[test]
    fn approval_expires_with_its_dates() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let past = Some("2026-11-22".parse().unwrap());
        let future = Some("2027-01-01".parse().unwrap());
        assert_eq!(
            VettingStatus::Approved.effective([future, None], today),
            VettingStatus::Approved
        );
        assert_eq!(
            VettingStatus::Approved.effective([future, past], today),
            VettingStatus::Expired
        );
        assert_eq!(
            VettingStatus::Pending.effective([past, past], today),
            VettingStatus::Pending
        );
    }

    #[test]
    fn a_partner_cannot_refer_itself() {
        let input: PartnerInput = serde_json::from_value(serde_json::json!({
            "name": "A", "kind": "business", "referred_by": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"
        }))
        .unwrap();
        assert!(input.check(None).is_ok());
        assert!(input
            .check(Some("0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"))
            .is_err());
    }
}
