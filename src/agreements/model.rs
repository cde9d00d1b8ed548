//! Agreements: their statuses and legal transitions, review cadence, and the writable fields.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{check_all, ApiError, FieldError};
use crate::http::text::trimmed;

crate::text_enum! {
    /// Where an agreement is in its life. `expired` is never stored: an active agreement past its
    /// end date reads as expired.
    pub enum AgreementStatus {
        Draft => "draft",
        Proposed => "proposed",
        Active => "active",
        OnHold => "on_hold",
        Completed => "completed",
        Terminated => "terminated",
        Expired => "expired",
    }
}

impl AgreementStatus {
    /// The statuses a stored status may move to.
    pub fn next(self) -> &'static [AgreementStatus] {
        use AgreementStatus::*;
        match self {
            Draft => &[Proposed, Terminated],
            Proposed => &[Active, Draft, Terminated],
            Active | Expired => &[Completed, Terminated, OnHold],
            OnHold => &[Active, Terminated],
            Completed | Terminated => &[],
        }
    }

    /// What a reader sees: an active agreement whose end date has passed is expired.
    pub fn effective(self, end_date: NaiveDate, today: NaiveDate) -> AgreementStatus {
        if self == AgreementStatus::Active && end_date < today {
            AgreementStatus::Expired
        } else {
            self
        }
    }
}

crate::text_enum! {
    /// How often the parties check in; check-ins are generated at this cadence on activation.
    pub enum ReviewCadence {
        Monthly => "monthly",
        Quarterly => "quarterly",
        Semester => "semester",
        Annual => "annual",
    }
}

impl ReviewCadence {
    fn months(self) -> u32 {
        match self {
            ReviewCadence::Monthly => 1,
            ReviewCadence::Quarterly => 3,
            ReviewCadence::Semester => 6,
            ReviewCadence::Annual => 12,
        }
    }

    /// Check-in dates: every cadence step after `start` up to `end`, from `today` on (past
    /// dates are not generated when an agreement is activated late).
    pub fn check_in_dates(
        self,
        start: NaiveDate,
        end: NaiveDate,
        today: NaiveDate,
    ) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        for step in 1u32.. {
            let Some(date) = start.checked_add_months(Months::new(self.months() * step)) else {
                break;
            };
            if date > end {
                break;
            }
            if date >= today {
                dates.push(date);
            }
        }
        dates
    }
}

crate::text_enum! {
    /// A party to an agreement.
    pub enum Party {
        District => "district",
        School => "school",
        Partner => "partner",
        Families => "families",
        Students => "students",
    }
}

/// What one party brings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    pub party: Party,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

/// How the parties talk: a channel, how often, who keeps it going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "monthly planning call")]
    pub channel: String,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100, example = "monthly")]
    pub cadence: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "school liaison")]
    pub owner: Option<String>,
}

fn outcomes_valid(outcomes: &[String]) -> Result<(), validator::ValidationError> {
    if outcomes
        .iter()
        .all(|o| (1..=500).contains(&o.trim().chars().count()))
    {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("length");
        e.message = Some("every desired outcome must be 1 to 500 characters".into());
        Err(e)
    }
}

/// The longest an agreement may run (it bounds the check-ins generated for it).
pub const MAX_YEARS: u32 = 10;

