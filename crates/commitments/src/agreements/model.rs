//! Agreements: their statuses and legal transitions, review cadence, and the writable fields.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{
    self, AgreementFilter, AgreementRow, AgreementWithParties, StatusFilter, TransitionRow,
};
use auth::{Caller, Scope};
use directory::partners::model::VettingStatus;
use directory::partners::PartnerRow;
use journal::audit::{self, Actor};
use journal::Topic;
use pipeline::{CallerContext, Collection, Resource, Stored};
use platform::db::sql::new_id;
use platform::db::{now, today, DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::etag::IfMatch;
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;
use platform::settings::Policy;

platform::text_enum! {
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

platform::text_enum! {
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

platform::text_enum! {
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
    /// The party that brings it.
    pub party: Party,
    /// What the party brings, in words (people, hours, space, money, materials…).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

/// How the parties talk: a channel, how often, who keeps it going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementChannel {
    /// The channel, in words: a meeting, a call, a newsletter, a shared folder…
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "monthly planning call")]
    pub channel: String,
    /// How often it is used, in words; free text, unrelated to the agreement's `review_cadence`.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100, example = "monthly")]
    pub cadence: Option<String>,
    /// Who keeps it going, in words (a role or a name); free text, not a user id.
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
/// Across fields: `end_date` is not before `start_date`, and an agreement runs at most 10 years;
/// `lead_partner_id` and `partner_ids` name existing partners, `school_ids` existing schools and
/// `liaison_user_id` an existing user; an agreement that involves students needs every partner's
/// vetting approved and valid on its dates; `status` changes only through `POST
/// /agreements/{id}/transitions`.
pub struct AgreementInput {
    /// A short title, on one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// The district's own id for the agreement; unique when set (409 when already in use).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
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
    /// Why the partnership exists, in words.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub purpose: Option<String>,
    /// What the parties mean to achieve together, in words.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub shared_vision: Option<String>,
    /// The outcomes the parties aim for, one per item, each 1 to 500 characters once trimmed.
    #[serde(default)]
    #[validate(length(max = 50), custom(function = "outcomes_valid"))]
    #[schema(max_items = 50)]
    pub desired_outcomes: Option<Vec<String>>,
    /// What each party brings.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub contributions: Option<Vec<Contribution>>,
    /// How the parties work together (planning, reviews, decisions), in words.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub processes: Option<String>,
    /// How the parties keep in touch.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub communication_channels: Option<Vec<AgreementChannel>>,
    /// The agreement's first day; generated check-ins count from it at the review cadence.
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
    pub review_cadence: Option<ReviewCadence>,
    /// Whether students take part; then every partner must be vetted before the agreement
    /// becomes active. Defaults to true.
    #[serde(default)]
    pub involves_students: Option<bool>,
    /// Not writable here (422): the status changes only through
    /// `POST /agreements/{id}/transitions`.
    #[serde(default, deserialize_with = "read_status", skip_serializing)]
    #[schema(ignore)]
    pub status: Option<Value>,
}

impl AgreementInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if self.status.is_some() {
            extra.push(FieldError::new(
                "status",
                "read_only",
                "the status changes only through POST /api/v1/agreements/{id}/transitions",
            ));
        }
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
            if values.iter().any(|v| !platform::db::sql::is_id(v)) {
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

/// `status` in a body, to refuse it by name (null is no status, as for every field).
fn read_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(|v| (!v.is_null()).then_some(v))
}

platform::sort_enum! {
    /// Sort order of agreements: a field, descending when prefixed with `-`. Ties break on `id`.
    pub enum AgreementSort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        Title => "title": Name;
        TitleDesc => "-title": Name desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// A partnership agreement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
    "title": "Museum exhibitions of student work, 2026-27",
    "status": "active",
    "external_id": "AGR-2026-014",
    "lead_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "partner_ids": [],
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c"],
    "liaison_user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
    "purpose": "Give every 8th grader a public audience for their project work.",
    "shared_vision": "Students see themselves as historians of their own town.",
    "desired_outcomes": ["90% of 8th graders exhibit", "attendance above 95% in project weeks"],
    "contributions": [
        {"party": "partner", "description": "gallery space and two curators, 40 hours"},
        {"party": "school", "description": "project time in social studies"}],
    "processes": "Curators review drafts in week 6; exhibition in week 10.",
    "communication_channels": [
        {"channel": "planning call", "cadence": "monthly", "owner": "school liaison"}],
    "start_date": "2026-09-01",
    "end_date": "2027-06-15",
    "review_cadence": "quarterly",
    "involves_students": true,
    "version": 4,
    "created_at": "2026-08-05T13:05:44.120517Z",
    "updated_at": "2026-08-20T15:42:10.482913Z"
}))]
pub struct Agreement {
    /// The agreement's id (a UUID), set by the service.
    pub id: String,
    /// A short title.
    pub title: String,
    /// As read today: `expired` when active past its end date. Changed only through
    /// `POST /agreements/{id}/transitions`.
    pub status: AgreementStatus,
    /// The district's own id for the agreement; `null` if none was given.
    pub external_id: Option<String>,
    /// The partner leading the agreement.
    pub lead_partner_id: String,
    /// Further partners (not the lead).
    pub partner_ids: Vec<String>,
    /// The schools involved, sorted; staff may change the agreement only if all are theirs.
    pub school_ids: Vec<String>,
    /// The district staff member (a user id) who liaises with the partners; `null` if none.
    pub liaison_user_id: Option<String>,
    /// Why the partnership exists; `null` if not written yet.
    pub purpose: Option<String>,
    /// What the parties mean to achieve together; `null` if not written yet.
    pub shared_vision: Option<String>,
    /// The outcomes the parties aim for, in the order given.
    pub desired_outcomes: Vec<String>,
    /// What each party brings.
    pub contributions: Vec<Contribution>,
    /// How the parties work together; `null` if not written yet.
    pub processes: Option<String>,
    /// How the parties keep in touch.
    pub communication_channels: Vec<AgreementChannel>,
    /// The agreement's first day.
    pub start_date: NaiveDate,
    /// The agreement's last day; an active agreement reads `expired` from the day after.
    pub end_date: NaiveDate,
    /// How often the parties check in; check-ins are generated at it on activation.
    pub review_cadence: ReviewCadence,
    /// Whether students take part; then every partner must be vetted before activation.
    pub involves_students: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the agreement was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the agreement last changed, status transitions included (UTC).
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<Vec<T>, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(format!("stored {what} is not valid: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

impl AgreementWithParties {
    pub fn stored_status(&self) -> Result<AgreementStatus, ApiError> {
        stored(
            AgreementStatus::parse(&self.row.status),
            "status",
            &self.row.status,
        )
    }

    /// The agreement as read on `today`, or as stored (`None`: for version snapshots).
    pub fn represent(&self, today: Option<NaiveDate>) -> Result<Agreement, ApiError> {
        let row = &self.row;
        let status = self.stored_status()?;
        Ok(Agreement {
            id: row.id.clone(),
            title: row.title.clone(),
            status: today.map_or(status, |t| status.effective(row.end_date, t)),
            external_id: row.external_id.clone(),
            lead_partner_id: row.lead_partner_id.clone(),
            partner_ids: self.others.clone(),
            school_ids: self.schools.clone(),
            liaison_user_id: row.liaison_user_id.clone(),
            purpose: row.purpose.clone(),
            shared_vision: row.shared_vision.clone(),
            desired_outcomes: json_list(&row.desired_outcomes, "desired outcomes")?,
            contributions: json_list(&row.contributions, "contributions")?,
            processes: row.processes.clone(),
            communication_channels: json_list(&row.communication_channels, "channels")?,
            start_date: row.start_date,
            end_date: row.end_date,
            review_cadence: stored(
                ReviewCadence::parse(&row.review_cadence),
                "cadence",
                &row.review_cadence,
            )?,
            involves_students: row.involves_students,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn input(&self) -> Result<AgreementInput, ApiError> {
        let a = self.represent(None)?;
        Ok(AgreementInput {
            title: Some(a.title),
            external_id: a.external_id,
            lead_partner_id: Some(a.lead_partner_id),
            partner_ids: Some(a.partner_ids),
            school_ids: Some(a.school_ids),
            liaison_user_id: a.liaison_user_id,
            purpose: a.purpose,
            shared_vision: a.shared_vision,
            desired_outcomes: Some(a.desired_outcomes),
            contributions: Some(a.contributions),
            processes: a.processes,
            communication_channels: Some(a.communication_channels),
            start_date: Some(a.start_date),
            end_date: Some(a.end_date),
            review_cadence: Some(a.review_cadence),
            involves_students: Some(a.involves_students),
            status: None,
        })
    }

    /// Whether `partner_id` is one of the agreement's partners.
    pub fn involves_partner(&self, partner_id: &str) -> bool {
        self.row.lead_partner_id == partner_id || self.others.iter().any(|p| p == partner_id)
    }
}

/// What `input` describes, with the status and bookkeeping given.
fn loaded_from(
    input: &AgreementInput,
    status: AgreementStatus,
    stamp: Stamp,
) -> AgreementWithParties {
    let outcomes: Vec<String> = input
        .desired_outcomes
        .iter()
        .flatten()
        .map(|o| o.trim().to_owned())
        .collect();
    AgreementWithParties {
        row: AgreementRow {
            id: stamp.id,
            external_id: input.external_id.clone(),
            title: input.title.clone().unwrap_or_default(),
            search_key: platform::db::search::search_form(
                input.title.as_deref().unwrap_or_default(),
            ),
            lead_partner_id: input.lead_partner_id.clone().unwrap_or_default(),
            liaison_user_id: input.liaison_user_id.clone(),
            purpose: input.purpose.clone(),
            shared_vision: input.shared_vision.clone(),
            desired_outcomes: to_json(&outcomes),
            contributions: to_json(&input.contributions.clone().unwrap_or_default()),
            processes: input.processes.clone(),
            communication_channels: to_json(
                &input.communication_channels.clone().unwrap_or_default(),
            ),
            start_date: input.start_date.unwrap_or_default(),
            end_date: input.end_date.unwrap_or_default(),
            review_cadence: input
                .review_cadence
                .unwrap_or(ReviewCadence::Quarterly)
                .as_str()
                .to_owned(),
            involves_students: input.involves_students.unwrap_or(true),
            status: status.as_str().to_owned(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        },
        others: input.other_partner_ids(),
        schools: input.school_ids(),
    }
}

/// The partners, schools and liaison named must exist (422 on the field).
fn check_references(
    conn: &mut DbConnection,
    loaded: &AgreementWithParties,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut partner_ids = loaded.others.clone();
    partner_ids.push(loaded.row.lead_partner_id.clone());
    let found = store::count_partners(conn, &partner_ids)?;
    if usize::try_from(found).unwrap_or(0) != partner_ids.len() {
        errors.push(FieldError::new(
            "partner_ids",
            "not_found",
            "lead_partner_id and partner_ids must be existing partners",
        ));
    }
    let found = store::count_schools(conn, &loaded.schools)?;
    if usize::try_from(found).unwrap_or(0) != loaded.schools.len() {
        errors.push(FieldError::new(
            "school_ids",
            "not_found",
            "every school id must be an existing school",
        ));
    }
    if let Some(liaison) = &loaded.row.liaison_user_id {
        if !store::user_exists(conn, liaison)? {
            errors.push(FieldError::new(
                "liaison_user_id",
                "not_found",
                "liaison_user_id must be an existing user",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// An agreement involving students becomes (or stays) active only with every partner vetted.
fn check_vetting(
    conn: &mut DbConnection,
    loaded: &AgreementWithParties,
    policy: &Policy,
) -> Result<(), ApiError> {
    if !policy.require_vetting || !loaded.row.involves_students {
        return Ok(());
    }
    let today = today();
    let mut ids = vec![loaded.row.lead_partner_id.clone()];
    ids.extend(loaded.others.iter().cloned());
    let mut errors = Vec::new();
    for id in ids {
        let Some(partner) = PartnerRow::find(conn, &id)? else {
            continue;
        };
        let status = VettingStatus::parse(&partner.vetting_status)
            .unwrap_or(VettingStatus::NotStarted)
            .effective(
                [
                    partner.background_check_expires_on,
                    partner.insurance_expires_on,
                ],
                today,
            );
        if status != VettingStatus::Approved {
            let field = if id == loaded.row.lead_partner_id {
                "lead_partner_id"
            } else {
                "partner_ids"
            };
            errors.push(FieldError::new(
                field,
                "vetting",
                format!(
                    "partner {:?} is not approved (vetting: {status}); students may meet only vetted partners, so approve its vetting first",
                    partner.name
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Records a version snapshot of `loaded` (as stored) by `actor`.
fn record_version(
    conn: &mut DbConnection,
    loaded: &AgreementWithParties,
    action: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    store::VERSIONS.record(
        conn,
        &pipeline::Stored::stamp(loaded),
        &loaded.represent(None)?,
        action,
        actor,
    )
}

/// The filters of `GET /agreements`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// Search in the title, ignoring case and accents.
    pub q: Option<String>,
    /// Status as read today (`expired`: active past the end date).
    pub status: Option<AgreementStatus>,
    /// Agreements this partner is part of (lead or not).
    pub partner_id: Option<String>,
    /// Only agreements this partner leads.
    pub lead_partner_id: Option<String>,
    /// Only agreements that involve this school.
    pub school_id: Option<String>,
    /// Only the agreement with this district id (exact match).
    pub external_id: Option<String>,
    /// Only agreements changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Agreements: a partner sees those it is part of; staff change those of their schools.
pub struct Agreements;

impl Resource for Agreements {
    const TOPIC: Topic = Topic::published("agreement");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = AgreementWithParties;
    type Input = AgreementInput;
    type Output = Agreement;
    type Filter = AgreementQuery;
    type Sort = AgreementSort;

    fn represent(loaded: AgreementWithParties) -> Result<Agreement, ApiError> {
        loaded.represent(Some(today()))
    }

    fn writable(loaded: &AgreementWithParties) -> Result<AgreementInput, ApiError> {
        loaded.input()
    }

    fn check(input: &AgreementInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    /// New agreements are drafts; an update keeps the status.
    fn build(
        _conn: &mut DbConnection,
        input: AgreementInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&AgreementWithParties>,
        _ctx: &CallerContext,
    ) -> Result<AgreementWithParties, ApiError> {
        let status = match current {
            Some(current) => current.stored_status()?,
            None => AgreementStatus::Draft,
        };
        Ok(loaded_from(&input, status, stamp))
    }

    fn visible(caller: &Caller, loaded: &AgreementWithParties) -> bool {
        caller
            .partner_scope()
            .is_none_or(|own| loaded.involves_partner(&own))
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        loaded: &AgreementWithParties,
    ) -> Result<(), ApiError> {
        ctx.caller.check_schools(&loaded.schools)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: AgreementQuery,
        page: &PageRequest,
    ) -> Result<Vec<AgreementWithParties>, ApiError> {
        let today = today();
        let filter = AgreementFilter {
            q: query.q,
            status: query.status.map(|s| match s {
                AgreementStatus::Active => StatusFilter::ActiveOn(today),
                AgreementStatus::Expired => StatusFilter::ExpiredOn(today),
                other => StatusFilter::Stored(other.as_str()),
            }),
            partner_id: query.partner_id,
            lead_partner_id: query.lead_partner_id,
            school_id: query.school_id,
            external_id: query.external_id,
            updated_since: query.updated_since,
        };
        let scope = ctx.caller.partner_scope();
        let rows = store::list(
            conn,
            scope.as_deref(),
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?;
        Ok(store::load_many(conn, rows)?)
    }

    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&AgreementWithParties>,
        after: &AgreementWithParties,
    ) -> Result<(), ApiError> {
        ctx.caller.check_schools(&after.schools)?;
        check_references(conn, after)?;
        let Some(before) = before else {
            return Ok(());
        };
        // An active agreement is re-checked only when it takes on a partner or starts to
        // involve students, so a lapsed insurance does not block fixing a typo.
        let added_partner = after
            .others
            .iter()
            .chain(std::iter::once(&after.row.lead_partner_id))
            .any(|p| !before.involves_partner(p));
        let now_involves = after.row.involves_students && !before.row.involves_students;
        if before.stored_status()? == AgreementStatus::Active && (added_partner || now_involves) {
            check_vetting(conn, after, ctx.policy)?;
        }
        Ok(())
    }

    fn after_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&AgreementWithParties>,
        after: &AgreementWithParties,
    ) -> Result<(), ApiError> {
        let action = if before.is_some() { "update" } else { "create" };
        record_version(conn, after, action, ctx.actor)
    }

    /// Only drafts are deleted; an agreement that ever ran is terminated instead.
    fn before_delete(
        _conn: &mut DbConnection,
        _ctx: &CallerContext,
        loaded: &AgreementWithParties,
    ) -> Result<(), ApiError> {
        if loaded.stored_status()? != AgreementStatus::Draft {
            return Err(ApiError::Conflict(
                "only draft agreements can be deleted; terminate it instead".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A requested status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "active", "note": "Signed by the principal and the museum director on 2026-08-20."}))]
pub struct TransitionInput {
    /// The status to move to; `expired` is read from the end date, never set (422 `read_only`).
    pub to: AgreementStatus,
    /// Why (kept in the transition history).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl TransitionInput {
    /// The target and the trimmed note, or 422.
    pub fn checked(self) -> Result<(AgreementStatus, Option<String>), ApiError> {
        let note = self
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(ApiError::field(
                "note",
                "length",
                "note must be at most 2000 characters",
            ));
        }
        if self.to == AgreementStatus::Expired {
            return Err(ApiError::field(
                "to",
                "read_only",
                "expired is read from the end date, never set",
            ));
        }
        Ok((self.to, note))
    }
}

/// Moves the agreement `id` to `to`, in the caller's transaction: only legal moves, vetting
/// before activation, check-ins generated once on activation, history and audit recorded.
pub fn transition(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    id: &str,
    if_match: &IfMatch,
    to: AgreementStatus,
    note: Option<String>,
) -> Result<AgreementWithParties, ApiError> {
    let current = locked_for_change(conn, ctx, id, if_match)?;
    let from = current.stored_status()?;
    if !from.next().contains(&to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(ApiError::Conflict(format!(
            "an agreement cannot go from {from} to {to}; from {from} it can go to: {}",
            if allowed.is_empty() {
                "nothing (it is closed)".to_owned()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let mut next = current.clone();
    next.row.status = to.as_str().to_owned();
    next.row.version += 1;
    next.row.updated_at = now();
    if to == AgreementStatus::Active {
        check_vetting(conn, &next, ctx.policy)?;
    }
    if !next.update(conn, current.row.version)? {
        return Err(ApiError::raced());
    }
    store::insert_transition(
        conn,
        &TransitionRow {
            id: new_id(),
            agreement_id: id.to_owned(),
            from_status: from.as_str().to_owned(),
            to_status: to.as_str().to_owned(),
            note: note.clone(),
            actor_id: ctx.actor.id.clone(),
            actor_role: ctx.actor.role.clone(),
            occurred_at: next.row.updated_at,
        },
    )?;
    if to == AgreementStatus::Active {
        let cadence = stored(
            ReviewCadence::parse(&next.row.review_cadence),
            "cadence",
            &next.row.review_cadence,
        )?;
        let dates = cadence.check_in_dates(next.row.start_date, next.row.end_date, today());
        let added = crate::timeline::store::insert_generated_check_ins(
            conn,
            id,
            cadence,
            &dates,
            next.row.updated_at,
        )?;
        if added > 0 {
            let changes = serde_json::json!({"check_ins_generated": {"old": null, "new": added}});
            audit::record(
                conn,
                ctx.actor,
                Agreements::NAME,
                id,
                "generate_check_ins",
                Some(changes),
            )?;
        }
    }
    record_version(conn, &next, "transition", ctx.actor)?;
    let shown = serde_json::to_value(Agreements::represent(next.clone())?)
        .map_err(|e| ApiError::Internal(format!("cannot represent the agreement: {e}")))?;
    journal::changes::record_from(conn, Agreements::TOPIC, id, "updated", &shown)?;
    let changes =
        serde_json::json!({"status": {"old": from, "new": to}, "note": {"old": null, "new": note}});
    audit::record(
        conn,
        ctx.actor,
        Agreements::NAME,
        id,
        "transition",
        Some(changes),
    )?;
    Ok(next)
}

/// The agreement locked for a change: visible, `If-Match` holding, and (staff) of the caller's
/// schools.
fn locked_for_change(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    id: &str,
    if_match: &IfMatch,
) -> Result<AgreementWithParties, ApiError> {
    let current = pipeline::locked::<Agreements>(conn, ctx.caller, &Collection::TOP, id)?;
    if_match.check(current.row.version)?;
    Agreements::may_change(conn, ctx, &current)?;
    Ok(current)
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
