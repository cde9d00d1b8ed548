use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, PartnerFilter, PartnerRow};
use auth::{Caller, Scope};
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::address::Address;
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::{http_url, trimmed};

platform::text_enum! {
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

platform::text_enum! {
    /// Where a partner stands with the district. Archive a partner instead of deleting it.
    pub enum PartnerStatus {
        Prospect => "prospect",
        Active => "active",
        Inactive => "inactive",
        Archived => "archived",
    }
}

platform::text_enum! {
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
        MeetingSpace => "meeting_space",
        InternetAccess => "internet_access",
        Tutoring => "tutoring",
        FamilyServices => "family_services",
        FoodSupport => "food_support",
        Childcare => "childcare",
        Transportation => "transportation",
        LanguageSupport => "language_support",
        HealthServices => "health_services",
        AdultLearning => "adult_learning",
    }
}

platform::text_enum! {
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

/// The writable vetting of a partner; who decided is recorded by the service. Changing the
/// status or a date is a decision (admin or `vetting:decide`) and enters the vetting history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved", "background_check_on": "2026-08-15",
    "background_check_expires_on": "2028-08-15", "insurance_expires_on": "2027-06-30", "notes": null}))]
pub struct VettingInput {
    /// Defaults to `not_started`.
    #[serde(default)]
    pub status: Option<VettingStatus>,
    /// When the partner's latest background check was done (`YYYY-MM-DD`).
    #[serde(default)]
    pub background_check_on: Option<NaiveDate>,
    /// When the background check runs out; after it an approval reads as `expired`.
    #[serde(default)]
    pub background_check_expires_on: Option<NaiveDate>,
    /// When the partner's insurance certificate runs out.
    #[serde(default)]
    pub insurance_expires_on: Option<NaiveDate>,
    /// Free-text notes on the vetting; only admin and staff set them (ignored for others).
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
/// Across fields: `referred_by` names another existing partner (never itself);
/// `continuum_level_id` an existing level; `vetting.status` is never `expired` (computed from the
/// dates), and changing the vetting is a decision (admin or `vetting:decide`).
pub struct PartnerInput {
    /// The partner's name: required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What kind of organisation (or person) the partner is; required.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = PartnerKind, required = true)]
    pub kind: Option<PartnerKind>,
    /// The district's own id for the partner (CRM id); unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
    /// What the partner is and does, in free text.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Absolute http(s) URL.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 500), custom(function = "http_url"))]
    #[schema(max_length = 500, format = "uri")]
    pub website: Option<String>,
    /// The partner's postal address; absent or `null` leaves every line empty.
    #[serde(default, deserialize_with = "platform::http::text::optional_object")]
    #[validate(nested)]
    pub address: Option<Address>,
    /// A set: duplicates are removed and the order is normalised.
    #[serde(default)]
    #[validate(length(max = 23))]
    #[schema(max_items = 23)]
    pub offerings: Option<Vec<Offering>>,
    /// Defaults to `prospect`.
    #[serde(default)]
    #[schema(default = "prospect")]
    pub status: Option<PartnerStatus>,
    /// The partner who brought this one in ("bring a friend").
    #[serde(default, deserialize_with = "trimmed")]
    #[schema(format = "uuid")]
    pub referred_by: Option<String>,
    /// Where the partner sits on the district's partnership continuum.
    #[serde(default, deserialize_with = "trimmed")]
    pub continuum_level_id: Option<String>,
    /// The partner's vetting; absent means `not_started` with no dates.
    #[serde(default, deserialize_with = "platform::http::text::optional_object")]
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
            .is_some_and(|id| !platform::db::sql::is_id(id))
        {
            extra.push(FieldError::new(
                "continuum_level_id",
                "invalid",
                "continuum_level_id must be an id",
            ));
        }
        if let Some(referrer) = &self.referred_by {
            if !platform::db::sql::is_id(referrer) {
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

/// A community partner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Kennebec River Museum",
    "kind": "museum",
    "external_id": "CRM-2231",
    "description": "Regional history museum; hosts field trips and reviews student exhibitions.",
    "website": "https://kennebecmuseum.example.org",
    "address": {"line1": "5 Water Street", "line2": null, "city": "Gardiner", "region": "ME", "postal_code": "04345", "country": "US"},
    "offerings": ["speaker", "field_trip_host", "exhibition_review"],
    "status": "active",
    "referred_by": null,
    "continuum_level_id": null,
    "vetting": {"status": "approved", "background_check_on": "2026-08-15",
        "background_check_expires_on": "2027-08-15", "insurance_expires_on": "2027-06-30",
        "notes": null, "decided_by": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1c",
        "decided_at": "2026-08-16T14:02:00Z"},
    "known_by": {"staff": 1, "people": [{"user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
        "name": "Jo Ramos", "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e"}]},
    "version": 3,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T20:01:12.654321Z"
}))]
pub struct Partner {
    /// The partner's id (a UUID), assigned by the server.
    pub id: String,
    /// The partner's name.
    pub name: String,
    /// What kind of organisation (or person) the partner is.
    pub kind: PartnerKind,
    /// The district's own id for the partner (CRM id); `null` if unset.
    pub external_id: Option<String>,
    /// What the partner is and does; `null` if unset.
    pub description: Option<String>,
    /// The partner's website (absolute http(s) URL); `null` if unset.
    pub website: Option<String>,
    /// The partner's postal address; lines not given are `null`.
    pub address: Address,
    /// What the partner offers, without duplicates, in a fixed order.
    pub offerings: Vec<Offering>,
    /// Where the partner stands with the district.
    pub status: PartnerStatus,
    /// Id of the partner who referred this one.
    pub referred_by: Option<String>,
    /// Id of the partner's level on the partnership continuum; `null` if not placed.
    pub continuum_level_id: Option<String>,
    /// The partner's vetting as it reads today.
    pub vetting: Vetting,
    /// The district's staff who already know the partner (the relationship inventory), as of
    /// the read; it does not change the partner's version. Empty for partner accounts.
    pub known_by: KnownBy,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the partner was created (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the partner last changed (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

/// Who of the district's staff knows a partner.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct KnownBy {
    /// How many people (users, or teachers named in the inventory).
    pub staff: usize,
    /// Each person who knows the partner, listed once.
    pub people: Vec<KnownTeacher>,
    /// Whether `people` is complete: true when no relationship names the partner, so a read
    /// asks the database only about partners someone knows.
    #[serde(skip)]
    pub looked_up: bool,
}

/// A teacher with a relationship with the partner.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KnownTeacher {
    /// The user's id when the person is a user here; `null` for a teacher named by text only.
    pub user_id: Option<String>,
    /// The user's name, or else the teacher's name as the inventory records it.
    pub name: Option<String>,
    /// The school of the (first) relationship that names the person; `null` if none.
    pub school_id: Option<String>,
}

/// A partner's vetting as readers see it today.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vetting {
    /// `expired` when approved but the background check or insurance has run out.
    pub status: VettingStatus,
    /// When the latest background check was done; `null` if none is recorded.
    pub background_check_on: Option<NaiveDate>,
    /// When the background check runs out; `null` if unknown.
    pub background_check_expires_on: Option<NaiveDate>,
    /// When the partner's insurance certificate runs out; `null` if unknown.
    pub insurance_expires_on: Option<NaiveDate>,
    /// Shown to admin and staff only; `null` for other callers.
    pub notes: Option<String>,
    /// Who last changed the status (a client or user id), and when.
    pub decided_by: Option<String>,
    /// When the status or a date last changed (UTC); `null` if never decided.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A stored code read back: a code the service no longer knows is a server fault.
pub fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

fn address_of(row: &PartnerRow) -> Address {
    Address::from_columns([
        row.address_line1.clone(),
        row.address_line2.clone(),
        row.city.clone(),
        row.region.clone(),
        row.postal_code.clone(),
        row.country.clone(),
    ])
}

impl TryFrom<PartnerRow> for Partner {
    type Error = ApiError;

