//! Relationships: their wire types and rules. Staff record the relationships of their schools'
//! teachers, administrators any; partner accounts do not read the inventory.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, RelationshipFilter, RelationshipRow};
use crate::partners::model::{offerings_from_column, offerings_to_column, Offering};
use crate::partners::store::PartnerRow;
use crate::schools::store::SchoolRow;
use crate::users::store::UserRow;
use auth::{Caller, Role, Scope};
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

/// The writable fields of a relationship.
///
/// Across fields: exactly one of `user_id` and `teacher_name`; the contact is one of the
/// partner's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"teacher_name": "Ms. Okafor", "school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "partner_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8e", "kinds": ["speaker", "field_trip_host"],
    "since": "2019-09-01", "last_contact_on": "2026-10-20",
    "notes": "Her neighbour runs the museum's education programme."}))]
pub struct RelationshipInput {
    /// A staff user of this service.
    #[serde(default, deserialize_with = "trimmed")]
    pub user_id: Option<String>,
    /// A teacher without an account.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub teacher_name: Option<String>,
    /// The teacher's school.
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    /// The partner the teacher knows: required, an existing partner's id.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub partner_id: Option<String>,
    /// The person at the partner the teacher knows.
    #[serde(default, deserialize_with = "trimmed")]
    pub contact_id: Option<String>,
    /// The kinds of interaction (partner offerings); a set.
    #[serde(default)]
    #[validate(length(max = 23))]
    #[schema(max_items = 23)]
    pub kinds: Option<Vec<Offering>>,
    /// Since when the teacher has known the partner (`YYYY-MM-DD`).
    pub since: Option<NaiveDate>,
    /// When last in touch.
    pub last_contact_on: Option<NaiveDate>,
    /// Free-text notes on the relationship; never shown to partner accounts.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

impl RelationshipInput {
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.user_id.is_some() == self.teacher_name.is_some() {
            problems.push(FieldError::new(
                "teacher_name",
                "exactly_one",
                "a relationship is a user_id's or a teacher_name's: exactly one of them",
            ));
        }
        problems
    }
}

/// A relationship a teacher has with a partner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193b4e7-5a1c-7d2e-9f3a-4b5c6d7e8f90", "user_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1d",
    "teacher_name": null, "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "contact_id": "0193a1f2-9d8e-7f6a-8b5c-4d3e2f1a0b9c",
    "kinds": ["field_trip_host", "exhibition_review"], "since": "2024-09-01",
    "last_contact_on": "2026-10-20",
    "notes": "Brings her grade 8 class every spring; Dana reviews their exhibition drafts.",
    "version": 2, "created_at": "2026-11-24T14:05:31.204518Z",
    "updated_at": "2026-12-01T09:12:44.870263Z"
}))]
pub struct Relationship {
    /// The relationship's id (a UUID), assigned by the server.
    pub id: String,
    /// The teacher as a user of this service; `null` when named by `teacher_name`.
    pub user_id: Option<String>,
    /// The teacher's name when not a user; `null` when `user_id` is set.
    pub teacher_name: Option<String>,
    /// The teacher's school; `null` for a district-wide record.
    pub school_id: Option<String>,
    /// The partner the teacher knows.
    pub partner_id: String,
    /// The person at the partner the teacher knows; `null` if none (or deleted).
    pub contact_id: Option<String>,
    /// The kinds of interaction (partner offerings), without duplicates.
    pub kinds: Vec<Offering>,
    /// Since when the teacher has known the partner; `null` if unknown.
    pub since: Option<NaiveDate>,
    /// When last in touch; `null` if unknown.
    pub last_contact_on: Option<NaiveDate>,
    /// Free-text notes on the relationship; `null` if none.
    pub notes: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the relationship was recorded (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the relationship last changed (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

/// The filters of `GET /relationships`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelationshipQuery {
    /// Only relationships with this partner (an id).
    pub partner_id: Option<String>,
    /// Only relationships of teachers at this school (an id).
    pub school_id: Option<String>,
    /// Only relationships of this user (an id).
    pub user_id: Option<String>,
    /// Only relationships with this kind of interaction.
    pub kind: Option<Offering>,
}

pub struct Relationships;

impl Resource for Relationships {
    const TOPIC: Topic = Topic::published("relationship");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::PartnersWrite;

    type Row = RelationshipRow;
    type Input = RelationshipInput;
    type Output = Relationship;
    type Filter = RelationshipQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: RelationshipRow) -> Result<Relationship, ApiError> {
        Ok(Relationship {
            kinds: offerings_from_column(&row.kinds)?,
            id: row.id,
            user_id: row.user_id,
            teacher_name: row.teacher_name,
            school_id: row.school_id,
            partner_id: row.partner_id,
            contact_id: row.contact_id,
            since: row.since,
            last_contact_on: row.last_contact_on,
            notes: row.notes,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &RelationshipRow) -> Result<RelationshipInput, ApiError> {
        let r = Self::represent(row.clone())?;
        Ok(RelationshipInput {
            user_id: r.user_id,
            teacher_name: r.teacher_name,
            school_id: r.school_id,
            partner_id: Some(r.partner_id),
            contact_id: r.contact_id,
            kinds: Some(r.kinds),
            since: r.since,
            last_contact_on: r.last_contact_on,
            notes: r.notes,
        })
    }

    fn check(input: &RelationshipInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    fn build(
        _conn: &mut DbConnection,
        input: RelationshipInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&RelationshipRow>,
        _ctx: &CallerContext,
    ) -> Result<RelationshipRow, ApiError> {
        Ok(RelationshipRow {
            id: stamp.id,
            user_id: input.user_id,
            teacher_name: input.teacher_name,
            school_id: input.school_id,
            partner_id: input.partner_id.unwrap_or_default(),
            contact_id: input.contact_id,
            kinds: offerings_to_column(input.kinds.as_deref().unwrap_or_default()),
            since: input.since,
            last_contact_on: input.last_contact_on,
            notes: input.notes,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// The inventory is the district's own knowledge (notes, who knows whom): not for partner
    /// accounts.
    fn visible(caller: &Caller, _row: &RelationshipRow) -> bool {
        caller.role != Role::Partner
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &RelationshipRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(row.school_id.as_deref())
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: RelationshipQuery,
        page: &PageRequest,
    ) -> Result<Vec<RelationshipRow>, ApiError> {
        if ctx.caller.role == Role::Partner {
            return Ok(Vec::new());
        }
        let filter = RelationshipFilter {
            partner_id: query.partner_id,
            school_id: query.school_id,
            user_id: query.user_id,
            kind: query.kind.map(|k| k.as_str().to_owned()),
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// What it names exists, the contact is the partner's; staff write for their schools.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&RelationshipRow>,
        after: &RelationshipRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(after.school_id.as_deref())?;
        let mut references = References::new();
        references
            .to::<PartnerRow>(conn, "partner_id", "partner", Some(&after.partner_id))?
            .to::<SchoolRow>(conn, "school_id", "school", after.school_id.as_deref())?
            .to::<UserRow>(conn, "user_id", "user", after.user_id.as_deref())?;
        if let Some(problem) = crate::contacts::model::not_of_partner(
            conn,
            after.contact_id.as_deref(),
            &after.partner_id,
        )? {
            references.push(problem);
        }
        references.done()
    }
}
