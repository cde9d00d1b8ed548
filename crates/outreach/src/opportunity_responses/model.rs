//! Opportunity responses: their wire types and rules. A partner volunteers for an open
//! opportunity (with `agreements:read`) and may withdraw; staff of the opportunity's school
//! accept (through `…/accept`) or decline.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ResponseRow};
use crate::opportunities::model::{status_of, Opportunities, OpportunityStatus};
use crate::opportunities::store::OpportunityRow;
use auth::{Caller, Role, Scope};
use commitments::activities::model::ActivityKind;
use journal::Topic;
use pipeline::references::References;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// Where a response stands: waiting, accepted or declined by the school, or withdrawn by
    /// the partner.
    pub enum ResponseStatus {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
}

/// The writable fields of a response.
///
/// Across fields: `status` moves pending → declined (the school) or withdrawn (the partner);
/// accepting is `POST …/accept`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "Two of our engineers can coach on Thursdays.",
    "contact_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d"}))]
pub struct ResponseInput {
    /// What the partner offers to do, for the school to read.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 2000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub message: Option<String>,
    /// Who at the partner will help; one of its contacts.
    #[serde(default, deserialize_with = "trimmed")]
    pub contact_id: Option<String>,
    /// The partner volunteering: a partner account's own when left out; required of anyone
    /// else.
    #[serde(default, deserialize_with = "trimmed")]
    pub partner_id: Option<String>,
    /// `pending` when left out.
    #[serde(default)]
    pub status: Option<ResponseStatus>,
}

/// A partner's response to an opportunity.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-9d0e-7f1a-8b2c-3d4e5f6a7b8c",
    "opportunity_id": "0193a1f3-8c9d-7e0f-9a1b-2c3d4e5f6a7b",
    "partner_id": "0193a1f4-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
    "contact_id": "0193a1f4-1b2c-7d3e-8f4a-5b6c7d8e9f0a",
    "message": "Two of our engineers can coach on Thursdays.",
    "status": "accepted",
    "activity_id": null,
    "agreement_id": "0193a1f5-2c3d-7e4f-9a5b-6c7d8e9f0a1b",
    "version": 2,
    "created_at": "2026-11-24T15:02:18.440192Z",
    "updated_at": "2026-11-30T20:11:46.015533Z"
}))]
pub struct OpportunityResponse {
    /// The response's id (a UUID).
    pub id: String,
    /// The opportunity answered.
    pub opportunity_id: String,
    /// The partner volunteering; it never changes.
    pub partner_id: String,
    /// Who at the partner will help; `null` when not named or the contact was deleted.
    pub contact_id: Option<String>,
    /// What the partner offers to do.
    pub message: String,
    /// `pending`, `accepted`, `declined` or `withdrawn`.
    pub status: ResponseStatus,
    /// The activity accepting created, if any.
    pub activity_id: Option<String>,
    /// The draft agreement accepting created, if any.
    pub agreement_id: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the partner volunteered (UTC).
    pub created_at: DateTime<Utc>,
    /// When the response last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

platform::text_enum! {
    /// What accepting a response also makes.
    pub enum AcceptCreates {
        Nothing => "nothing",
        Activity => "activity",
        Agreement => "agreement",
    }
}

/// Accepting a response.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"create": "agreement"}))]
pub struct AcceptInput {
    /// `activity`: log the help as an activity of the partner at the school; `agreement`: a
    /// draft agreement prefilled from the opportunity; `nothing` when left out.
    #[serde(default)]
    pub create: Option<AcceptCreates>,
    /// The activity's kind (`volunteering` when left out).
    #[serde(default)]
    pub activity_kind: Option<ActivityKind>,
    /// The activity's day (the opportunity's start when left out).
    #[serde(default)]
    pub occurred_on: Option<NaiveDate>,
}

fn status_of_response(row: &ResponseRow) -> Result<ResponseStatus, ApiError> {
    ResponseStatus::parse(&row.status)
        .ok_or_else(|| ApiError::Internal(format!("stored status {:?} is unknown", row.status)))
}

/// The opportunity a response hangs off.
pub fn opportunity_of(conn: &mut DbConnection, id: &str) -> Result<OpportunityRow, ApiError> {
    OpportunityRow::find_key(conn, id)?.ok_or_else(Opportunities::not_found)
}

/// Staff answer for their schools' opportunities; a partner touches its own responses.
fn may_touch(conn: &mut DbConnection, caller: &Caller, row: &ResponseRow) -> Result<(), ApiError> {
    match caller.role {
        Role::Partner => match caller.partner_id.as_deref() == Some(row.partner_id.as_str()) {
            true => Ok(()),
            false => Err(ApiError::Forbidden(
                "a partner answers for itself only".into(),
            )),
        },
        _ => {
            let opportunity = opportunity_of(conn, &row.opportunity_id)?;
            caller.check_schools(std::slice::from_ref(&opportunity.school_id))
        }
    }
}

/// The filters of `GET /opportunities/{opportunity_id}/responses`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponseQuery {
    /// Only responses in this status.
    #[param(inline)]
    pub status: Option<ResponseStatus>,
}

