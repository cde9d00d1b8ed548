//! Opportunities: their wire types and rules. Staff of the school post and close them,
//! administrators any; a partner sees the open ones (and those it volunteered for).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, OpportunityFilter, OpportunityRow};
use auth::{Caller, Role, Scope};
use directory::partners::model::{offerings_from_column, offerings_to_column, Offering};
use directory::schools::SchoolRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// Where an opportunity stands: taking volunteers, all helpers found, or over.
    pub enum OpportunityStatus {
        Open => "open",
        Filled => "filled",
        Closed => "closed",
    }
}

/// Whether an opportunity may move from `from` to `to`.
pub fn may_move(from: OpportunityStatus, to: OpportunityStatus) -> bool {
    use OpportunityStatus::*;
    from == to
        || matches!(
            (from, to),
            (Open, Filled | Closed) | (Filled, Closed | Open)
        )
}

/// The writable fields of an opportunity.
///
/// Across fields: `ends_on` is not before `starts_on`; at least one offering; `status` moves
/// open → filled → closed (a filled one may reopen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Engineers for the bridge-building unit",
    "description": "Our 7th graders design and test model bridges; we need engineers to judge and coach.",
    "school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d", "grade_band": "6-8",
    "offerings": ["speaker", "mentoring"], "starts_on": "2027-02-01", "ends_on": "2027-03-15",
    "helpers_needed": 3, "involves_students": true}))]
pub struct OpportunityInput {
    /// The opportunity's headline, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// What students are working on, and how a helper would help.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 5000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000)]
    pub description: Option<String>,
    /// The school asking; must exist (staff: one of their schools).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub school_id: Option<String>,
    /// The grades involved ("6-8", "K-2").
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        length(min = 1, max = 50),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub grade_band: Option<String>,
    /// The help it needs (partner offerings); a set, at least one.
    #[serde(default)]
    #[validate(required, length(min = 1, max = 23))]
    #[schema(value_type = Vec<Offering>, required = true, min_items = 1, max_items = 23)]
    pub offerings: Option<Vec<Offering>>,
    /// The first day help is wanted (`YYYY-MM-DD`).
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub starts_on: Option<NaiveDate>,
    /// The last day help is wanted; not before `starts_on`. Matches judge vetting through it.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub ends_on: Option<NaiveDate>,
    /// How many helpers (1 when left out).
    #[serde(default)]
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub helpers_needed: Option<u32>,
    /// Whether helpers meet students: then only partners vetted for the whole period match.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = bool, required = true)]
    pub involves_students: Option<bool>,
    /// `open` when left out.
    #[serde(default)]
    pub status: Option<OpportunityStatus>,
}

impl OpportunityInput {
    fn problems(&self) -> Vec<FieldError> {
        match (self.starts_on, self.ends_on) {
            (Some(starts), Some(ends)) if ends < starts => vec![FieldError::new(
                "ends_on",
                "date_order",
                "ends_on is before starts_on",
            )],
            _ => Vec::new(),
        }
    }
}

