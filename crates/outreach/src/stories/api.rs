//! Routes for `/stories`, and the public showcase.

use actix_web::{web, HttpRequest, HttpResponse};

use super::feed::atom;
use super::model::{Stories, Story, StoryInput, StoryQuery};
use super::public::{public_forms, PublicStories, PublicStoriesQuery, PublicStory, MAX_STORIES};
use super::store;
use auth::limits::PublicLimit;
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Stories, tag: "outreach",
    collection: "/stories", item: "/stories/{id}",
    parent: [],
    filter: StoryQuery, sort: platform::db::keyset::ListSort, input: StoryInput, output: Story,
    /// Success stories. A partner reads the published ones and those that name it.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. All but partners see every story, drafts included. Highlighted figures are
    /// suppressed below the threshold unless the token holds `kpi:read_small_cells`.
    list: list_stories,
    /// Write a story (staff: of their schools). It starts as a draft.
    ///
    /// Needs `agreements:write`; staff name at least one school, all theirs, and only an
    /// agreement with one of their schools (403). Ids must exist (422 `not_found`, also for
    /// `highlight.kpi_code`); a `highlight` needs `agreement_id` (`needs_agreement`);
    /// `published` needs `consent_confirmed: true` (`consent_required`); a taken `slug` is 409.
    create: create_story,
    /// One story, its Markdown body also as sanitised HTML, its highlighted figure as the
    /// caller may see it.
    ///
    /// Needs `agreements:read`. A partner account gets 404 for a story that is neither
    /// published nor names it.
    get: get_story,
    /// Replace a story.
    ///
    /// Needs `agreements:write`; staff only for stories whose schools are all theirs, before
    /// and after (403). `status` moves draft → published → archived (422 `invalid_transition`);
    /// the rules of creating apply, but only ids this write adds are looked up, so a partner
    /// deleted since stays named. `published_at` is set on first publication.
    replace: replace_story,
    /// Change a story (JSON Merge Patch): `status: published` (with `consent_confirmed: true`)
    /// puts it on the public showcase, `archived` takes it down.
    ///
    /// Needs `agreements:write`; staff only for stories whose schools are all theirs (403).
    /// An archived story cannot be published again (422 `invalid_transition`); lists given
    /// replace the whole list; a `slug` another story has is 409 `conflict`.
    patch: patch_story,
    /// Delete a story.
    ///
    /// Needs `agreements:write`; staff only for stories whose schools are all theirs (403). A
    /// published story may be deleted too; it leaves the showcase and the feed at once.
    delete: delete_story,
}

fn limit_of(query: &PublicStoriesQuery) -> Result<i64, ApiError> {
    let limit = query.limit.unwrap_or(20);
    match (1..=MAX_STORIES).contains(&limit) {
        true => Ok(limit),
        false => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_STORIES}"
        ))),
    }
}

/// The newest published stories, public form, with their ids.
async fn newest(
    pool: &DbPool,
    policy: &Policy,
    query: PublicStoriesQuery,
) -> Result<Vec<(String, PublicStory)>, ApiError> {
    let limit = limit_of(&query)?;
    let min_cell = policy.kpi_min_cell_size;
    db::run(pool, move |conn| {
        let rows = store::published(conn, query.school_id.as_deref(), limit)?;
        public_forms(conn, rows, min_cell)
    })
    .await
}

/// The published stories, newest first, without a token: for district websites. No internal
/// fields; highlighted figures are suppressed as for the public. Rate-limited per address.
///
/// Anyone may call it (429 with `Retry-After` past the per-address limit). `limit` outside 1
/// to 50 is 400; `school_id` keeps the stories that name that school. Partners and schools
/// deleted since the story was written are left out of its names.
#[utoipa::path(tag = "outreach", params(PublicStoriesQuery), security(()),
    responses((status = 200, description = "Published stories", body = PublicStories),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[get("/public/stories")]
pub async fn public_stories(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    query: web::Query<PublicStoriesQuery>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let data = newest(&pool, &policy, query.into_inner())
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    Ok(HttpResponse::Ok().json(PublicStories { data }))
}

/// The published stories as an Atom feed (newest first, `limit` of them), without a token.
///
/// The same stories and parameters as `GET /public/stories` (400 for a `limit` outside 1 to
/// 50; 429 past the per-address limit). Entry ids are `urn:uuid:{id}`, stable when a slug
/// changes; links are absolute, built from the scheme and host the request used.
#[utoipa::path(tag = "outreach", params(PublicStoriesQuery), security(()),
    responses((status = 200, description = "An Atom feed", content_type = "application/atom+xml", body = String),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[get("/public/stories.atom")]
pub async fn public_stories_feed(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    query: web::Query<PublicStoriesQuery>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let stories = newest(&pool, &policy, query.into_inner()).await?;
    let info = req.connection_info();
    let base = format!("{}://{}", info.scheme(), info.host());
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(atom(&stories, &base)))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SlugPath {
    /// The story's slug.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub slug: String,
}

/// One published story by its slug, without a token; 404 for any other.
///
/// Anyone may call it (429 with `Retry-After` past the per-address limit). Drafts and
/// archived stories answer 404, as unknown slugs do; the highlighted figure is suppressed as
/// for the public.
#[utoipa::path(tag = "outreach", params(SlugPath), security(()),
    responses((status = 200, description = "The story", body = PublicStory),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[get("/public/stories/{slug}")]
pub async fn public_story_by_slug(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    path: web::Path<SlugPath>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let slug = path.into_inner().slug;
    let min_cell = policy.kpi_min_cell_size;
    let story = db::run(&pool, move |conn| {
        let found = match platform::http::text::hyphen_slug(&slug) {
            Ok(()) => store::by_slug(conn, &slug)?,
            Err(_) => None,
        };
        let rows = found.into_iter().collect();
        Ok(public_forms(conn, rows, min_cell)?.pop().map(|(_, s)| s))
    })
    .await?
    .ok_or_else(|| ApiError::not_found("story"))?;
    Ok(HttpResponse::Ok().json(story))
}

/// Registers the story routes; the public ones first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(public_stories_feed);
    cfg.service(public_stories);
    cfg.service(public_story_by_slug);
    routes(cfg);
}
