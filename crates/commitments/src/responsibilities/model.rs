use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ResponsibilityFilter, ResponsibilityRow};
use crate::agreements::access::load_visible;
use crate::agreements::model::Party;
use crate::agreements::store::AgreementWithParties;
use auth::{Caller, Role, Scope};
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{today, DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// Where a responsibility stands; a `done` or `dropped` one is never overdue.
    pub enum ResponsibilityStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Blocked => "blocked",
        Dropped => "dropped",
    }
}

platform::text_enum! {
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
    /// What is invested.
    pub kind: InvestmentKind,
    /// Up to two decimals are kept.
    #[validate(range(min = 0.0, max = 10000000000.0))]
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub committed: f64,
    /// How much has been delivered so far, in `unit`; 0 when left out. Two decimals are kept.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 10000000000.0))]
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub delivered: Option<f64>,
    /// e.g. `hours`, `USD`, `laptops`.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 20), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 20,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
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
/// Across fields: `assignee_contact_id` is a contact of one of the agreement's partners, and
/// `assignee_user_id` an existing user.
pub struct ResponsibilityInput {
    /// The party responsible.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Party, required = true)]
    pub party: Option<Party>,
    /// What is to be done.
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
    /// When it is due; without a date it is never overdue.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Defaults to `planned`.
    #[serde(default)]
    pub status: Option<ResponsibilityStatus>,
    /// What the party commits to it and has delivered, when something is counted.
    #[serde(default)]
    #[validate(nested)]
    pub investment: Option<InvestmentInput>,
    /// The district's own id for it; unique when set (409 when already in use).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
}

impl ResponsibilityInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("assignee_contact_id", &self.assignee_contact_id),
            ("assignee_user_id", &self.assignee_user_id),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| !platform::db::sql::is_id(v))
            {
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

/// What a party commits and has delivered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Investment {
    /// What is invested.
    pub kind: InvestmentKind,
    /// The amount committed, in `unit` (two decimals).
    pub committed: f64,
    /// The amount delivered so far, in `unit` (two decimals).
    pub delivered: f64,
    /// The unit, such as `hours`, `USD` or `laptops`; `null` if none was given.
    pub unit: Option<String>,
}

