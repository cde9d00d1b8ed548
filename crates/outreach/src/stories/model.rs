//! Stories: their wire types and rules. Staff write the stories of their schools,
//! administrators any; publishing needs the consent of those in the story. A partner reads the
//! published stories and those that name it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, StoryFilter, StoryRow};
use auth::{Caller, Role, Scope};
use commitments::agreements::AgreementWithParties;
use directory::partners::PartnerRow;
use directory::schools::SchoolRow;
use journal::Topic;
use kpis::kpi_progress::series::{build, KpiPoint, KpisQuery};
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::{sets, DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;
use privacy::Suppression;

platform::text_enum! {
    /// Where a story stands: written, on the public showcase, or taken down for good.
    pub enum StoryStatus {
        Draft => "draft",
        Published => "published",
        Archived => "archived",
    }
}

fn urls_valid(urls: &[String]) -> Result<(), validator::ValidationError> {
    for url in urls {
        if url.chars().count() > 2000 {
            return Err(validator::ValidationError::new("length"));
        }
        platform::http::text::http_url(url)?;
        platform::http::text::one_line(url)?;
    }
    Ok(())
}

fn urls_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::pattern_list_schema(
        10,
        2000,
        "^[hH][tT][tT][pP][sS]?://[^/\\s\\x00-\\x1F\\x7F-\\x9F][^\\s\\x00-\\x1F\\x7F-\\x9F]*$",
        "Photos and videos (http or https URLs, at most 10).",
    )
}

/// One KPI figure the story shows: the latest value of a series of the story's agreement, as
/// the reader may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Highlight {
    /// A KPI code of the catalogue.
    #[validate(custom(function = "kpis::kpi_definitions::model::any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub kpi_code: String,
    /// A student group code (`all` when left out).
    #[serde(default)]
    #[validate(custom(function = "kpis::kpi_definitions::model::any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub student_group: Option<String>,
    /// What the figure says ("of 8th graders exhibited their work").
    #[serde(default)]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub caption: Option<String>,
}

/// The writable fields of a story.
///
/// Across fields: a `highlight` needs an `agreement_id`; `status: published` needs
/// `consent_confirmed: true`; `status` moves draft → published → archived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Eighth graders curate the museum", "slug": "eighth-graders-curate",
    "summary": "Students of Lincoln put their history projects in front of the town.",
    "body": "Ninety students **curated** an exhibition with the Kennebec Museum…",
    "agreement_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "partner_ids": ["0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8e"],
    "school_ids": ["0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8f"],
    "highlight": {"kpi_code": "students_served", "caption": "students exhibited their work"},
    "media_urls": ["https://photos.district.example/museum-night.jpg"],
    "consent_confirmed": true, "status": "draft"}))]
pub struct StoryInput {
    /// The story's headline, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// The story's address on the showcase (`/public/stories/{slug}`); unique.
    #[serde(default)]
    #[validate(required, custom(function = "platform::http::text::hyphen_slug"))]
    #[schema(value_type = String, required = true, max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// A short teaser, plain text, shown in lists and the feed; optional.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub summary: Option<String>,
    /// Markdown; readers get it as sanitised HTML too.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required, length(min = 1, max = 50000))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 50000)]
    pub body: Option<String>,
    /// The agreement the story is about; needed for a `highlight`. Optional.
    #[serde(default, deserialize_with = "trimmed")]
    pub agreement_id: Option<String>,
    /// The partners in the story; a set.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub partner_ids: Option<Vec<String>>,
    /// The schools in the story; a set.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub school_ids: Option<Vec<String>>,
    /// One KPI figure of the agreement to show with the story; optional.
    #[serde(default)]
    #[validate(nested)]
    pub highlight: Option<Highlight>,
    /// Photos and videos (http or https URLs, at most 10).
    #[serde(default)]
    #[validate(length(max = 10), custom(function = "urls_valid"))]
    #[schema(schema_with = urls_schema)]
    pub media_urls: Option<Vec<String>>,
    /// Those in the story (and their families, for students) agreed to its publication.
    #[serde(default)]
    pub consent_confirmed: Option<bool>,
    /// `draft` when left out.
    #[serde(default)]
    pub status: Option<StoryStatus>,
}

