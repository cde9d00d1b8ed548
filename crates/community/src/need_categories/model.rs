//! Need categories: their wire types and rules. Everyone who reads partners reads the
//! catalogue; only administrators change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, NeedRow};
use auth::Scope;
use directory::partners::model::{offerings_from_column, offerings_to_column, Offering};
use journal::Topic;
use kpis::kpi_definitions::model::any_slug;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp, Stored};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

/// The writable fields of a need category.
///
/// Across fields: `code` never changes (survey answers name the need by it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "internet_access", "name": "Internet access",
    "offerings": ["internet_access"]}))]
pub struct NeedInput {
    /// A stable slug; unique. Survey options name their need by it. It cannot change.
    #[serde(default)]
    #[validate(required, custom(function = "any_slug"))]
    #[schema(value_type = String, required = true, pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: Option<String>,
    /// The need's display name, one line (`Internet access`).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What the need covers, in plain text; optional.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The partner offerings that address this need: partners offering any of them are the
    /// ones a family with this need is pointed to. A set.
    #[serde(default)]
    #[validate(length(max = 23))]
    #[schema(max_items = 23)]
    pub offerings: Option<Vec<Offering>>,
}

/// A need families or partners may name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192b3c0-0000-7000-8000-000000000202",
    "code": "meeting_space",
    "name": "Meeting space",
    "description": "A room where families, clubs and committees can meet after school hours.",
    "offerings": ["facility", "meeting_space"],
    "version": 2,
    "created_at": "2026-12-01T00:00:00Z",
    "updated_at": "2026-12-03T15:42:10.218734Z"
}))]
pub struct NeedCategory {
    /// The category's id (a UUID).
    pub id: String,
    /// The category's stable slug, unique; survey options name the need by it.
    pub code: String,
    /// The need's display name.
    pub name: String,
    /// What the need covers; `null` when none was written.
    pub description: Option<String>,
    /// The partner offerings that address this need, sorted; may be empty.
    pub offerings: Vec<Offering>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the category was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When the category last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

platform::sort_enum! {
    /// Order of the catalogue: by `code` (the default), or by time; `-` for descending.
    pub enum NeedSort default Code {
        Code => "code": Name;
        CodeDesc => "-code": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /need-categories`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Only the needs this offering addresses.
    pub offering: Option<Offering>,
}

pub struct NeedCategories;

impl Resource for NeedCategories {
    const TOPIC: Topic = Topic::published("need_category");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::Admin;

    type Row = NeedRow;
    type Input = NeedInput;
    type Output = NeedCategory;
    type Filter = NeedQuery;
    type Sort = NeedSort;

    fn represent(row: NeedRow) -> Result<NeedCategory, ApiError> {
        Ok(NeedCategory {
            offerings: offerings_from_column(&row.offerings)?,
            id: row.id,
            code: row.code,
            name: row.name,
            description: row.description,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &NeedRow) -> Result<NeedInput, ApiError> {
        Ok(NeedInput {
            code: Some(row.code.clone()),
            name: Some(row.name.clone()),
            description: row.description.clone(),
            offerings: Some(offerings_from_column(&row.offerings)?),
        })
    }

    fn check(input: &NeedInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: NeedInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&NeedRow>,
        _ctx: &CallerContext,
    ) -> Result<NeedRow, ApiError> {
        Ok(NeedRow {
            id: stamp.id,
            code: input.code.unwrap_or_default(),
            name: input.name.unwrap_or_default(),
            description: input.description,
            offerings: offerings_to_column(input.offerings.as_deref().unwrap_or_default()),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A category is named by its id or by its code.
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
        query: NeedQuery,
        page: &PageRequest,
    ) -> Result<Vec<NeedRow>, ApiError> {
        Ok(store::page(
            conn,
            query.offering.map(Offering::as_str),
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The code is what survey options name: it never changes, and no other category has it.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        before: Option<&NeedRow>,
        after: &NeedRow,
    ) -> Result<(), ApiError> {
        if before.is_some_and(|b| b.code != after.code) {
            return Err(ApiError::field(
                "code",
                "immutable",
                "a need's code cannot change: survey options name the need by it",
            ));
        }
        if <store::NeedRow as Stored>::find_key(conn, &after.code)?
            .is_some_and(|other| other.id != after.id)
        {
            return Err(ApiError::Conflict(format!(
                "another need category has the code {:?}",
                after.code
            )));
        }
        Ok(())
    }
}
