//! Facilities: their wire types and rules. Staff of the school keep its facilities,
//! administrators any; everyone who reads agreements reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, FacilityFilter, FacilityRow};
use auth::Scope;
use directory::schools::SchoolRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// What kind of space.
    pub enum FacilityKind {
        Gym => "gym",
        ComputerLab => "computer_lab",
        Library => "library",
        Auditorium => "auditorium",
        Classroom => "classroom",
        Field => "field",
        Kitchen => "kitchen",
    }
}

/// The writable fields of a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "name": "North gym", "kind": "gym", "capacity": 250,
    "accessibility": "Step-free entrance on Oak Street; accessible restrooms",
    "rules": "No outdoor shoes on the court", "community_requestable": true}))]
pub struct FacilityInput {
    /// The school the space belongs to; must exist (staff: one of their schools).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub school_id: Option<String>,
    /// The space's name, one line (`North gym`).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What kind of space it is.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = FacilityKind, required = true)]
    pub kind: Option<FacilityKind>,
    /// How many people it holds.
    #[serde(default)]
    #[validate(range(min = 1, max = 100000))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<u32>,
    /// How people with disabilities get in and around (step-free entrance, restrooms…).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub accessibility: Option<String>,
    /// The house rules for those who use it; shown publicly for requestable spaces.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub rules: Option<String>,
    /// Whether partners and community groups may ask for it (`false` when left out).
    #[serde(default)]
    pub community_requestable: Option<bool>,
}

/// A school's space.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-6a7b-7c8d-9e9f-0a1b2c3d4e5f",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "name": "North gym",
    "kind": "gym",
    "capacity": 250,
    "accessibility": "Step-free entrance on Oak Street; accessible restrooms",
    "rules": "No outdoor shoes on the court",
    "community_requestable": true,
    "version": 2,
    "created_at": "2026-09-02T13:10:22.615830Z",
    "updated_at": "2026-10-06T18:41:57.092214Z"
}))]
pub struct Facility {
    /// The facility's id (a UUID).
    pub id: String,
    /// The school the space belongs to.
    pub school_id: String,
    /// The space's name.
    pub name: String,
    /// What kind of space it is.
    pub kind: FacilityKind,
    /// How many people it holds; `null` when not given.
    pub capacity: Option<u32>,
    /// Access for people with disabilities; `null` when not described.
    pub accessibility: Option<String>,
    /// The house rules; `null` when none are written.
    pub rules: Option<String>,
    /// Whether partners and community groups may ask for it (and it is listed publicly).
    pub community_requestable: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the facility was described (UTC).
    pub created_at: DateTime<Utc>,
    /// When the description last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// The filters of `GET /facilities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FacilityQuery {
    /// Only this school's facilities.
    pub school_id: Option<String>,
    /// Only facilities of this kind.
    #[param(inline)]
    pub kind: Option<FacilityKind>,
    /// `true`: only those open to community requests; `false`: only those that are not.
    pub community_requestable: Option<bool>,
}

pub struct Facilities;

impl Resource for Facilities {
    const TOPIC: Topic = Topic::published("facility");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = FacilityRow;
    type Input = FacilityInput;
    type Output = Facility;
    type Filter = FacilityQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: FacilityRow) -> Result<Facility, ApiError> {
        Ok(Facility {
            kind: FacilityKind::parse(&row.kind).ok_or_else(|| {
                ApiError::Internal(format!("stored facility kind {:?} is unknown", row.kind))
            })?,
            capacity: row.capacity.and_then(|c| u32::try_from(c).ok()),
            id: row.id,
            school_id: row.school_id,
            name: row.name,
            accessibility: row.accessibility,
            rules: row.rules,
            community_requestable: row.community_requestable,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &FacilityRow) -> Result<FacilityInput, ApiError> {
        let f = Self::represent(row.clone())?;
        Ok(FacilityInput {
            school_id: Some(f.school_id),
            name: Some(f.name),
            kind: Some(f.kind),
            capacity: f.capacity,
            accessibility: f.accessibility,
            rules: f.rules,
            community_requestable: Some(f.community_requestable),
        })
    }

    fn check(input: &FacilityInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: FacilityInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&FacilityRow>,
        _ctx: &CallerContext,
    ) -> Result<FacilityRow, ApiError> {
        Ok(FacilityRow {
            id: stamp.id,
            school_id: input.school_id.unwrap_or_default(),
            name: input.name.unwrap_or_default(),
            kind: input
                .kind
                .unwrap_or(FacilityKind::Classroom)
                .as_str()
                .to_owned(),
            capacity: input.capacity.and_then(|c| i32::try_from(c).ok()),
            accessibility: input.accessibility,
            rules: input.rules,
            community_requestable: input.community_requestable.unwrap_or(false),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &FacilityRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_schools(std::slice::from_ref(&row.school_id))
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        query: FacilityQuery,
        page: &PageRequest,
    ) -> Result<Vec<FacilityRow>, ApiError> {
        let filter = FacilityFilter {
            school_id: query.school_id,
            kind: query.kind.map(|k| k.as_str().to_owned()),
            community_requestable: query.community_requestable,
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The school exists; staff keep the facilities of their schools.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&FacilityRow>,
        after: &FacilityRow,
    ) -> Result<(), ApiError> {
        References::new()
            .to::<SchoolRow>(conn, "school_id", "school", Some(&after.school_id))?
            .done()?;
        ctx.caller
            .check_schools(std::slice::from_ref(&after.school_id))
    }

    /// A facility with bookings is kept (stop community requests instead).
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &FacilityRow,
    ) -> Result<(), ApiError> {
        if store::has_bookings(conn, &row.id)? {
            return Err(ApiError::Conflict(
                "the facility has bookings: set community_requestable to false instead".into(),
            ));
        }
        Ok(())
    }
}