impl StoryInput {
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.highlight.is_some() && self.agreement_id.is_none() {
            problems.push(FieldError::new(
                "highlight",
                "needs_agreement",
                "a highlighted figure is a series of the story's agreement: set agreement_id",
            ));
        }
        if self.status == Some(StoryStatus::Published) && self.consent_confirmed != Some(true) {
            problems.push(FieldError::new(
                "consent_confirmed",
                "consent_required",
                "a story is published only with the consent of those in it: consent_confirmed must be true",
            ));
        }
        problems
    }
}

/// Whether a story may move from `from` to `to`.
pub fn may_move(from: StoryStatus, to: StoryStatus) -> bool {
    use StoryStatus::*;
    from == to || matches!((from, to), (Draft, Published) | (Published, Archived))
}

/// The highlighted figure as read.
#[derive(Debug, Serialize, ToSchema)]
pub struct HighlightFigure {
    /// The KPI's code.
    pub kpi_code: String,
    /// The student group's code (`all` for every student).
    pub student_group: String,
    /// What the figure says; `null` when none was written.
    pub caption: Option<String>,
    /// The series' latest period in the three years up to today, as the reader may see it
    /// (`value: null, suppressed: true` when too few students are behind it); `null` when the
    /// series has none.
    pub latest: Option<KpiPoint>,
}

/// A story.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193c2d8-3e4f-7a5b-8c6d-7e8f9a0b1c2d", "title": "Eighth graders curate the museum",
    "slug": "eighth-graders-curate",
    "summary": "Gardiner eighth graders put their town-history projects in front of the town.",
    "body": "Ninety eighth graders **curated** a museum exhibition.",
    "body_html": "<p>Ninety eighth graders <strong>curated</strong> a museum exhibition.</p>\n",
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2d",
    "partner_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"],
    "school_ids": ["0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e"],
    "highlight": {
        "kpi_code": "students_served", "student_group": "all",
        "caption": "students exhibited their work",
        "latest": {
            "period_start": "2026-09-01", "period_end": "2026-10-31", "value": 90.0, "n": 90,
            "records": 1, "suppressed": false
        }
    },
    "media_urls": ["https://photos.district.example/museum-night.jpg"], "consent_confirmed": true,
    "status": "published", "published_at": "2026-11-23T19:20:00.123456Z", "version": 3,
    "created_at": "2026-11-18T16:42:07.318204Z", "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Story {
    /// The story's id (a UUID).
    pub id: String,
    /// The story's headline.
    pub title: String,
    /// The story's address on the showcase (`/public/stories/{slug}`).
    pub slug: String,
    /// A short teaser; `null` when none was written.
    pub summary: Option<String>,
    /// Markdown, as written.
    pub body: String,
    /// The body as sanitised HTML.
    pub body_html: String,
    /// The agreement the story is about; `null` when none.
    pub agreement_id: Option<String>,
    /// The partners in the story, sorted; may be empty.
    pub partner_ids: Vec<String>,
    /// The schools in the story, sorted; may be empty.
    pub school_ids: Vec<String>,
    /// The highlighted KPI figure, as this caller may see it; `null` when none.
    pub highlight: Option<HighlightFigure>,
    /// Photos and videos (http or https URLs).
    pub media_urls: Vec<String>,
    /// Whether those in the story agreed to its publication.
    pub consent_confirmed: bool,
    /// `draft`, `published` (on the public showcase) or `archived` (taken down).
    pub status: StoryStatus,
    /// When it was first published (UTC); `null` until then, and kept once set.
    pub published_at: Option<DateTime<Utc>>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the story was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the story last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("stored story {what} cannot be read: {e}"))
}

pub fn stored_highlight(row: &StoryRow) -> Result<Option<Highlight>, ApiError> {
    row.highlight
        .as_deref()
        .map(|h| serde_json::from_str(h).map_err(|e| corrupt("highlight", e)))
        .transpose()
}

/// The latest point of the highlighted series, as `suppression` lets it be seen.
pub fn figure(
    conn: &mut DbConnection,
    agreement: Option<&str>,
    highlight: Highlight,
    suppression: Suppression,
) -> Result<HighlightFigure, ApiError> {
    let group = highlight.student_group.unwrap_or_else(|| "all".into());
    let today = platform::db::today();
    let latest = match agreement {
        Some(agreement) => {
            let from = today
                .checked_sub_days(chrono::Days::new(1096))
                .unwrap_or(today);
            let query = KpisQuery {
                kpi: Some(highlight.kpi_code.clone()),
                student_group: Some(group.clone()),
                from: Some(from),
                to: Some(today),
            };
            build(conn, agreement, &query, suppression)?
                .into_iter()
                .next()
                .and_then(|p| p.latest)
        }
        None => None,
    };
    Ok(HighlightFigure {
        kpi_code: highlight.kpi_code,
        student_group: group,
        caption: highlight.caption,
        latest,
    })
}