pub struct Responses;

impl Resource for Responses {
    const TOPIC: Topic = Topic::published("opportunity_response");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("opportunity_id", "opportunity"));

    type Row = ResponseRow;
    type Input = ResponseInput;
    type Output = OpportunityResponse;
    type Filter = ResponseQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: ResponseRow) -> Result<OpportunityResponse, ApiError> {
        Ok(OpportunityResponse {
            status: status_of_response(&row)?,
            id: row.id,
            opportunity_id: row.opportunity_id,
            partner_id: row.partner_id,
            contact_id: row.contact_id,
            message: row.message,
            activity_id: row.activity_id,
            agreement_id: row.agreement_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &ResponseRow) -> Result<ResponseInput, ApiError> {
        Ok(ResponseInput {
            message: Some(row.message.clone()),
            contact_id: row.contact_id.clone(),
            partner_id: Some(row.partner_id.clone()),
            status: Some(status_of_response(row)?),
        })
    }

    fn check(input: &ResponseInput, _id: Option<&str>) -> Result<(), ApiError> {
        let mut problems = Vec::new();
        if input.status == Some(ResponseStatus::Accepted) {
            problems.push(FieldError::new(
                "status",
                "use_accept",
                "accept a response with POST …/responses/{id}/accept",
            ));
        }
        check_all(input, problems)
    }

    /// A partner answers for itself; what accepting made stays.
    fn build(
        _conn: &mut DbConnection,
        input: ResponseInput,
        place: &Collection,
        stamp: Stamp,
        current: Option<&ResponseRow>,
        ctx: &CallerContext,
    ) -> Result<ResponseRow, ApiError> {
        let partner_id = match (ctx.caller.partner_scope(), input.partner_id) {
            (Some(own), None) => own,
            (_, Some(partner)) => partner,
            (None, None) => {
                return Err(ApiError::field(
                    "partner_id",
                    "required",
                    "name the partner that volunteers",
                ))
            }
        };
        Ok(ResponseRow {
            id: stamp.id,
            opportunity_id: place.parent()?.to_owned(),
            partner_id,
            contact_id: input.contact_id,
            message: input.message.unwrap_or_default(),
            status: input
                .status
                .unwrap_or(ResponseStatus::Pending)
                .as_str()
                .to_owned(),
            activity_id: current.and_then(|c| c.activity_id.clone()),
            agreement_id: current.and_then(|c| c.agreement_id.clone()),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// The opportunity is there and visible; writers lock it.
    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        let id = place.parent()?;
        if access == Access::Write && !OpportunityRow::lock(conn, id)? {
            return Err(Opportunities::not_found());
        }
        let opportunity = opportunity_of(conn, id)?;
        if !Opportunities::visible_in(conn, ctx.caller, &opportunity)? {
            return Err(Opportunities::not_found());
        }
        Ok(())
    }

    /// A partner sees its own responses.
    fn visible(caller: &Caller, row: &ResponseRow) -> bool {
        caller.sees_partner(&row.partner_id)
    }

    /// A partner volunteers and withdraws with `agreements:read`.
    fn write_scope(caller: &Caller, _patch: Option<&serde_json::Value>) -> Scope {
        match caller.role {
            Role::Partner => Self::READ,
            _ => Self::WRITE,
        }
    }

    fn may_change(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &ResponseRow,
    ) -> Result<(), ApiError> {
        may_touch(conn, ctx.caller, row)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        query: ResponseQuery,
        page: &PageRequest,
    ) -> Result<Vec<ResponseRow>, ApiError> {
        let own = ctx.caller.partner_scope();
        Ok(store::page(
            conn,
            place.parent()?,
            own.as_deref(),
            query.status.map(ResponseStatus::as_str),
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// Only open opportunities take volunteers, one response a partner; the partner and
    /// contact exist; the status moves as the school and the partner may move it.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&ResponseRow>,
        after: &ResponseRow,
    ) -> Result<(), ApiError> {
        let mut references = References::new();
        references.to::<directory::partners::PartnerRow>(
            conn,
            "partner_id",
            "partner",
            Some(&after.partner_id),
        )?;
        if let Some(problem) = directory::contacts::model::not_of_partner(
            conn,
            after.contact_id.as_deref(),
            &after.partner_id,
        )? {
            references.push(problem);
        }
        references.done()?;
        may_touch(conn, ctx.caller, after)?;
        let opportunity = opportunity_of(conn, &after.opportunity_id)?;
        let to = status_of_response(after)?;
        match before {
            None => {
                if status_of(&opportunity)? != OpportunityStatus::Open {
                    return Err(ApiError::Conflict(
                        "the opportunity is not taking volunteers".into(),
                    ));
                }
                if to != ResponseStatus::Pending {
                    return Err(ApiError::field(
                        "status",
                        "invalid_transition",
                        "a response starts as pending",
                    ));
                }
            }
            Some(before) => {
                if before.partner_id != after.partner_id {
                    return Err(ApiError::field(
                        "partner_id",
                        "immutable",
                        "a response stays with its partner",
                    ));
                }
                let from = status_of_response(before)?;
                let partner = ctx.caller.role == Role::Partner;
                let allowed = from == to
                    || matches!(
                        (from, to, partner),
                        (
                            ResponseStatus::Pending,
                            ResponseStatus::Declined | ResponseStatus::Accepted,
                            false
                        ) | (ResponseStatus::Pending, ResponseStatus::Withdrawn, true)
                    );
                if !allowed {
                    return Err(ApiError::field(
                        "status",
                        "invalid_transition",
                        format!(
                            "the school accepts (POST …/accept) or declines a pending response and the partner withdraws it; not {} → {}",
                            from.as_str(),
                            to.as_str()
                        ),
                    ));
                }
            }
        }
        if store::answered_by(
            conn,
            &after.opportunity_id,
            &after.partner_id,
            Some(&after.id),
        )? {
            return Err(ApiError::Conflict(
                "the partner has answered this opportunity already".into(),
            ));
        }
        Ok(())
    }

    /// An accepted response is history.
    fn before_delete(
        _conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &ResponseRow,
    ) -> Result<(), ApiError> {
        match status_of_response(row)? {
            ResponseStatus::Accepted => Err(ApiError::Conflict(
                "the response was accepted: it stays on record".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// The response accepted, and what accepting creates: the next row (`None` when already
/// accepted), after creating the activity or draft agreement through the pipeline.
pub fn accepted(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    current: &ResponseRow,
    input: AcceptInput,
) -> Result<Option<ResponseRow>, ApiError> {
    let status = status_of_response(current)?;
    if status == ResponseStatus::Accepted {
        return Ok(None);
    }
    if status != ResponseStatus::Pending {
        return Err(ApiError::Conflict(format!(
            "only a pending response is accepted; this one is {}",
            status.as_str()
        )));
    }
    may_touch(conn, ctx.caller, current)?;
    let opportunity = opportunity_of(conn, &current.opportunity_id)?;
    let mut next = ResponseRow {
        status: ResponseStatus::Accepted.as_str().to_owned(),
        ..current.clone()
    };
    match input.create.unwrap_or(AcceptCreates::Nothing) {
        AcceptCreates::Nothing => {}
        AcceptCreates::Activity => {
            let activity = serde_json::from_value(serde_json::json!({
                "partner_id": current.partner_id,
                "school_id": opportunity.school_id,
                "kind": input.activity_kind.unwrap_or(ActivityKind::Volunteering),
                "occurred_on": input.occurred_on.unwrap_or(opportunity.starts_on),
                "notes": format!("{}: {}", opportunity.title, current.message),
            }))
            .map_err(|e| ApiError::Internal(format!("cannot prefill the activity: {e}")))?;
            let made = pipeline::create_in_transaction::<commitments::activities::model::Activities>(
                conn,
                ctx,
                &Collection::TOP,
                activity,
            )?;
            next.activity_id = Some(made.id);
        }
        AcceptCreates::Agreement => {
            let agreement = serde_json::from_value(serde_json::json!({
                "title": opportunity.title,
                "lead_partner_id": current.partner_id,
                "school_ids": [opportunity.school_id],
                "start_date": opportunity.starts_on,
                "end_date": opportunity.ends_on,
                "involves_students": opportunity.involves_students,
                "purpose": opportunity.description,
            }))
            .map_err(|e| ApiError::Internal(format!("cannot prefill the agreement: {e}")))?;
            let made = pipeline::create_in_transaction::<commitments::agreements::model::Agreements>(
                conn,
                ctx,
                &Collection::TOP,
                agreement,
            )?;
            next.agreement_id = Some(made.row.id);
        }
    }
    let stamp = current.stamp().bumped();
    next.version = stamp.version;
    next.updated_at = stamp.updated_at;
    Ok(Some(next))
}