/// Who does what by when.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0c01",
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
    "party": "partner",
    "description": "Two curators review student drafts",
    "assignee_contact_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4c",
    "assignee_user_id": null,
    "due_on": "2027-03-15",
    "status": "in_progress",
    "overdue": false,
    "investment": {"kind": "hours", "committed": 40.0, "delivered": 12.5, "unit": "hours"},
    "external_id": null,
    "version": 3,
    "created_at": "2026-08-06T10:12:40.331872Z",
    "updated_at": "2027-01-12T16:20:05.918204Z"
}))]
pub struct Responsibility {
    /// The responsibility's id.
    pub id: String,
    /// The agreement it belongs to.
    pub agreement_id: String,
    /// The party responsible.
    pub party: Party,
    /// What is to be done.
    pub description: String,
    /// The partner contact it is assigned to; `null` if none (or the contact was deleted).
    pub assignee_contact_id: Option<String>,
    /// The user it is assigned to; `null` if none (or the user was deleted).
    pub assignee_user_id: Option<String>,
    /// When it is due; `null`: no due date.
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    pub status: ResponsibilityStatus,
    /// Due before today and neither done nor dropped.
    pub overdue: bool,
    /// What the party commits and has delivered; `null` when nothing is counted.
    pub investment: Option<Investment>,
    /// The district's own id for it; `null` if none was given.
    pub external_id: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl Responsibility {
    pub fn from_row(row: ResponsibilityRow, today: NaiveDate) -> Result<Self, ApiError> {
        let status = stored(
            ResponsibilityStatus::parse(&row.status),
            "status",
            &row.status,
        )?;
        let investment = match row.investment_kind.as_deref() {
            Some(kind) => Some(Investment {
                kind: stored(InvestmentKind::parse(kind), "investment kind", kind)?,
                committed: from_centi(row.committed_centi),
                delivered: from_centi(row.delivered_centi),
                unit: row.unit.clone(),
            }),
            None => None,
        };
        Ok(Responsibility {
            party: stored(Party::parse(&row.party), "party", &row.party)?,
            overdue: is_overdue(status, row.due_on, today),
            status,
            investment,
            id: row.id,
            agreement_id: row.agreement_id,
            description: row.description,
            assignee_contact_id: row.assignee_contact_id,
            assignee_user_id: row.assignee_user_id,
            due_on: row.due_on,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// The assignees must exist; a contact must belong to one of the agreement's partners.
fn check_assignees(
    conn: &mut DbConnection,
    agreement: &AgreementWithParties,
    row: &ResponsibilityRow,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(contact) = &row.assignee_contact_id {
        let mut partners = agreement.others.clone();
        partners.push(agreement.row.lead_partner_id.clone());
        let belongs = partners
            .iter()
            .map(|p| directory::contacts::find(conn, p, contact))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .any(Option::is_some);
        if !belongs {
            errors.push(FieldError::new(
                "assignee_contact_id",
                "not_found",
                "assignee_contact_id must be a contact of one of the agreement's partners",
            ));
        }
    }
    if let Some(user) = &row.assignee_user_id {
        if directory::users::find(conn, user)?.is_none() {
            errors.push(FieldError::new(
                "assignee_user_id",
                "not_found",
                "assignee_user_id must be an existing user",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Whether a partner-side responsibility is the calling partner's: assigned to one of its
/// contacts, or unassigned on an agreement where it is the only partner.
fn is_partners_own(
    conn: &mut DbConnection,
    caller: &Caller,
    agreement: &AgreementWithParties,
    row: &ResponsibilityRow,
) -> Result<bool, ApiError> {
    let Some(own) = caller.partner_id.as_deref() else {
        return Ok(false);
    };
    if row.party != Party::Partner.as_str() {
        return Ok(false);
    }
    Ok(match &row.assignee_contact_id {
        Some(contact) => directory::contacts::find(conn, own, contact)?.is_some(),
        None => agreement.others.is_empty() && agreement.row.lead_partner_id == own,
    })
}

platform::sort_enum! {
    /// Order of an agreement's responsibilities: soonest `due_on` first (the default; undated
    /// last), or by time.
    pub enum ResponsibilitySort default DueOn {
        DueOn => "due_on": Date;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /agreements/{agreement_id}/responsibilities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponsibilityQuery {
    /// Only responsibilities of this party.
    pub party: Option<Party>,
    /// Only responsibilities with this status.
    pub status: Option<ResponsibilityStatus>,
    /// Only (or no) overdue responsibilities.
    pub overdue: Option<bool>,
}

/// Responsibilities, under their agreement. A partner may mark the status of its own
/// partner-side responsibilities; anyone else needs `agreements:write` (staff: for the
/// agreement's schools).
pub struct Responsibilities;

impl Resource for Responsibilities {
    const TOPIC: Topic = Topic::published("responsibility");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("agreement_id", "agreement"));

    type Row = ResponsibilityRow;
    type Input = ResponsibilityInput;
    type Output = Responsibility;
    type Filter = ResponsibilityQuery;
    type Sort = ResponsibilitySort;

    fn represent(row: ResponsibilityRow) -> Result<Responsibility, ApiError> {
        Responsibility::from_row(row, today())
    }

    fn writable(row: &ResponsibilityRow) -> Result<ResponsibilityInput, ApiError> {
        Ok(ResponsibilityInput {
            party: Party::parse(&row.party),
            description: Some(row.description.clone()),
            assignee_contact_id: row.assignee_contact_id.clone(),
            assignee_user_id: row.assignee_user_id.clone(),
            due_on: row.due_on,
            status: ResponsibilityStatus::parse(&row.status),
            investment: row
                .investment_kind
                .as_deref()
                .and_then(InvestmentKind::parse)
                .map(|kind| InvestmentInput {
                    kind,
                    committed: from_centi(row.committed_centi),
                    delivered: Some(from_centi(row.delivered_centi)),
                    unit: row.unit.clone(),
                }),
            external_id: row.external_id.clone(),
        })
    }

    fn check(input: &ResponsibilityInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: ResponsibilityInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&ResponsibilityRow>,
        _ctx: &CallerContext,
    ) -> Result<ResponsibilityRow, ApiError> {
        let investment = input.investment;
        Ok(ResponsibilityRow {
            id: stamp.id,
            agreement_id: place.parent()?.to_owned(),
            external_id: input.external_id,
            party: input.party.unwrap_or(Party::District).as_str().to_owned(),
            assignee_contact_id: input.assignee_contact_id,
            assignee_user_id: input.assignee_user_id,
            description: input.description.unwrap_or_default(),
            due_on: input.due_on,
            status: input
                .status
                .unwrap_or(ResponsibilityStatus::Planned)
                .as_str()
                .to_owned(),
            investment_kind: investment.as_ref().map(|i| i.kind.as_str().to_owned()),
            committed_centi: investment.as_ref().map_or(0, |i| to_centi(i.committed)),
            delivered_centi: investment
                .as_ref()
                .map_or(0, |i| to_centi(i.delivered.unwrap_or(0.0))),
            unit: investment.and_then(|i| i.unit),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        crate::agreements::access::authorize(conn, ctx.caller, place.parent()?, access)
    }

    /// A partner's status-only patch needs only `agreements:read`.
    fn write_scope(caller: &Caller, patch: Option<&Value>) -> Scope {
        let status_only = matches!(patch, Some(Value::Object(fields))
            if fields.len() == 1 && fields.contains_key("status"));
        if caller.role == Role::Partner && status_only {
            Self::READ
        } else {
            Self::WRITE
        }
    }

    fn may_change(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &ResponsibilityRow,
    ) -> Result<(), ApiError> {
        if ctx.caller.role != Role::Partner {
            return Ok(());
        }
        let agreement = load_visible(conn, ctx.caller, &row.agreement_id)?;
        if is_partners_own(conn, ctx.caller, &agreement, row)? {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "a partner updates only its own responsibilities: of the partner side, assigned to one of its contacts (or unassigned when it is the agreement's only partner)".to_owned(),
            ))
        }
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: ResponsibilityQuery,
        page: &PageRequest,
    ) -> Result<Vec<ResponsibilityRow>, ApiError> {
        let filter = ResponsibilityFilter {
            party: query.party.map(Party::as_str),
            status: query.status.map(ResponsibilityStatus::as_str),
            overdue_on: query.overdue.map(|overdue| (overdue, today())),
        };
        Ok(store::page(
            conn,
            place.parent()?,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&ResponsibilityRow>,
        row: &ResponsibilityRow,
    ) -> Result<(), ApiError> {
        let agreement = AgreementWithParties::find(conn, &row.agreement_id)?
            .ok_or_else(|| ApiError::not_found("agreement"))?;
        check_assignees(conn, &agreement, row)
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
