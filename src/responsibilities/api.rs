//! Routes for `/agreements/{agreement_id}/responsibilities` and the investment balance.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::model::{
    from_centi, is_overdue, to_centi, InvestmentInput, InvestmentKind, ResponsibilityInput,
    ResponsibilityStatus,
};
use super::store::{self, ResponsibilityFilter, ResponsibilityRow};
use crate::agreements::access::{load_visible, writable};
use crate::agreements::model::Party;
use crate::agreements::store::Loaded;
use crate::audit;
use crate::auth::{Caller, Role, Scope};
use crate::db::sql::is_id;
use crate::db::{self, today, write_transaction, DbConnection, DbPool, Stamp};
use crate::error::{ApiError, FieldError};
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::Page;

const RESOURCE: &str = "responsibility";

/// What a party commits and has delivered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Investment {
    pub kind: InvestmentKind,
    pub committed: f64,
    pub delivered: f64,
    pub unit: Option<String>,
}

/// Who does what by when.
#[derive(Debug, Serialize, ToSchema)]
pub struct Responsibility {
    pub id: String,
    pub agreement_id: String,
    pub party: Party,
    pub description: String,
    pub assignee_contact_id: Option<String>,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ResponsibilityStatus,
    /// Due before today and neither done nor dropped.
    pub overdue: bool,
    pub investment: Option<Investment>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
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

fn input_of(row: &ResponsibilityRow) -> ResponsibilityInput {
    ResponsibilityInput {
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
    }
}

fn row_from(input: ResponsibilityInput, agreement_id: &str, stamp: Stamp) -> ResponsibilityRow {
    let investment = input.investment;
    ResponsibilityRow {
        id: stamp.id,
        agreement_id: agreement_id.to_owned(),
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
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("responsibility")
}

/// The assignees must exist; a contact must belong to one of the agreement's partners.
fn check_assignees(
    conn: &mut DbConnection,
    agreement: &Loaded,
    row: &ResponsibilityRow,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(contact) = &row.assignee_contact_id {
        let mut partners = agreement.others.clone();
        partners.push(agreement.row.lead_partner_id.clone());
        let belongs = partners
            .iter()
            .map(|p| crate::contacts::store::find(conn, p, contact))
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
        if crate::users::store::find(conn, user)?.is_none() {
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
    agreement: &Loaded,
    row: &ResponsibilityRow,
) -> Result<bool, ApiError> {
    let Some(own) = caller.partner_id.as_deref() else {
        return Ok(false);
    };
    if row.party != Party::Partner.as_str() {
        return Ok(false);
    }
    Ok(match &row.assignee_contact_id {
        Some(contact) => crate::contacts::store::find(conn, own, contact)?.is_some(),
        None => agreement.others.is_empty() && agreement.row.lead_partner_id == own,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgreementItemsPath {
    /// The agreement's id.
    pub agreement_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ResponsibilityPath {
    /// The agreement's id.
    pub agreement_id: String,
    /// The responsibility's id.
    pub id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponsibilityQuery {
    pub party: Option<Party>,
    pub status: Option<ResponsibilityStatus>,
    /// Only (or no) overdue responsibilities.
    pub overdue: Option<bool>,
}

/// An agreement's responsibilities, soonest due first (all of them: one page).
#[utoipa::path(tag = "responsibilities", params(AgreementItemsPath, ResponsibilityQuery),
    responses((status = 200, description = "The responsibilities", body = Page<Responsibility>)))]
#[get("/agreements/{agreement_id}/responsibilities")]
pub async fn list_responsibilities(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementItemsPath>,
    query: web::Query<ResponsibilityQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let agreement_id = path.into_inner().agreement_id;
    let query = query.into_inner();
    let filter = ResponsibilityFilter {
        party: query.party.map(Party::as_str),
        status: query.status.map(ResponsibilityStatus::as_str),
    };
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        Ok(store::list(conn, &agreement_id, &filter)?)
    })
    .await?;
    let today = today();
    let mut data = rows
        .into_iter()
        .map(|r| Responsibility::from_row(r, today))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(overdue) = query.overdue {
        data.retain(|r| r.overdue == overdue);
    }
    Ok(HttpResponse::Ok().json(Page {
        data,
        next_cursor: None,
    }))
}

/// Add a responsibility to an agreement.
#[utoipa::path(tag = "responsibilities", params(AgreementItemsPath), request_body = ResponsibilityInput,
    responses((status = 201, description = "Created", body = Responsibility, headers(("Location" = String), ("ETag" = String)))))]
#[post("/agreements/{agreement_id}/responsibilities")]
pub async fn create_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementItemsPath>,
    body: web::Json<ResponsibilityInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let agreement_id = path.into_inner().agreement_id;
    let input = body.into_inner();
    input.check()?;
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let agreement = writable(conn, &caller, &agreement_id)?;
            let row = row_from(input, &agreement_id, Stamp::fresh());
            check_assignees(conn, &agreement, &row)?;
            store::insert(conn, &row)?;
            audit::created(
                conn,
                &actor,
                RESOURCE,
                &row.id,
                &Responsibility::from_row(row.clone(), today())?,
            )?;
            Ok(row)
        })
    })
    .await?;
    let location = format!(
        "/api/v1/agreements/{}/responsibilities/{}",
        row.agreement_id, row.id
    );
    let item = Responsibility::from_row(row, today())?;
    Ok(created(&item, &location, item.version))
}

