//! Procedures: their wire types and rules. Administrators write them; everyone who reads
//! agreements reads them, a partner only those addressed to partners.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ProcedureFilter, ProcedureRow, VERSIONS};
use crate::agreements::store::AgreementWithParties;
use auth::{Caller, Role, Scope};
use directory::continuum::LevelRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{sets, DbConnection, Stamp};
use platform::error::{check_all, ApiError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// Whom a procedure is for.
    pub enum ProcedureAudience {
        Teachers => "teachers",
        Partners => "partners",
        Families => "families",
        Staff => "staff",
    }
}

fn tags_valid(tags: &[String]) -> Result<(), validator::ValidationError> {
    tags.iter()
        .try_for_each(|t| platform::http::text::hyphen_slug(t))
}

fn tags_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::pattern_list_schema(
        20,
        100,
        "^[a-z0-9]+(-[a-z0-9]+)*$",
        "Lower-case words joined by hyphens; a set.",
    )
}

/// The writable fields of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Welcoming a guest speaker", "audience": "teachers",
    "body": "1. Check the partner's vetting is **approved**.\n2. Sign them in at the office.",
    "tags": ["vetting", "visitors"], "continuum_level_ids": [], "agreement_ids": []}))]
pub struct ProcedureInput {
    /// The procedure's title, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// Whom it is for; partner accounts read only those for `partners`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = ProcedureAudience, required = true)]
    pub audience: Option<ProcedureAudience>,
    /// Markdown; readers get it as sanitised HTML too.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 50000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 50000)]
    pub body: Option<String>,
    /// Lower-case words joined by hyphens; a set.
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "tags_valid"))]
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
    /// The continuum levels it applies to; a set.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub continuum_level_ids: Option<Vec<String>>,
    /// The agreements it applies to; a set.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub agreement_ids: Option<Vec<String>>,
}

/// A standard operating procedure.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0d01",
    "title": "Welcoming a guest speaker",
    "audience": "teachers",
    "body": "Check that the speaker's vetting is **approved**.",
    "body_html": "<p>Check that the speaker's vetting is <strong>approved</strong>.</p>\n",
    "tags": ["vetting", "visitors"],
    "continuum_level_ids": [],
    "agreement_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a"],
    "version": 2,
    "created_at": "2026-09-02T08:47:13.390561Z",
    "updated_at": "2026-10-05T12:03:58.214470Z"
}))]
pub struct Procedure {
    /// The procedure's id (a UUID).
    pub id: String,
    /// The procedure's title.
    pub title: String,
    /// Whom it is for.
    pub audience: ProcedureAudience,
    /// Markdown, as written.
    pub body: String,
    /// The body as sanitised HTML.
    pub body_html: String,
    /// Its tags, sorted; may be empty.
    pub tags: Vec<String>,
    /// The continuum levels it applies to, sorted; may be empty.
    pub continuum_level_ids: Vec<String>,
    /// The agreements it applies to, sorted; may be empty.
    pub agreement_ids: Vec<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes. Every version
    /// is kept: `/procedures/{id}/versions`.
    pub version: i64,
    /// When the procedure was written (UTC).
    pub created_at: DateTime<Utc>,
    /// When the procedure last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// The filters of `GET /procedures`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProcedureQuery {
    /// Only procedures for this audience (partner accounts: only `partners` finds any).
    #[param(inline)]
    pub audience: Option<ProcedureAudience>,
    /// Only procedures with this tag.
    pub tag: Option<String>,
    /// Only procedures linked to this continuum level.
    pub continuum_level_id: Option<String>,
    /// Only procedures linked to this agreement.
    pub agreement_id: Option<String>,
}

/// Whether the caller reads procedures for `audience`: a partner, those for partners.
pub fn reads_audience(caller: &Caller, audience: &str) -> bool {
    caller.role != Role::Partner || audience == ProcedureAudience::Partners.as_str()
}

pub struct Procedures;

impl Resource for Procedures {
    const TOPIC: Topic = Topic::published("procedure");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::Admin;