/// A school's ask.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-8c9d-7e0f-9a1b-2c3d4e5f6a7b",
    "title": "Engineers for the bridge-building unit",
    "description":
        "Our 7th graders design and test model bridges; we need engineers to judge and coach.",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "grade_band": "6-8",
    "offerings": ["speaker", "mentoring"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-15",
    "helpers_needed": 3,
    "involves_students": true,
    "status": "open",
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Opportunity {
    /// The opportunity's id (a UUID).
    pub id: String,
    /// The opportunity's headline.
    pub title: String,
    /// What students are working on, and how a helper would help.
    pub description: String,
    /// The school asking.
    pub school_id: String,
    /// The grades involved; `null` when not given.
    pub grade_band: Option<String>,
    /// The help it needs (partner offerings), sorted.
    pub offerings: Vec<Offering>,
    /// The first day help is wanted.
    pub starts_on: NaiveDate,
    /// The last day help is wanted.
    pub ends_on: NaiveDate,
    /// How many helpers are wanted.
    pub helpers_needed: u32,
    /// Whether helpers meet students (then only fully vetted partners match).
    pub involves_students: bool,
    /// `open` (taking volunteers), `filled` or `closed`.
    pub status: OpportunityStatus,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the opportunity was posted (UTC).
    pub created_at: DateTime<Utc>,
    /// When the opportunity last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

pub fn status_of(row: &OpportunityRow) -> Result<OpportunityStatus, ApiError> {
    OpportunityStatus::parse(&row.status)
        .ok_or_else(|| ApiError::Internal(format!("stored status {:?} is unknown", row.status)))
}

/// The filters of `GET /opportunities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpportunityQuery {
    /// Only this school's opportunities.
    pub school_id: Option<String>,
    /// Only opportunities in this status (partner accounts: only `open` finds any).
    #[param(inline)]
    pub status: Option<OpportunityStatus>,
    /// Only those needing this offering.
    #[param(inline)]
    pub offering: Option<Offering>,
}

pub struct Opportunities;

impl Resource for Opportunities {
    const TOPIC: Topic = Topic::published("opportunity");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = OpportunityRow;
    type Input = OpportunityInput;
    type Output = Opportunity;
    type Filter = OpportunityQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: OpportunityRow) -> Result<Opportunity, ApiError> {
        Ok(Opportunity {
            status: status_of(&row)?,
            offerings: offerings_from_column(&row.offerings)?,
            helpers_needed: u32::try_from(row.helpers_needed).unwrap_or(1),
            id: row.id,
            title: row.title,
            description: row.description,
            school_id: row.school_id,
            grade_band: row.grade_band,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            involves_students: row.involves_students,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &OpportunityRow) -> Result<OpportunityInput, ApiError> {
        let o = Self::represent(row.clone())?;
        Ok(OpportunityInput {
            title: Some(o.title),
            description: Some(o.description),
            school_id: Some(o.school_id),
            grade_band: o.grade_band,
            offerings: Some(o.offerings),
            starts_on: Some(o.starts_on),
            ends_on: Some(o.ends_on),
            helpers_needed: Some(o.helpers_needed),
            involves_students: Some(o.involves_students),
            status: Some(o.status),
        })
    }

    fn check(input: &OpportunityInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    fn build(
        _conn: &mut DbConnection,
        input: OpportunityInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&OpportunityRow>,
        _ctx: &CallerContext,
    ) -> Result<OpportunityRow, ApiError> {
        Ok(OpportunityRow {
            id: stamp.id,
            title: input.title.unwrap_or_default(),
            description: input.description.unwrap_or_default(),
            school_id: input.school_id.unwrap_or_default(),
            grade_band: input.grade_band,
            offerings: offerings_to_column(input.offerings.as_deref().unwrap_or_default()),
            starts_on: input.starts_on.unwrap_or_default(),
            ends_on: input.ends_on.unwrap_or_default(),
            helpers_needed: i32::try_from(input.helpers_needed.unwrap_or(1)).unwrap_or(1),
            involves_students: input.involves_students.unwrap_or(true),
            status: input
                .status
                .unwrap_or(OpportunityStatus::Open)
                .as_str()
                .to_owned(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner sees open opportunities, and those it volunteered for.
    fn visible_in(
        conn: &mut DbConnection,
        caller: &Caller,
        row: &OpportunityRow,
    ) -> Result<bool, ApiError> {
        match caller.partner_scope() {
            None => Ok(true),
            Some(_) if row.status == OpportunityStatus::Open.as_str() => Ok(true),
            Some(partner) => Ok(crate::opportunity_responses::store::answered_by(
                conn, &row.id, &partner, None,
            )?),
        }
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &OpportunityRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_schools(std::slice::from_ref(&row.school_id))
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: OpportunityQuery,
        page: &PageRequest,
    ) -> Result<Vec<OpportunityRow>, ApiError> {
        let partner = ctx.caller.role == Role::Partner;
        if partner && query.status.is_some_and(|s| s != OpportunityStatus::Open) {
            return Ok(Vec::new());
        }
        let filter = OpportunityFilter {
            school_id: query.school_id,
            status: match partner {
                true => Some(OpportunityStatus::Open.as_str().to_owned()),
                false => query.status.map(|s| s.as_str().to_owned()),
            },
            offering: query.offering.map(|o| o.as_str().to_owned()),
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The school exists and is the caller's (staff); the status moves forward.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&OpportunityRow>,
        after: &OpportunityRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_schools(std::slice::from_ref(&after.school_id))?;
        let mut references = References::new();
        references.to::<SchoolRow>(conn, "school_id", "school", Some(&after.school_id))?;
        if let Some(before) = before {
            let (from, to) = (status_of(before)?, status_of(after)?);
            if !may_move(from, to) {
                references.push(FieldError::new(
                    "status",
                    "invalid_transition",
                    format!(
                        "an opportunity moves open → filled → closed; not {} → {}",
                        from.as_str(),
                        to.as_str()
                    ),
                ));
            }
        }
        references.done()
    }

    /// An opportunity partners answered is kept: close it instead.
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &OpportunityRow,
    ) -> Result<(), ApiError> {
        if crate::opportunity_responses::store::any_for(conn, &row.id)? {
            return Err(ApiError::Conflict(
                "partners answered this opportunity: close it instead (status: closed)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opportunities_move_open_filled_closed() {
        use OpportunityStatus::*;
        assert!(may_move(Open, Filled));
        assert!(may_move(Filled, Closed));
        assert!(may_move(Filled, Open));
        assert!(may_move(Open, Closed));
        assert!(!may_move(Closed, Open));
        assert!(!may_move(Closed, Filled));
    }
}