/// One responsibility.
#[utoipa::path(tag = "responsibilities", params(ResponsibilityPath),
    responses((status = 200, description = "The responsibility", body = Responsibility, headers(("ETag" = String)))))]
#[get("/agreements/{agreement_id}/responsibilities/{id}")]
pub async fn get_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ResponsibilityPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let ResponsibilityPath { agreement_id, id } = path.into_inner();
    let row = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        if !is_id(&id) {
            return Err(not_found());
        }
        store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)
    })
    .await?;
    let item = Responsibility::from_row(row, today())?;
    Ok(json_with_etag(StatusCode::OK, &item, item.version))
}

async fn update_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: ResponsibilityPath,
    if_match: IfMatch,
    change: Change<ResponsibilityInput>,
) -> Result<HttpResponse, ApiError> {
    // A partner updates only the status of what is assigned to the partner side; anyone else
    // needs the write scope (and, staff, the agreement's schools).
    let partner_status_only = caller.role == Role::Partner
        && matches!(&change, Change::Merge(Value::Object(fields)) if fields.len() == 1 && fields.contains_key("status"));
    if partner_status_only {
        caller.require(Scope::AgreementsRead)?;
    } else {
        caller.require(Scope::AgreementsWrite)?;
    }
    if let Change::Replace(input) = &change {
        input.check()?;
    }
    let ResponsibilityPath { agreement_id, id } = path;
    let actor = caller.actor();
    let row = db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let agreement = if partner_status_only {
                load_visible(conn, &caller, &agreement_id)?
            } else {
                writable(conn, &caller, &agreement_id)?
            };
            if !is_id(&id) {
                return Err(not_found());
            }
            let current = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if partner_status_only && !is_partners_own(conn, &caller, &agreement, &current)? {
                return Err(ApiError::Forbidden(
                    "a partner updates only its own responsibilities: of the partner side, assigned to one of its contacts (or unassigned when it is the agreement's only partner)".to_owned(),
                ));
            }
            if_match.check(current.version)?;
            let input = change.resolve(&input_of(&current))?;
            input.check()?;
            if row_from(input.clone(), &agreement_id, current.stamp()) == current {
                return Ok(current);
            }
            let next = row_from(input, &agreement_id, current.stamp().bumped());
            check_assignees(conn, &agreement, &next)?;
            if !store::update(conn, &next, current.version)? {
                return Err(ApiError::raced());
            }
            let today = today();
            let (before, after) = (
                Responsibility::from_row(current, today)?,
                Responsibility::from_row(next.clone(), today)?,
            );
            audit::updated(conn, &actor, RESOURCE, &id, &before, &after)?;
            Ok(next)
        })
    })
    .await?;
    let item = Responsibility::from_row(row, today())?;
    Ok(json_with_etag(StatusCode::OK, &item, item.version))
}

/// Replace a responsibility.
#[utoipa::path(tag = "responsibilities", params(ResponsibilityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = ResponsibilityInput,
    responses((status = 200, description = "The updated responsibility", body = Responsibility, headers(("ETag" = String)))))]
#[put("/agreements/{agreement_id}/responsibilities/{id}")]
pub async fn replace_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ResponsibilityPath>,
    if_match: IfMatch,
    body: web::Json<ResponsibilityInput>,
) -> Result<HttpResponse, ApiError> {
    update_responsibility(
        caller,
        pool,
        path.into_inner(),
        if_match,
        Change::Replace(body.into_inner()),
    )
    .await
}

/// Change a responsibility (JSON Merge Patch). A partner may send `{"status": …}` alone for
/// responsibilities of the partner side of its agreements.
#[utoipa::path(tag = "responsibilities", params(ResponsibilityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = ResponsibilityInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"status": "done", "investment": {"kind": "hours", "committed": 40, "delivered": 38}})),
    responses((status = 200, description = "The updated responsibility", body = Responsibility, headers(("ETag" = String)))))]
#[patch("/agreements/{agreement_id}/responsibilities/{id}")]
pub async fn patch_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ResponsibilityPath>,
    if_match: IfMatch,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    update_responsibility(
        caller,
        pool,
        path.into_inner(),
        if_match,
        Change::Merge(body.into_inner()),
    )
    .await
}

