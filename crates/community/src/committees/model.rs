//! Committees: their wire types and rules. Staff form the committees of their schools,
//! administrators any; a partner sees the committees one of its contacts sits on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, CommitteeFilter, CommitteeRow};
use auth::{Caller, Role, Scope};
use directory::schools::SchoolRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// What a committee is.
    pub enum CommitteeKind {
        SiteCouncil => "site_council",
        CommunicationCommittee => "communication_committee",
        LeadershipTeam => "leadership_team",
        Advisory => "advisory",
    }
}

platform::text_enum! {
    /// Whether a committee still meets.
    pub enum CommitteeStatus {
        Active => "active",
        Retired => "retired",
    }
}

/// The writable fields of a committee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Lincoln site council", "kind": "site_council",
    "school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "purpose": "Families, staff and community plan the school year together."}))]
pub struct CommitteeInput {
    /// The committee's name, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What the committee is: a site council, communication committee, leadership team…
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = CommitteeKind, required = true)]
    pub kind: Option<CommitteeKind>,
    /// The school it serves; none for the district.
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    /// What the committee is for, in plain text; optional.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub purpose: Option<String>,
    /// `active` when left out.
    #[serde(default)]
    pub status: Option<CommitteeStatus>,
}

/// A committee or site council.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-1b2c-7d3e-9f4a-5b6c7d8e9f01",
    "name": "Gardiner Regional Middle School site council",
    "kind": "site_council",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "purpose": "Families, staff and community partners plan the school year together.",
    "status": "active",
    "version": 2,
    "created_at": "2026-08-20T15:04:11.482913Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Committee {
    /// The committee's id (a UUID).
    pub id: String,
    /// The committee's name.
    pub name: String,
    /// What the committee is.
    pub kind: CommitteeKind,
    /// The school it serves; `null` for a district committee.
    pub school_id: Option<String>,
    /// What the committee is for; `null` when not written.
    pub purpose: Option<String>,
    /// `active`, or `retired` once it no longer meets.
    pub status: CommitteeStatus,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the committee was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the committee last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, value: &str) -> ApiError {
    ApiError::Internal(format!("stored committee {what} {value:?} is unknown"))
}

/// The filters of `GET /committees`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommitteeQuery {
    /// Only committees of this kind.
    #[param(inline)]
    pub kind: Option<CommitteeKind>,
    /// Only `active` or only `retired` committees.
    #[param(inline)]
    pub status: Option<CommitteeStatus>,
    /// Only the committees of this school (district committees are left out).
    pub school_id: Option<String>,
}

pub struct Committees;

impl Resource for Committees {
    const TOPIC: Topic = Topic::published("committee");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = CommitteeRow;
    type Input = CommitteeInput;
    type Output = Committee;
    type Filter = CommitteeQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: CommitteeRow) -> Result<Committee, ApiError> {
        Ok(Committee {
            kind: CommitteeKind::parse(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?,
            status: CommitteeStatus::parse(&row.status)
                .ok_or_else(|| corrupt("status", &row.status))?,
            id: row.id,
            name: row.name,
            school_id: row.school_id,
            purpose: row.purpose,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &CommitteeRow) -> Result<CommitteeInput, ApiError> {
        let c = Self::represent(row.clone())?;
        Ok(CommitteeInput {
            name: Some(c.name),
            kind: Some(c.kind),
            school_id: c.school_id,
            purpose: c.purpose,
            status: Some(c.status),
        })
    }

    fn check(input: &CommitteeInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: CommitteeInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&CommitteeRow>,
        _ctx: &CallerContext,
    ) -> Result<CommitteeRow, ApiError> {
        Ok(CommitteeRow {
            id: stamp.id,
            name: input.name.unwrap_or_default(),
            kind: input
                .kind
                .unwrap_or(CommitteeKind::Advisory)
                .as_str()
                .to_owned(),
            school_id: input.school_id,
            purpose: input.purpose,
            status: input
                .status
                .unwrap_or(CommitteeStatus::Active)
                .as_str()
                .to_owned(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner sees the committees one of its contacts sits on today.
    fn visible_in(
        conn: &mut DbConnection,
        caller: &Caller,
        row: &CommitteeRow,
    ) -> Result<bool, ApiError> {
        match caller.partner_scope() {
            None => Ok(true),
            Some(partner) => Ok(store::seats_partner(
                conn,
                &row.id,
                &partner,
                platform::db::today(),
            )?),
        }
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &CommitteeRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(row.school_id.as_deref())
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: CommitteeQuery,
        page: &PageRequest,
    ) -> Result<Vec<CommitteeRow>, ApiError> {
        let filter = CommitteeFilter {
            kind: query.kind.map(|k| k.as_str().to_owned()),
            status: query.status.map(|s| s.as_str().to_owned()),
            school_id: query.school_id,
            seated_partner: match ctx.caller.role {
                Role::Partner => Some((
                    ctx.caller.partner_scope().unwrap_or_default(),
                    platform::db::today(),
                )),
                _ => None,
            },
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The school exists; staff write for their schools, administrators for the district.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&CommitteeRow>,
        after: &CommitteeRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(after.school_id.as_deref())?;
        References::new()
            .to::<SchoolRow>(conn, "school_id", "school", after.school_id.as_deref())?
            .done()
    }

    /// A committee with a history is kept: retire it instead.
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &CommitteeRow,
    ) -> Result<(), ApiError> {
        let (members, meetings, plans) = store::dependants(conn, &row.id)?;
        if members + meetings + plans > 0 {
            return Err(ApiError::Conflict(format!(
                "the committee has {members} member(s), {meetings} meeting(s) and {plans} communication plan(s): retire it instead (status: retired)"
            )));
        }
        Ok(())
    }
}