/// The filters of `GET /stories`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StoryQuery {
    /// Only stories in this status.
    #[param(inline)]
    pub status: Option<StoryStatus>,
    /// Only the stories about this agreement.
    pub agreement_id: Option<String>,
    /// Only the stories that name this partner.
    pub partner_id: Option<String>,
    /// Only the stories that name this school.
    pub school_id: Option<String>,
}

pub struct Stories;

impl Resource for Stories {
    const TOPIC: Topic = Topic::published("story");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = StoryRow;
    type Input = StoryInput;
    type Output = Story;
    type Filter = StoryQuery;
    type Sort = platform::db::keyset::ListSort;

    /// The highlight's figure needs the database and the reader: `for_caller` fills it.
    fn represent(row: StoryRow) -> Result<Story, ApiError> {
        let highlight = stored_highlight(&row)?.map(|h| HighlightFigure {
            student_group: h.student_group.unwrap_or_else(|| "all".into()),
            kpi_code: h.kpi_code,
            caption: h.caption,
            latest: None,
        });
        Ok(Story {
            status: StoryStatus::parse(&row.status)
                .ok_or_else(|| corrupt("status", &row.status))?,
            media_urls: serde_json::from_str(&row.media_urls)
                .map_err(|e| corrupt("media_urls", e))?,
            partner_ids: sets::from_column(&row.partner_ids),
            school_ids: sets::from_column(&row.school_ids),
            body_html: platform::http::markdown::to_html(&row.body),
            highlight,
            id: row.id,
            title: row.title,
            slug: row.slug,
            summary: row.summary,
            body: row.body,
            agreement_id: row.agreement_id,
            consent_confirmed: row.consent_confirmed,
            published_at: row.published_at.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn for_caller(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        mut outputs: Vec<Story>,
    ) -> Result<Vec<Story>, ApiError> {
        let suppression = Suppression::for_caller(ctx.caller, ctx.policy.kpi_min_cell_size);
        for story in &mut outputs {
            if let Some(h) = story.highlight.take() {
                let highlight = Highlight {
                    kpi_code: h.kpi_code,
                    student_group: Some(h.student_group),
                    caption: h.caption,
                };
                story.highlight = Some(figure(
                    conn,
                    story.agreement_id.as_deref(),
                    highlight,
                    suppression,
                )?);
            }
        }
        Ok(outputs)
    }

    fn writable(row: &StoryRow) -> Result<StoryInput, ApiError> {
        let s = Self::represent(row.clone())?;
        Ok(StoryInput {
            title: Some(s.title),
            slug: Some(s.slug),
            summary: s.summary,
            body: Some(s.body),
            agreement_id: s.agreement_id,
            partner_ids: Some(s.partner_ids),
            school_ids: Some(s.school_ids),
            highlight: stored_highlight(row)?,
            media_urls: Some(s.media_urls),
            consent_confirmed: Some(s.consent_confirmed),
            status: Some(s.status),
        })
    }

    fn check(input: &StoryInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    fn build(
        _conn: &mut DbConnection,
        input: StoryInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&StoryRow>,
        _ctx: &CallerContext,
    ) -> Result<StoryRow, ApiError> {
        let status = input.status.unwrap_or(StoryStatus::Draft);
        // Published once, dated once.
        let published_at = match current.and_then(|c| c.published_at) {
            Some(at) => Some(at),
            None if status == StoryStatus::Published => Some(stamp.updated_at),
            None => None,
        };
        let highlight = input
            .highlight
            .map(|h| {
                serde_json::to_string(&Highlight {
                    student_group: Some(h.student_group.unwrap_or_else(|| "all".into())),
                    ..h
                })
            })
            .transpose()
            .map_err(|e| ApiError::Internal(format!("cannot store the highlight: {e}")))?;
        let media: Vec<String> = input
            .media_urls
            .unwrap_or_default()
            .into_iter()
            .map(|u| u.trim().to_owned())
            .collect();
        Ok(StoryRow {
            id: stamp.id,
            title: input.title.unwrap_or_default(),
            slug: input.slug.unwrap_or_default(),
            summary: input.summary,
            body: input.body.unwrap_or_default(),
            agreement_id: input.agreement_id,
            partner_ids: sets::to_column(input.partner_ids.as_deref().unwrap_or_default()),
            school_ids: sets::to_column(input.school_ids.as_deref().unwrap_or_default()),
            highlight,
            media_urls: serde_json::to_string(&media)
                .map_err(|e| ApiError::Internal(format!("cannot store media: {e}")))?,
            consent_confirmed: input.consent_confirmed.unwrap_or(false),
            status: status.as_str().to_owned(),
            published_at,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner reads the published stories and those that name it.
    fn visible(caller: &Caller, row: &StoryRow) -> bool {
        caller.partner_scope().is_none_or(|own| {
            row.status == StoryStatus::Published.as_str() || sets::contains(&row.partner_ids, &own)
        })
    }

    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &StoryRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_schools(&sets::from_column(&row.school_ids))
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: StoryQuery,
        page: &PageRequest,
    ) -> Result<Vec<StoryRow>, ApiError> {
        let filter = StoryFilter {
            status: query.status.map(|s| s.as_str().to_owned()),
            agreement_id: query.agreement_id,
            partner_id: query.partner_id,
            school_id: query.school_id,
            published_or_naming: match ctx.caller.role {
                Role::Partner => Some(ctx.caller.partner_scope().unwrap_or_default()),
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

    /// What the story names exists; the status moves forward; the slug is free; staff write
    /// for their schools.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&StoryRow>,
        after: &StoryRow,
    ) -> Result<(), ApiError> {
        let schools = sets::from_column(&after.school_ids);
        ctx.caller.check_schools(&schools)?;
        // Only what this write adds is looked up: a partner deleted since stays named, and
        // does not block the story's other changes.
        let had = |column: Option<&str>, id: &str| column.is_some_and(|c| sets::contains(c, id));
        let mut references = References::new();
        if before.is_none_or(|b| b.agreement_id != after.agreement_id) {
            references.to::<AgreementWithParties>(
                conn,
                "agreement_id",
                "agreement",
                after.agreement_id.as_deref(),
            )?;
        }
        for (i, partner) in sets::from_column(&after.partner_ids).iter().enumerate() {
            if !had(before.map(|b| b.partner_ids.as_str()), partner) {
                references.to::<PartnerRow>(
                    conn,
                    &format!("partner_ids[{i}]"),
                    "partner",
                    Some(partner),
                )?;
            }
        }
        for (i, school) in schools.iter().enumerate() {
            if !had(before.map(|b| b.school_ids.as_str()), school) {
                references.to::<SchoolRow>(
                    conn,
                    &format!("school_ids[{i}]"),
                    "school",
                    Some(school),
                )?;
            }
        }
        // Staff show only figures of agreements with one of their schools.
        if let (Role::Staff, Some(agreement)) = (ctx.caller.role, &after.agreement_id) {
            if let Some(loaded) = <AgreementWithParties as pipeline::Stored>::find(conn, agreement)?
            {
                if !loaded
                    .schools
                    .iter()
                    .any(|s| ctx.caller.school_ids.contains(s))
                {
                    return Err(ApiError::Forbidden(
                        "staff tell the stories of agreements with their schools".into(),
                    ));
                }
            }
        }
        if let Some(h) = stored_highlight(after)? {
            let catalogue = kpis::kpi_progress::series::catalogue(conn)?;
            if !catalogue.values().any(|k| k.code == h.kpi_code) {
                references.push(FieldError::new(
                    "highlight.kpi_code",
                    "not_found",
                    format!("no KPI has the code {:?}", h.kpi_code),
                ));
            }
        }
        if let Some(before) = before {
            let from = StoryStatus::parse(&before.status).unwrap_or(StoryStatus::Draft);
            let to = StoryStatus::parse(&after.status).unwrap_or(StoryStatus::Draft);
            if !may_move(from, to) {
                references.push(FieldError::new(
                    "status",
                    "invalid_transition",
                    format!(
                        "a story moves draft → published → archived; not {} → {}",
                        from.as_str(),
                        to.as_str()
                    ),
                ));
            }
        }
        references.done()?;
        if store::by_slug(conn, &after.slug)?.is_some_and(|other| other.id != after.id) {
            return Err(ApiError::Conflict(format!(
                "another story has the slug {:?}",
                after.slug
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_move_forward_only() {
        use StoryStatus::*;
        assert!(may_move(Draft, Published));
        assert!(may_move(Published, Archived));
        assert!(!may_move(Archived, Published));
        assert!(!may_move(Published, Draft));
        assert!(!may_move(Draft, Archived));
    }
}
