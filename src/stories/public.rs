//! The public showcase: published stories as anyone may read them, without internal fields,
//! their highlighted figures suppressed as for the public.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{figure, set_from_column, stored_highlight, HighlightFigure, StoryStatus};
use super::store::StoryRow;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::kpi_records::suppression::Suppression;
use crate::partners::store::PartnerRow;
use crate::resource::Stored;
use crate::schools::store::SchoolRow;

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
pub struct PublicStory {
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// The story, as sanitised HTML.
    pub body_html: String,
    pub media_urls: Vec<String>,
    /// The partners' names.
    pub partners: Vec<String>,
    /// The schools' names.
    pub schools: Vec<String>,
    /// Suppressed as for anyone without an account.
    pub highlight: Option<HighlightFigure>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Published stories, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStories {
    pub data: Vec<PublicStory>,
}

/// The public form of a published row; `None` for any other.
pub fn public_story(
    conn: &mut DbConnection,
    row: StoryRow,
    min_cell: i64,
) -> Result<Option<PublicStory>, ApiError> {
    if row.status != StoryStatus::Published.as_str() {
        return Ok(None);
    }
    let mut partners = Vec::new();
    for id in set_from_column(&row.partner_ids) {
        partners.extend(PartnerRow::find(conn, &id)?.map(|p| p.name));
    }
    let mut schools = Vec::new();
    for id in set_from_column(&row.school_ids) {
        schools.extend(SchoolRow::find(conn, &id)?.map(|s| s.name));
    }
    let highlight = match stored_highlight(&row)? {
        Some(h) => Some(figure(
            conn,
            row.agreement_id.as_deref(),
            h,
            Suppression::public(min_cell),
        )?),
        None => None,
    };
    Ok(Some(PublicStory {
        media_urls: serde_json::from_str(&row.media_urls)
            .map_err(|e| ApiError::Internal(format!("stored story media: {e}")))?,
        body_html: super::markdown::to_html(&row.body),
        title: row.title,
        slug: row.slug,
        summary: row.summary,
        partners,
        schools,
        highlight,
        published_at: row.published_at.map(|t| t.and_utc()),
        updated_at: row.updated_at.and_utc(),
    }))
}