    fn try_from(row: PartnerRow) -> Result<Self, ApiError> {
        let stored_vetting = stored(
            VettingStatus::parse(&row.vetting_status),
            "vetting status",
            &row.vetting_status,
        )?;
        Ok(Partner {
            vetting: Vetting {
                status: stored_vetting.effective(
                    [row.background_check_expires_on, row.insurance_expires_on],
                    platform::db::today(),
                ),
                background_check_on: row.background_check_on,
                background_check_expires_on: row.background_check_expires_on,
                insurance_expires_on: row.insurance_expires_on,
                notes: row.vetting_notes.clone(),
                decided_by: row.vetting_decided_by.clone(),
                decided_at: row.vetting_decided_at.map(|t| t.and_utc()),
            },
            address: address_of(&row),
            continuum_level_id: row.continuum_level_id,
            kind: stored(PartnerKind::parse(&row.kind), "kind", &row.kind)?,
            status: stored(PartnerStatus::parse(&row.status), "status", &row.status)?,
            offerings: offerings_from_column(&row.offerings)?,
            id: row.id,
            name: row.name,
            external_id: row.external_id,
            description: row.description,
            website: row.website,
            referred_by: row.referred_by,
            known_by: KnownBy {
                looked_up: row.relationship_count == 0,
                ..KnownBy::default()
            },
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Whether a write changes what the vetting rule reads: the status or a date. (Notes are not
/// part of the decision.)
pub fn vetting_changed(before: Option<&PartnerRow>, after: &PartnerRow) -> bool {
    match before {
        Some(b) => {
            (
                &b.vetting_status,
                b.background_check_on,
                b.background_check_expires_on,
                b.insurance_expires_on,
            ) != (
                &after.vetting_status,
                after.background_check_on,
                after.background_check_expires_on,
                after.insurance_expires_on,
            )
        }
        None => {
            after.vetting_status != VettingStatus::NotStarted.as_str()
                || after.background_check_on.is_some()
                || after.background_check_expires_on.is_some()
                || after.insurance_expires_on.is_some()
        }
    }
}

/// A partner's vetting says which adults may work with children, so every change to its status
/// or dates is a decision: admin, or a client granted `vetting:decide`. Others propose evidence
/// (`POST /partners/{id}/vetting`), which changes nothing the rule reads.
fn check_vetting_authority(
    caller: &Caller,
    before: Option<&PartnerRow>,
    after: &PartnerRow,
) -> Result<(), ApiError> {
    if vetting_changed(before, after) && !caller.decides_vetting() {
        return Err(ApiError::Forbidden(
            "changing a partner's vetting status or dates is a decision (admin, or the vetting:decide scope); propose evidence with POST /partners/{id}/vetting".to_owned(),
        ));
    }
    Ok(())
}

/// Records who decided the vetting when its status or dates change; keeps the earlier decision
/// otherwise.
fn decide(next: &mut PartnerRow, before: Option<&PartnerRow>, actor_id: &str) {
    if !vetting_changed(before, next) {
        next.vetting_decided_by = before.and_then(|b| b.vetting_decided_by.clone());
        next.vetting_decided_at = before.and_then(|b| b.vetting_decided_at);
    } else {
        next.vetting_decided_by = Some(actor_id.to_owned());
        next.vetting_decided_at = Some(next.updated_at);
    }
}

/// The referrer and the continuum level must exist: a 422 on the field, not a foreign-key 409.
fn check_references(conn: &mut DbConnection, row: &PartnerRow) -> Result<(), ApiError> {
    use crate::continuum::LevelRow;
    References::new()
        .to::<PartnerRow>(conn, "referred_by", "partner", row.referred_by.as_deref())?
        .to::<LevelRow>(
            conn,
            "continuum_level_id",
            "continuum level",
            row.continuum_level_id.as_deref(),
        )?
        .done()
}

/// The filters of `GET /partners`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    /// Search in the name, ignoring case and accents.
    pub q: Option<String>,
    /// Only partners of this kind.
    pub kind: Option<PartnerKind>,
    /// Only partners with this status.
    pub status: Option<PartnerStatus>,
    /// Partners offering this.
    pub offering: Option<Offering>,
    /// Partners referred by this partner id.
    pub referred_by: Option<String>,
    /// Only the partner with this district (CRM) id, matched exactly.
    pub external_id: Option<String>,
    /// Only partners changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Partners at this level of the continuum.
    pub continuum_level_id: Option<String>,
    /// Vetting status as read today (`expired` includes approvals whose dates have passed).
    pub vetting_status: Option<VettingStatus>,
    /// Approved partners whose background check or insurance runs out within this many days.
    #[param(minimum = 0, maximum = 3650)]
    pub vetting_expiring_within_days: Option<u32>,
}

/// Partners: the partner role sees and writes only its own partner.
pub struct Partners;

impl Resource for Partners {
    const TOPIC: Topic = Topic::published("partner");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::PartnersWrite;

    type Row = PartnerRow;
    type Input = PartnerInput;
    type Output = Partner;
    type Filter = PartnerQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: PartnerRow) -> Result<Partner, ApiError> {
        Partner::try_from(row)
    }

    /// The writable state of a stored partner (vetting as stored, not as read today).
    fn writable(row: &PartnerRow) -> Result<PartnerInput, ApiError> {
        Ok(PartnerInput {
            name: Some(row.name.clone()),
            kind: Some(stored(PartnerKind::parse(&row.kind), "kind", &row.kind)?),
            external_id: row.external_id.clone(),
            description: row.description.clone(),
            website: row.website.clone(),
            address: Some(address_of(row)),
            offerings: Some(offerings_from_column(&row.offerings)?),
            status: Some(stored(
                PartnerStatus::parse(&row.status),
                "status",
                &row.status,
            )?),
            referred_by: row.referred_by.clone(),
            continuum_level_id: row.continuum_level_id.clone(),
            vetting: Some(VettingInput {
                status: Some(stored(
                    VettingStatus::parse(&row.vetting_status),
                    "vetting status",
                    &row.vetting_status,
                )?),
                background_check_on: row.background_check_on,
                background_check_expires_on: row.background_check_expires_on,
                insurance_expires_on: row.insurance_expires_on,
                notes: row.vetting_notes.clone(),
            }),
        })
    }

    fn check(input: &PartnerInput, id: Option<&str>) -> Result<(), ApiError> {
        input.check(id)
    }

    fn build(
        _conn: &mut DbConnection,
        input: PartnerInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&PartnerRow>,
        ctx: &CallerContext,
    ) -> Result<PartnerRow, ApiError> {
        let vetting = input.vetting.unwrap_or(VettingInput {
            status: None,
            background_check_on: None,
            background_check_expires_on: None,
            insurance_expires_on: None,
            notes: None,
        });
        let [address_line1, address_line2, city, region, postal_code, country] =
            input.address.unwrap_or_default().into_columns();
        let mut row = PartnerRow {
            id: stamp.id,
            external_id: input.external_id,
            search_key: platform::db::search::search_form(
                input.name.as_deref().unwrap_or_default(),
            ),
            name: input.name.unwrap_or_default(),
            kind: input.kind.unwrap_or(PartnerKind::Other).as_str().to_owned(),
            description: input.description,
            website: input.website,
            address_line1,
            address_line2,
            city,
            region,
            postal_code,
            country,
            offerings: offerings_to_column(input.offerings.as_deref().unwrap_or_default()),
            status: input
                .status
                .unwrap_or(PartnerStatus::Prospect)
                .as_str()
                .to_owned(),
            referred_by: input.referred_by,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
            continuum_level_id: input.continuum_level_id,
            vetting_status: vetting
                .status
                .unwrap_or(VettingStatus::NotStarted)
                .as_str()
                .to_owned(),
            background_check_on: vetting.background_check_on,
            background_check_expires_on: vetting.background_check_expires_on,
            insurance_expires_on: vetting.insurance_expires_on,
            // Callers who cannot read the notes cannot change them either: a GET-then-PUT of
            // what they see (`null`) keeps the notes.
            vetting_notes: if ctx.caller.reads_vetting_notes() {
                vetting.notes
            } else {
                current.and_then(|c| c.vetting_notes.clone())
            },
            vetting_decided_by: None,
            vetting_decided_at: None,
            relationship_count: current.map_or(0, |c| c.relationship_count),
        };
        decide(&mut row, current, &ctx.actor.id);
        Ok(row)
    }

    fn visible(caller: &Caller, row: &PartnerRow) -> bool {
        caller.sees_partner(&row.id)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: PartnerQuery,
        page: &PageRequest,
    ) -> Result<Vec<PartnerRow>, ApiError> {
        let today = platform::db::today();
        let vetting_expiring = match query.vetting_expiring_within_days {
            Some(days) if days > 3650 => {
                return Err(ApiError::BadRequest(
                    "vetting_expiring_within_days must be at most 3650".into(),
                ))
            }
            Some(days) => Some((today, today + chrono::Days::new(u64::from(days)))),
            None => None,
        };
        let filter = PartnerFilter {
            q: query.q,
            kind: query.kind.map(PartnerKind::as_str),
            status: query.status.map(PartnerStatus::as_str),
            offering: query.offering.map(Offering::as_str),
            referred_by: query.referred_by,
            external_id: query.external_id,
            updated_since: query.updated_since,
            only: ctx.caller.partner_scope(),
            continuum_level_id: query.continuum_level_id,
            vetting: query.vetting_status.map(|v| (v.as_str(), today)),
            vetting_expiring,
        };
        Ok(store::list(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&PartnerRow>,
        after: &PartnerRow,
    ) -> Result<(), ApiError> {
        check_vetting_authority(ctx.caller, before, after)?;
        check_references(conn, after)
    }

    /// A decision made through a partner write enters the vetting history like any other.
    fn after_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&PartnerRow>,
        after: &PartnerRow,
    ) -> Result<(), ApiError> {
        if vetting_changed(before, after) {
            crate::vetting::store::record_decision(conn, after, &ctx.actor.id)?;
        }
        Ok(())
    }

    /// Vetting notes are for admin and staff; who knows each partner comes from the
    /// relationship inventory.
    fn for_caller(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        mut partners: Vec<Partner>,
    ) -> Result<Vec<Partner>, ApiError> {
        if !ctx.caller.reads_vetting_notes() {
            for partner in &mut partners {
                partner.vetting.notes = None;
            }
        }
        // Who of the staff knows whom is the district's own knowledge.
        if ctx.caller.role == auth::Role::Partner {
            return Ok(partners);
        }
        let ids: Vec<String> = partners
            .iter()
            .filter(|p| !p.known_by.looked_up)
            .map(|p| p.id.clone())
            .collect();
        if ids.is_empty() {
            return Ok(partners);
        }
        let mut known: std::collections::HashMap<String, Vec<KnownTeacher>> = Default::default();
        for (partner, user_id, user_name, teacher_name, school_id) in
            crate::relationships::store::known_by(conn, &ids)?
        {
            let teacher = KnownTeacher {
                name: user_name.or(teacher_name),
                user_id,
                school_id,
            };
            let people = known.entry(partner).or_default();
            let same = |t: &KnownTeacher| match (&t.user_id, &teacher.user_id) {
                (Some(a), Some(b)) => a == b,
                (None, None) => t.name == teacher.name,
                _ => false,
            };
            if !people.iter().any(same) {
                people.push(teacher);
            }
        }
        for partner in &mut partners {
            if let Some(people) = known.remove(&partner.id) {
                partner.known_by = KnownBy {
                    staff: people.len(),
                    people,
                    looked_up: true,
                };
            }
        }
        Ok(partners)
    }

    /// Refused while other partners name this one as referrer; its contacts go with it, each
    /// removal recorded.
    fn before_delete(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &PartnerRow,
    ) -> Result<(), ApiError> {
        let referred = store::count_referred(conn, &row.id)?;
        if referred > 0 {
            return Err(ApiError::Conflict(format!(
                "{referred} partner(s) name this partner in referred_by; archive it instead (status: archived)"
            )));
        }
        for contact in crate::contacts::store::all_of(conn, &row.id)? {
            let contact = crate::contacts::model::Contact::from(contact);
            journal::audit::deleted(
                conn,
                ctx.actor,
                crate::contacts::model::Contacts::TOPIC,
                &contact.id,
                &contact,
            )?;
        }
        Ok(())
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