    type Row = ProcedureRow;
    type Input = ProcedureInput;
    type Output = Procedure;
    type Filter = ProcedureQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: ProcedureRow) -> Result<Procedure, ApiError> {
        Ok(Procedure {
            audience: ProcedureAudience::parse(&row.audience).ok_or_else(|| {
                ApiError::Internal(format!("stored audience {:?} is unknown", row.audience))
            })?,
            body_html: platform::http::markdown::to_html(&row.body),
            tags: sets::from_column(&row.tags),
            continuum_level_ids: sets::from_column(&row.continuum_level_ids),
            agreement_ids: sets::from_column(&row.agreement_ids),
            id: row.id,
            title: row.title,
            body: row.body,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &ProcedureRow) -> Result<ProcedureInput, ApiError> {
        let p = Self::represent(row.clone())?;
        Ok(ProcedureInput {
            title: Some(p.title),
            audience: Some(p.audience),
            body: Some(p.body),
            tags: Some(p.tags),
            continuum_level_ids: Some(p.continuum_level_ids),
            agreement_ids: Some(p.agreement_ids),
        })
    }

    fn check(input: &ProcedureInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: ProcedureInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&ProcedureRow>,
        _ctx: &CallerContext,
    ) -> Result<ProcedureRow, ApiError> {
        Ok(ProcedureRow {
            id: stamp.id,
            title: input.title.unwrap_or_default(),
            audience: input
                .audience
                .unwrap_or(ProcedureAudience::Staff)
                .as_str()
                .to_owned(),
            body: input.body.unwrap_or_default(),
            tags: sets::to_column(input.tags.as_deref().unwrap_or_default()),
            continuum_level_ids: sets::to_column(
                input.continuum_level_ids.as_deref().unwrap_or_default(),
            ),
            agreement_ids: sets::to_column(input.agreement_ids.as_deref().unwrap_or_default()),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        pipeline::admin_writes(ctx, access)
    }

    fn visible(caller: &Caller, row: &ProcedureRow) -> bool {
        reads_audience(caller, &row.audience)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: ProcedureQuery,
        page: &PageRequest,
    ) -> Result<Vec<ProcedureRow>, ApiError> {
        let partner = ctx.caller.role == Role::Partner;
        if partner
            && query
                .audience
                .is_some_and(|a| a != ProcedureAudience::Partners)
        {
            return Ok(Vec::new());
        }
        let filter = ProcedureFilter {
            audience: match partner {
                true => Some(ProcedureAudience::Partners.as_str().to_owned()),
                false => query.audience.map(|a| a.as_str().to_owned()),
            },
            tag: query.tag,
            continuum_level_id: query.continuum_level_id,
            agreement_id: query.agreement_id,
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The continuum levels and agreements this write adds exist (one linked before and
    /// deleted since stays, and does not block other changes).
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        before: Option<&ProcedureRow>,
        after: &ProcedureRow,
    ) -> Result<(), ApiError> {
        let had = |column: Option<&str>, id: &str| column.is_some_and(|c| sets::contains(c, id));
        let mut references = References::new();
        for (i, level) in sets::from_column(&after.continuum_level_ids)
            .iter()
            .enumerate()
        {
            if !had(before.map(|b| b.continuum_level_ids.as_str()), level) {
                references.to::<LevelRow>(
                    conn,
                    &format!("continuum_level_ids[{i}]"),
                    "continuum level",
                    Some(level),
                )?;
            }
        }
        for (i, agreement) in sets::from_column(&after.agreement_ids).iter().enumerate() {
            if !had(before.map(|b| b.agreement_ids.as_str()), agreement) {
                references.to::<AgreementWithParties>(
                    conn,
                    &format!("agreement_ids[{i}]"),
                    "agreement",
                    Some(agreement),
                )?;
            }
        }
        references.done()
    }

    /// Every version is kept whole, for the history and its diffs.
    fn after_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&ProcedureRow>,
        after: &ProcedureRow,
    ) -> Result<(), ApiError> {
        let action = match before {
            Some(_) => "update",
            None => "create",
        };
        VERSIONS.record(
            conn,
            &pipeline::Stored::stamp(after),
            &Self::represent(after.clone())?,
            action,
            ctx.actor,
        )
    }

    /// Its history goes with it (the audit trail keeps the last version).
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &ProcedureRow,
    ) -> Result<(), ApiError> {
        VERSIONS.forget(conn, &row.id)?;
        Ok(())
    }
}
