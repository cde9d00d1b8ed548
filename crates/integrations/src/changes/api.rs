//! `GET /changes`.

use actix_web::{get, web, HttpResponse};

use super::model::{partner_scope, readable, Change, ChangePage, ChangesQuery};
use super::store;
use auth::Caller;
use platform::db::{self, DbPool};
use platform::error::ApiError;

/// Follow the change feed.
///
/// Every committed write, in commit order: poll with the last `next_cursor` and no change is
/// ever missed, even when transactions commit out of order. Each resource type needs its read
/// scope; a partner account sees only changes that concern it. Changes are kept for
/// `CHANGES_RETENTION_DAYS`; an older cursor answers 410, and the client resyncs from the
/// lists.
///
/// A malformed `after` is 422 `invalid_cursor`, a `limit` outside 1–1000 is 422
/// `out_of_range`, and an unknown type in `resource` is 422 `unknown_resource`. Naming a type
/// the token may not read, or a token that reads none, is 403.
#[utoipa::path(tag = "changes", params(ChangesQuery),
    responses((status = 200, description = "Changes after the cursor", body = ChangePage),
        (status = 410, description = "The cursor is older than the retention: resync",
            body = platform::error::Problem, content_type = "application/problem+json")))]
#[get("/changes")]
pub async fn list_changes(
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let after = query.after()?;
    let limit = query.limit()?;
    let resources = readable(
        &caller,
        &crate::feed::resources(),
        query.resource.as_deref(),
    )?;
    let partner = partner_scope(&caller)?;
    let page = db::run(&pool, move |conn| {
        let purged = store::purged_upto(conn)?;
        let from = match after {
            Some(after) if after < purged => {
                return Err(ApiError::Gone(format!(
                    "changes up to {purged} are no longer kept (CHANGES_RETENTION_DAYS); resync from the lists, then follow the feed without a cursor"
                )))
            }
            Some(after) => after,
            None => purged,
        };
        let rows = store::page(conn, from, Some(&resources), partner.as_deref(), limit)?;
        // A purge that committed between the two reads may have taken changes after the
        // cursor: the client must resync rather than skip them.
        if store::purged_upto(conn)? > from {
            return Err(ApiError::Gone(
                "changes after this cursor were just purged (CHANGES_RETENTION_DAYS); resync from the lists".into(),
            ));
        }
        let next_cursor = rows.last().map_or(from, |r| r.seq).to_string();
        let data = rows
            .into_iter()
            .map(Change::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChangePage { data, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

pub fn routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(list_changes);
}
