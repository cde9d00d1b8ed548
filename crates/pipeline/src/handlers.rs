//! The generic handlers. `resource_api!` wraps each in a documented route.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{Access, CallerContext, Collection, ListQuery, Resource, Stored};
use auth::Caller;
use journal::audit;
use platform::db::keyset::Keyed;
use platform::db::sql::is_id;
use platform::db::{self, write_transaction, DbConnection, DbPool, Stamp};
use platform::error::ApiError;
use platform::error::FieldError;
use platform::http::body::{merge_problems, Body};
use platform::http::etag::{created, json_with_etag, not_modified, IfMatch, IfNoneMatch};
use platform::http::merge_patch::Change;
use platform::http::paging;
use platform::settings::Policy;

/// The parent of the request's path, for a sub-collection; a malformed id is simply not found.
fn place<R: Resource>(req: &HttpRequest) -> Result<Collection, ApiError> {
    let Some((param, noun)) = R::PARENT else {
        return Ok(Collection::TOP);
    };
    match req.match_info().get(param) {
        Some(id) if is_id(id) => Ok(Collection {
            parent: Some(id.to_owned()),
        }),
        _ => Err(ApiError::not_found(noun)),
    }
}

/// The `{id}` of the request's path, as sent; [`Resource::locate`] says which row it names.
fn item_key<R: Resource>(req: &HttpRequest) -> Result<String, ApiError> {
    match req.match_info().get("id") {
        Some(key)
            if !key.is_empty()
                && key.len() <= 200
                && !key.chars().any(platform::http::body::is_forbidden_control) =>
        {
            Ok(key.to_owned())
        }
        _ => Err(R::not_found()),
    }
}

fn locate<R: Resource>(conn: &mut DbConnection, key: &str) -> Result<String, ApiError> {
    R::locate(conn, key)?.ok_or_else(R::not_found)
}

/// The row at `id` under `place` that the caller may see.
fn visible<R: Resource>(
    conn: &mut DbConnection,
    row: Option<R::Row>,
    caller: &Caller,
    place: &Collection,
) -> Result<R::Row, ApiError> {
    match row {
        Some(r) if r.parent_id() == place.parent.as_deref() && R::visible_in(conn, caller, &r)? => {
            Ok(r)
        }
        _ => Err(R::not_found()),
    }
}

/// The row, locked for the rest of the transaction, so a write sees the version it replaces;
/// 404 when it is missing or the caller may not see it.
pub fn locked<R: Resource>(
    conn: &mut DbConnection,
    caller: &Caller,
    place: &Collection,
    id: &str,
) -> Result<R::Row, ApiError> {
    if !R::Row::lock(conn, id)? {
        return Err(R::not_found());
    }
    let row = R::Row::find(conn, id)?;
    visible::<R>(conn, row, caller, place)
}

/// Rows as this caller may see them, judged in the operation's transaction.
fn visible_outputs<R: Resource>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    rows: Vec<R::Row>,
) -> Result<Vec<R::Output>, ApiError> {
    let outputs = rows
        .into_iter()
        .map(R::represent)
        .collect::<Result<Vec<_>, _>>()?;
    R::for_caller(conn, ctx, outputs)
}

/// One row as this caller may see it.
fn visible_output<R: Resource>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    row: R::Row,
) -> Result<R::Output, ApiError> {
    visible_outputs::<R>(conn, ctx, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::Internal("for_caller dropped the row".into()))
}

/// `GET` on a collection: one page, with `Link` to the next.
pub async fn list<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
) -> Result<HttpResponse, ApiError> {
    caller.require(R::READ)?;
    let place = place::<R>(&req)?;
    let ListQuery { filter, page } =
        ListQuery::<R::Filter>::parse_sorted::<R::Sort>(req.query_string())?;
    let actor = caller.actor();
    let (data, next_cursor) = db::run(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        R::authorize(conn, &ctx, &place, Access::Read)?;
        let rows = R::list(conn, &ctx, &place, filter, &page)?;
        let (rows, next_cursor) = paging::split(rows, page.limit, page.sort);
        Ok((visible_outputs::<R>(conn, &ctx, rows)?, next_cursor))
    })
    .await?;
    Ok(paging::respond(&req, data, next_cursor))
}