/// The writable fields of an agreement. The status changes only through transitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Museum exhibitions of student work, 2026-27",
    "lead_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "partner_ids": [],
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c"],
    "purpose": "Give every 8th grader a public audience for their project work.",
    "shared_vision": "Students see themselves as historians of their own town.",
    "desired_outcomes": ["90% of 8th graders exhibit", "attendance above 95% in project weeks"],
    "contributions": [
        {"party": "partner", "description": "gallery space and two curators, 40 hours"},
        {"party": "school", "description": "project time in social studies"}
    ],
    "processes": "Curators review drafts in week 6; exhibition in week 10.",
    "communication_channels": [{"channel": "planning call", "cadence": "monthly", "owner": "school liaison"}],
    "start_date": "2026-09-01",
    "end_date": "2027-06-15",
    "review_cadence": "quarterly",
    "involves_students": true
}))]
pub struct AgreementInput {
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 200))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub external_id: Option<String>,
    /// The partner leading the agreement.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub lead_partner_id: Option<String>,
    /// Further partners.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub partner_ids: Option<Vec<String>>,
    /// The schools involved.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub school_ids: Option<Vec<String>>,
    /// The district staff member who liaises with the partners (a user id).
    #[serde(default, deserialize_with = "trimmed")]
    pub liaison_user_id: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub shared_vision: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50), custom(function = "outcomes_valid"))]
    #[schema(max_items = 50)]
    pub desired_outcomes: Option<Vec<String>>,
    /// What each party brings.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub contributions: Option<Vec<Contribution>>,
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub processes: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub communication_channels: Option<Vec<Channel>>,
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub start_date: Option<NaiveDate>,
    /// On or after `start_date`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub end_date: Option<NaiveDate>,
    /// Defaults to quarterly.
    #[serde(default)]
    #[schema(default = "quarterly")]
    pub review_cadence: Option<ReviewCadence>,
    /// Whether students take part; then every partner must be vetted before the agreement
    /// becomes active. Defaults to true.
    #[serde(default)]
    #[schema(default = true)]
    pub involves_students: Option<bool>,
}

impl AgreementInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let (Some(start), Some(end)) = (self.start_date, self.end_date) {
            if end < start {
                extra.push(FieldError::new(
                    "end_date",
                    "date_order",
                    "end_date must not be before start_date",
                ));
            } else if start
                .checked_add_months(Months::new(12 * MAX_YEARS))
                .is_none_or(|limit| end > limit)
            {
                extra.push(FieldError::new(
                    "end_date",
                    "range",
                    format!("an agreement runs at most {MAX_YEARS} years; renew it instead"),
                ));
            }
        }
        let ids = [
            (
                "lead_partner_id",
                self.lead_partner_id.iter().collect::<Vec<_>>(),
            ),
            ("partner_ids", self.partner_ids.iter().flatten().collect()),
            ("school_ids", self.school_ids.iter().flatten().collect()),
            ("liaison_user_id", self.liaison_user_id.iter().collect()),
        ];
        for (field, values) in ids {
            if values.iter().any(|v| !crate::db::sql::is_id(v)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must hold ids"),
                ));
            }
        }
        check_all(self, extra)
    }

    /// Further partners without the lead or repeats.
    pub fn other_partner_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.partner_ids.clone().unwrap_or_default();
        ids.retain(|id| Some(id) != self.lead_partner_id.as_ref());
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn school_ids(&self) -> Vec<String> {
        let mut ids = self.school_ids.clone().unwrap_or_default();
        ids.sort();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn only_legal_transitions() {
        use AgreementStatus::*;
        assert!(Draft.next().contains(&Proposed));
        assert!(!Draft.next().contains(&Active));
        assert!(Active.next().contains(&OnHold) && OnHold.next().contains(&Active));
        assert!(Completed.next().is_empty() && Terminated.next().is_empty());
        assert!(
            !Active.next().contains(&Expired),
            "expired is read, never set"
        );
    }

    #[test]
    fn active_past_its_end_reads_as_expired() {
        let end = d("2026-06-30");
        assert_eq!(
            AgreementStatus::Active.effective(end, d("2026-06-30")),
            AgreementStatus::Active
        );
        assert_eq!(
            AgreementStatus::Active.effective(end, d("2026-07-01")),
            AgreementStatus::Expired
        );
        assert_eq!(
            AgreementStatus::OnHold.effective(end, d("2027-01-01")),
            AgreementStatus::OnHold
        );
    }

    #[test]
    fn check_ins_follow_the_cadence_up_to_the_end() {
        let dates = ReviewCadence::Quarterly.check_in_dates(
            d("2026-09-01"),
            d("2027-06-15"),
            d("2026-01-01"),
        );
        assert_eq!(dates, [d("2026-12-01"), d("2027-03-01"), d("2027-06-01")]);
        let late = ReviewCadence::Quarterly.check_in_dates(
            d("2026-09-01"),
            d("2027-06-15"),
            d("2027-02-01"),
        );
        assert_eq!(late, [d("2027-03-01"), d("2027-06-01")]);
        assert!(ReviewCadence::Annual
            .check_in_dates(d("2026-09-01"), d("2027-06-15"), d("2026-01-01"))
            .is_empty());
    }
}
