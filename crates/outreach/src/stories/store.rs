//! SQL for stories.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::stories;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = stories, treat_none_as_null = true)]
pub struct StoryRow {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Markdown.
    pub body: String,
    pub agreement_id: Option<String>,
    pub partner_ids: String,
    pub school_ids: String,
    pub highlight: Option<String>,
    pub media_urls: String,
    pub consent_confirmed: bool,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(StoryRow, stories, name = title);

/// The filters of a page of stories.
#[derive(Debug, Default)]
pub struct StoryFilter {
    pub status: Option<String>,
    pub agreement_id: Option<String>,
    pub partner_id: Option<String>,
    pub school_id: Option<String>,
    /// For a partner: published stories, and those that name it.
    pub published_or_naming: Option<String>,
}

/// Up to `limit` stories after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &StoryFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<StoryRow>> {
    let mut query = stories::table
        .select(StoryRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(status) = &filter.status {
        query = query.filter(stories::status.eq(status.clone()));
    }
    if let Some(agreement) = &filter.agreement_id {
        query = query.filter(stories::agreement_id.eq(agreement.clone()));
    }
    if let Some(partner) = &filter.partner_id {
        query = query.filter(stories::partner_ids.like(format!("%,{partner},%")));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(stories::school_ids.like(format!("%,{school},%")));
    }
    if let Some(partner) = &filter.published_or_naming {
        query = query.filter(
            stories::status
                .eq("published")
                .or(stories::partner_ids.like(format!("%,{partner},%"))),
        );
    }
    let query = platform::keyset_page!(query, stories, title, sort, after);
    query.limit(limit).load(conn)
}

/// The story with this slug.
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<StoryRow>> {
    stories::table
        .filter(stories::slug.eq(slug))
        .select(StoryRow::as_select())
        .first(conn)
        .optional()
}

/// The newest published stories, at most `limit`, of one school when given.
pub fn published(
    conn: &mut DbConnection,
    school: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<StoryRow>> {
    let mut query = stories::table
        .filter(stories::status.eq("published"))
        .select(StoryRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(school) = school {
        query = query.filter(stories::school_ids.like(format!("%,{school},%")));
    }
    query
        .order((stories::published_at.desc(), stories::id.desc()))
        .limit(limit)
        .load(conn)
}