/// `GET` on an item: 304 when `If-None-Match` holds the current version.
pub async fn get<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_none_match: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(R::READ)?;
    let place = place::<R>(&req)?;
    let key = item_key::<R>(&req)?;
    let actor = caller.actor();
    let (version, output) = db::run(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        R::authorize(conn, &ctx, &place, Access::Read)?;
        let id = locate::<R>(conn, &key)?;
        let row = R::Row::find(conn, &id)?;
        let row = visible::<R>(conn, row, &caller, &place)?;
        Ok((row.version(), visible_output::<R>(conn, &ctx, row)?))
    })
    .await?;
    if if_none_match.matches(version) {
        return Ok(not_modified(version));
    }
    Ok(json_with_etag(StatusCode::OK, &output, version))
}

/// Creates a row as `POST` does, inside the caller's transaction: the parent entered, the
/// input checked and built, `before_save`, the insert, `after_save` and the audit event. The handler
/// below runs it; so does anything else that creates (demo data).
pub fn create_in_transaction<R: Resource>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    input: R::Input,
) -> Result<R::Row, ApiError> {
    R::authorize(conn, ctx, place, Access::Write)?;
    R::check(&input, None)?;
    let row = R::build(conn, input, place, Stamp::fresh(), None, ctx)?;
    R::before_save(conn, ctx, None, &row)?;
    row.insert(conn)?;
    R::after_save(conn, ctx, None, &row)?;
    audit::created(
        conn,
        ctx.actor,
        R::TOPIC,
        row.id(),
        &R::represent(row.clone())?,
    )?;
    Ok(row)
}

/// `POST` on a collection: 201 with `Location` and `ETag`.
pub async fn create<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    body: Body<R::Input>,
) -> Result<HttpResponse, ApiError> {
    caller.require(R::write_scope(&caller, None))?;
    let place = place::<R>(&req)?;
    let input = body.checked(|input| R::check(input, None))?;
    let actor = caller.actor();
    let (id, version, output) = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let ctx = CallerContext {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            let row = create_in_transaction::<R>(conn, &ctx, &place, input)?;
            let (id, version) = (row.id().to_owned(), row.version());
            Ok((id, version, visible_output::<R>(conn, &ctx, row)?))
        })
    })
    .await?;
    R::after_commit();
    let location = format!("{}/{}", req.path().trim_end_matches('/'), id);
    Ok(created(&output, &location, version))
}

/// The in-transaction half of a change to one item: the row locked and visible,
/// [`Resource::may_change`] holding, `change` making the next row from the current one (`None`:
/// nothing to change, the version stays), `If-Match` holding, then [`Resource::before_save`], the
/// versioned update, [`Resource::after_save`] and the audit event named `action`. Returns the row as
/// it now is. [`modify`] runs it for a request; the admin commands run it too.
pub fn change_in_transaction<R, F>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    key: &str,
    if_match: &IfMatch,
    action: &str,
    change: F,
) -> Result<R::Row, ApiError>
where
    R: Resource,
    F: FnOnce(
        &mut DbConnection,
        &CallerContext,
        &Collection,
        &R::Row,
    ) -> Result<Option<R::Row>, ApiError>,
{
    R::authorize(conn, ctx, place, Access::Write)?;
    let id = locate::<R>(conn, key)?;
    let current = locked::<R>(conn, ctx.caller, place, &id)?;
    R::may_change(conn, ctx, &current)?;
    // The body is judged before the precondition: a malformed change is 400 or 422 whatever
    // version it names.
    let next = change(conn, ctx, place, &current)?;
    if_match.check(current.version())?;
    let Some(next) = next else {
        return Ok(current);
    };
    R::before_save(conn, ctx, Some(&current), &next)?;
    if !next.update(conn, current.version())? {
        return Err(ApiError::raced());
    }
    R::after_save(conn, ctx, Some(&current), &next)?;
    let secrets = R::secrets_changed(&current, &next);
    let (before, after) = (R::represent(current)?, R::represent(next.clone())?);
    audit::changed(
        conn,
        ctx.actor,
        R::TOPIC,
        next.id(),
        action,
        &before,
        &after,
        &secrets,
    )?;
    Ok(next)
}