/// Remove a responsibility.
#[utoipa::path(tag = "responsibilities", params(ResponsibilityPath, ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted")))]
#[delete("/agreements/{agreement_id}/responsibilities/{id}")]
pub async fn delete_responsibility(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ResponsibilityPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsWrite)?;
    let ResponsibilityPath { agreement_id, id } = path.into_inner();
    let actor = caller.actor();
    db::run(&pool, move |conn| {
        write_transaction(conn, |conn| {
            writable(conn, &caller, &agreement_id)?;
            if !is_id(&id) {
                return Err(not_found());
            }
            let current = store::find(conn, &agreement_id, &id)?.ok_or_else(not_found)?;
            if_match.check(current.version)?;
            store::delete(conn, &id)?;
            audit::deleted(
                conn,
                &actor,
                RESOURCE,
                &id,
                &Responsibility::from_row(current, today())?,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Committed and delivered amounts of one party and kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvestmentLine {
    pub party: Party,
    pub kind: InvestmentKind,
    /// Amounts of different units are never added together.
    pub unit: Option<String>,
    pub committed: f64,
    pub delivered: f64,
    pub responsibilities: usize,
}

/// A party's share of one kind of investment (0 to 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyShare {
    pub party: Party,
    pub committed_share: f64,
    pub delivered_share: f64,
}

/// How one kind (and unit) of investment is shared between the parties.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindBalance {
    pub kind: InvestmentKind,
    pub unit: Option<String>,
    pub committed: f64,
    pub delivered: f64,
    pub shares: Vec<PartyShare>,
}

/// Who invests what in an agreement, so "equal investment" can be seen, not assumed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvestmentSummary {
    pub lines: Vec<InvestmentLine>,
    pub balance: Vec<KindBalance>,
}

/// Sums per party and kind (exactly, in hundredths) and each party's share per kind.
pub fn investment_of(rows: &[ResponsibilityRow]) -> InvestmentSummary {
    // Amounts add up only within one kind and unit (dollars never with laptops); hours
    // without a unit are hours.
    type Key = (InvestmentKind, Option<String>);
    let mut sums: BTreeMap<(Key, Party), (i64, i64, usize)> = BTreeMap::new();
    for row in rows {
        let (Some(kind), Some(party)) = (
            row.investment_kind
                .as_deref()
                .and_then(InvestmentKind::parse),
            Party::parse(&row.party),
        ) else {
            continue;
        };
        let unit = row
            .unit
            .clone()
            .or_else(|| (kind == InvestmentKind::Hours).then(|| "hours".to_owned()));
        let entry = sums.entry(((kind, unit), party)).or_default();
        entry.0 += row.committed_centi;
        entry.1 += row.delivered_centi;
        entry.2 += 1;
    }
    let lines: Vec<InvestmentLine> = sums
        .iter()
        .map(|(((kind, unit), party), (c, d, n))| InvestmentLine {
            party: *party,
            kind: *kind,
            unit: unit.clone(),
            committed: from_centi(*c),
            delivered: from_centi(*d),
            responsibilities: *n,
        })
        .collect();
    let share = |part: i64, whole: i64| {
        if whole == 0 {
            0.0
        } else {
            ((part as f64 / whole as f64) * 10000.0).round() / 10000.0
        }
    };
    let mut groups: BTreeMap<&Key, Vec<(Party, i64, i64)>> = BTreeMap::new();
    for ((key, party), (c, d, _)) in &sums {
        groups.entry(key).or_default().push((*party, *c, *d));
    }
    let balance = groups
        .into_iter()
        .map(|((kind, unit), parties)| {
            let committed: i64 = parties.iter().map(|p| p.1).sum();
            let delivered: i64 = parties.iter().map(|p| p.2).sum();
            KindBalance {
                kind: *kind,
                unit: unit.clone(),
                committed: from_centi(committed),
                delivered: from_centi(delivered),
                shares: parties
                    .iter()
                    .map(|(party, c, d)| PartyShare {
                        party: *party,
                        committed_share: share(*c, committed),
                        delivered_share: share(*d, delivered),
                    })
                    .collect(),
            }
        })
        .collect();
    InvestmentSummary { lines, balance }
}

/// Investment per party and kind, and each party's share.
#[utoipa::path(tag = "responsibilities", params(AgreementItemsPath),
    responses((status = 200, description = "Investment sums and balance", body = InvestmentSummary)))]
#[get("/agreements/{agreement_id}/investment")]
pub async fn get_investment(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<AgreementItemsPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::AgreementsRead)?;
    let agreement_id = path.into_inner().agreement_id;
    let rows = db::run(&pool, move |conn| {
        load_visible(conn, &caller, &agreement_id)?;
        Ok(store::list(
            conn,
            &agreement_id,
            &ResponsibilityFilter::default(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(investment_of(&rows)))
}
