//! Continuum levels: their wire types, rules and scoping. Everyone who reads partners reads
//! the levels; only administrators change the district's scale.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, LevelRow};
use auth::Scope;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

fn examples_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::described(
        platform::http::text::text_list_schema(20, 200, false),
        "Up to 20 examples, each 1 to 200 characters.",
    )
}

fn examples_valid(examples: &[String]) -> Result<(), validator::ValidationError> {
    if examples
        .iter()
        .all(|e| (1..=200).contains(&e.trim().chars().count()))
    {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("length");
        e.message = Some("every example must be 1 to 200 characters".into());
        Err(e)
    }
}

/// The writable fields of a continuum level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rank": 3, "name": "Collaborator", "description": "Recurring engagement planned with a school.",
    "examples": ["regular field trips", "job shadowing"]}))]
pub struct LevelInput {
    /// Position on the scale, 1 = lightest involvement; unique.
    #[serde(default)]
    #[validate(required, range(min = 1, max = 100))]
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 100)]
    pub rank: Option<i32>,
    /// The level's name: required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 100),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What partnering at this level looks like, in free text.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Up to 20 examples, each 1 to 200 characters.
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "examples_valid"))]
    #[schema(schema_with = examples_schema)]
    pub examples: Option<Vec<String>>,
    /// The district's own id for the level; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
}

/// A level of the district's partnership continuum.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-5f6a-7b7c-8d8e-9f0a1b2c3d4e",
    "rank": 3,
    "name": "Collaborator",
    "description": "Recurring engagement planned with a school.",
    "examples": ["regular field trips", "job shadowing"],
    "external_id": "CL-3",
    "version": 1,
    "created_at": "2026-08-03T12:00:05.204417Z",
    "updated_at": "2026-08-03T12:00:05.204417Z"
}))]
pub struct ContinuumLevel {
    /// The level's id (a UUID); partners name it in `continuum_level_id`.
    pub id: String,
    /// Position on the scale, 1 = lightest involvement; unique.
    pub rank: i32,
    /// The level's name.
    pub name: String,
    /// What partnering at this level looks like; `null` if unset.
    pub description: Option<String>,
    /// Examples of engagement at this level (trimmed); empty if none.
    pub examples: Vec<String>,
    /// The district's own id for the level; `null` if unset.
    pub external_id: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the level was created (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the level last changed (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

impl From<LevelRow> for ContinuumLevel {
    fn from(row: LevelRow) -> Self {
        ContinuumLevel {
            examples: serde_json::from_str(&row.examples).unwrap_or_default(),
            id: row.id,
            rank: row.rank,
            name: row.name,
            description: row.description,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

platform::sort_enum! {
    /// Order of the continuum: by `rank` (the default, lightest involvement first), name, or
    /// time; `-` for descending.
    pub enum LevelSort default Rank {
        Rank => "rank": Rank;
        RankDesc => "-rank": Rank desc;
        Name => "name": Name;
        NameDesc => "-name": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// `GET /continuum-levels` has no filters but `updated_since`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    /// Only levels changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

pub struct ContinuumLevels;

impl Resource for ContinuumLevels {
    const TOPIC: Topic = Topic::published("continuum_level");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::Admin;

    type Row = LevelRow;
    type Input = LevelInput;
    type Output = ContinuumLevel;
    type Filter = LevelQuery;
    type Sort = LevelSort;

    fn represent(row: LevelRow) -> Result<ContinuumLevel, ApiError> {
        Ok(ContinuumLevel::from(row))
    }

    fn writable(row: &LevelRow) -> Result<LevelInput, ApiError> {
        Ok(LevelInput {
            rank: Some(row.rank),
            name: Some(row.name.clone()),
            description: row.description.clone(),
            examples: Some(serde_json::from_str(&row.examples).unwrap_or_default()),
            external_id: row.external_id.clone(),
        })
    }

    fn check(input: &LevelInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: LevelInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&LevelRow>,
        _ctx: &CallerContext,
    ) -> Result<LevelRow, ApiError> {
        let examples: Vec<String> = input
            .examples
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.trim().to_owned())
            .collect();
        Ok(LevelRow {
            id: stamp.id,
            external_id: input.external_id,
            rank: input.rank.unwrap_or_default(),
            name: input.name.unwrap_or_default(),
            description: input.description,
            examples: serde_json::to_string(&examples)
                .map_err(|e| ApiError::Internal(format!("examples: {e}")))?,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// The scale is the district's: an administrator's role, not only the scope, changes it.
    fn authorize(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        pipeline::admin_writes(ctx, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        query: LevelQuery,
        page: &PageRequest,
    ) -> Result<Vec<LevelRow>, ApiError> {
        Ok(store::list(
            conn,
            query.updated_since,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }
}