/// A change to one item, in one transaction (see [`change_in_transaction`]), audited as `update`. PUT and
/// PATCH are this; so is a resource's own kind of write (recording a check-in). Answers 200
/// with the new version.
#[allow(clippy::too_many_arguments)]
pub async fn modify<R, F>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    scope: auth::Scope,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    R: Resource,
    F: FnOnce(
            &mut DbConnection,
            &CallerContext,
            &Collection,
            &R::Row,
        ) -> Result<Option<R::Row>, ApiError>
        + Send
        + 'static,
{
    modify_audited_as::<R, F>(req, caller, pool, policy, if_match, scope, "update", change).await
}

/// [`modify`], audited as `action` (`revoke`).
#[allow(clippy::too_many_arguments)]
pub async fn modify_audited_as<R, F>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    scope: auth::Scope,
    action: &'static str,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    R: Resource,
    F: FnOnce(
            &mut DbConnection,
            &CallerContext,
            &Collection,
            &R::Row,
        ) -> Result<Option<R::Row>, ApiError>
        + Send
        + 'static,
{
    caller.require(scope)?;
    let place = place::<R>(&req)?;
    let key = item_key::<R>(&req)?;
    let actor = caller.actor();
    let (version, output) = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let ctx = CallerContext {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            let row =
                change_in_transaction::<R, F>(conn, &ctx, &place, &key, &if_match, action, change)?;
            Ok((row.version(), visible_output::<R>(conn, &ctx, row)?))
        })
    })
    .await?;
    R::after_commit();
    Ok(json_with_etag(StatusCode::OK, &output, version))
}

/// The row `input` makes of `current`, with the next version; `None` when it changes nothing.
pub fn next_row<R: Resource>(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    current: &R::Row,
    input: R::Input,
) -> Result<Option<R::Row>, ApiError> {
    let same = R::build(
        conn,
        input.clone(),
        place,
        current.stamp(),
        Some(current),
        ctx,
    )?;
    if same == *current {
        return Ok(None);
    }
    let stamp = current.stamp().bumped();
    R::build(conn, input, place, stamp, Some(current), ctx).map(Some)
}

async fn update<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    (change, problems): (Change<R::Input>, Vec<FieldError>),
) -> Result<HttpResponse, ApiError> {
    let patch = match &change {
        Change::Merge(patch) => Some(patch),
        Change::Replace(_) => None,
    };
    let scope = R::write_scope(&caller, patch);
    if let Change::Replace(input) = &change {
        caller.require(scope)?;
        merge_problems(
            problems.clone(),
            R::check(input, Some(&item_key::<R>(&req)?)),
        )?;
    }
    modify::<R, _>(
        req,
        caller,
        pool,
        policy,
        if_match,
        scope,
        move |conn, ctx, place, current| {
            let input = change.resolve(&R::writable(current)?)?;
            merge_problems(problems, R::check(&input, Some(current.id())))?;
            next_row::<R>(conn, ctx, place, current, input)
        },
    )
    .await
}

/// `PUT` on an item: every writable field from the body.
pub async fn replace<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    body: Body<R::Input>,
) -> Result<HttpResponse, ApiError> {
    update::<R>(req, caller, pool, policy, if_match, {
        let (input, problems) = body.into_parts();
        (Change::Replace(input), problems)
    })
    .await
}

/// `PATCH` on an item: JSON Merge Patch into the writable form.
pub async fn patch<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    update::<R>(req, caller, pool, policy, if_match, {
        let (patch, problems) = body.into_parts();
        (Change::Merge(patch), problems)
    })
    .await
}

/// `DELETE` on an item: 204.
pub async fn delete<R: Resource>(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(R::write_scope(&caller, None))?;
    let place = place::<R>(&req)?;
    let key = item_key::<R>(&req)?;
    let actor = caller.actor();
    db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let ctx = CallerContext {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            R::authorize(conn, &ctx, &place, Access::Write)?;
            let id = locate::<R>(conn, &key)?;
            let current = locked::<R>(conn, &caller, &place, &id)?;
            if_match.check(current.version())?;
            R::may_change(conn, &ctx, &current)?;
            R::before_delete(conn, &ctx, &current)?;
            if !R::Row::delete(conn, &id, current.version())? {
                return Err(ApiError::raced());
            }
            audit::deleted(conn, &actor, R::TOPIC, &id, &R::represent(current)?)?;
            Ok(())
        })
    })
    .await?;
    R::after_commit();
    Ok(HttpResponse::NoContent().finish())
}
