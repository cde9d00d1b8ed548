//! The public showcase: published stories as anyone may read them, without internal fields,
//! their highlighted figures suppressed as for the public.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{figure, stored_highlight, HighlightFigure, StoryStatus};
use super::store::StoryRow;
use platform::db::{sets, DbConnection};
use platform::error::ApiError;
use privacy::Suppression;

/// The most stories one answer (or the feed) lists.
pub const MAX_STORIES: i64 = 50;

/// The parameters of `GET /public/stories` and of the feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicStoriesQuery {
    /// Only the stories of this school.
    pub school_id: Option<String>,
    /// How many, newest first (1 to 50, default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// A published story as the public reads it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "title": "Eighth graders curate the museum", "slug": "eighth-graders-curate",
    "summary": "Gardiner eighth graders put their town-history projects in front of the town.",
    "body_html": "<p>Ninety eighth graders <strong>curated</strong> a museum exhibition.</p>\n",
    "media_urls": ["https://photos.district.example/museum-night.jpg"],
    "partners": ["Kennebec River Museum"], "schools": ["Gardiner Regional Middle School"],
    "highlight": {
        "kpi_code": "students_served", "student_group": "all",
        "caption": "students exhibited their work",
        "latest": {
            "period_start": "2026-09-01", "period_end": "2026-10-31", "value": 90.0, "n": 90,
            "records": 1, "suppressed": false
        }
    },
    "published_at": "2026-11-23T19:20:00.123456Z", "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct PublicStory {
    /// The story's headline.
    pub title: String,
    /// The story's address: `/public/stories/{slug}`.
    pub slug: String,
    /// A short teaser; `null` when none was written.
    pub summary: Option<String>,
    /// The story, as sanitised HTML.
    pub body_html: String,
    /// Photos and videos (http or https URLs).
    pub media_urls: Vec<String>,
    /// The partners' names.
    pub partners: Vec<String>,
    /// The schools' names.
    pub schools: Vec<String>,
    /// Suppressed as for anyone without an account.
    pub highlight: Option<HighlightFigure>,
    /// When it was first published (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// When the story last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// Published stories, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "data": [
        {
            "title": "Eighth graders curate the museum", "slug": "eighth-graders-curate",
            "summary":
                "Gardiner eighth graders put their town-history projects in front of the town.",
            "body_html":
                "<p>Ninety eighth graders <strong>curated</strong> a museum exhibition.</p>\n",
            "media_urls": ["https://photos.district.example/museum-night.jpg"],
            "partners": ["Kennebec River Museum"], "schools": ["Gardiner Regional Middle School"],
            "highlight": {
                "kpi_code": "students_served", "student_group": "all",
                "caption": "students exhibited their work",
                "latest": {
                    "period_start": "2026-09-01", "period_end": "2026-10-31", "value": 90.0,
                    "n": 90, "records": 1, "suppressed": false
                }
            },
            "published_at": "2026-11-23T19:20:00.123456Z",
            "updated_at": "2026-11-23T19:20:00.123456Z"
        },
        {
            "title": "A homework club at the library", "slug": "library-homework-club",
            "summary": null,
            "body_html":
                "<p>Forty students came to the homework club every week this autumn.</p>\n",
            "media_urls": [], "partners": ["Gardiner Public Library"],
            "schools": ["Laura E. Richards School"], "highlight": null,
            "published_at": "2026-10-02T13:10:45.500112Z",
            "updated_at": "2026-10-02T13:10:45.500112Z"
        }
    ]
}))]
pub struct PublicStories {
    /// The stories, most recently published first; `limit` of them at most.
    pub data: Vec<PublicStory>,
}

/// The public form of the published ones among `rows`, each with its id, in their order;
/// the partners' and schools' names are read once for all.
pub fn public_forms(
    conn: &mut DbConnection,
    rows: Vec<StoryRow>,
    min_cell: i64,
) -> Result<Vec<(String, PublicStory)>, ApiError> {
    let rows: Vec<StoryRow> = rows
        .into_iter()
        .filter(|r| r.status == StoryStatus::Published.as_str())
        .collect();
    let ids_of = |column: fn(&StoryRow) -> &str| -> Vec<String> {
        rows.iter()
            .flat_map(|r| sets::from_column(column(r)))
            .collect()
    };
    let partner_names = directory::partners::names(conn, &ids_of(|r| &r.partner_ids))?;
    let school_names = directory::schools::names(conn, &ids_of(|r| &r.school_ids))?;
    let named = |column: &str, names: &std::collections::HashMap<String, String>| {
        sets::from_column(column)
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let highlight = match stored_highlight(&row)? {
            Some(h) => Some(figure(
                conn,
                row.agreement_id.as_deref(),
                h,
                Suppression::public(min_cell),
            )?),
            None => None,
        };
        let story = PublicStory {
            media_urls: serde_json::from_str(&row.media_urls)
                .map_err(|e| ApiError::Internal(format!("stored story media: {e}")))?,
            body_html: platform::http::markdown::to_html(&row.body),
            partners: named(&row.partner_ids, &partner_names),
            schools: named(&row.school_ids, &school_names),
            title: row.title,
            slug: row.slug,
            summary: row.summary,
            highlight,
            published_at: row.published_at.map(|t| t.and_utc()),
            updated_at: row.updated_at.and_utc(),
        };
        out.push((row.id, story));
    }
    Ok(out)
}
