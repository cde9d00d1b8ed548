//! Admin routes for `/users`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::actions;
use super::model::{User, UserInput};
use super::store;
use crate::auth::{Caller, Role};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id.
    pub id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Case-insensitive search in name and email.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List users (admin).
#[utoipa::path(
    tag = "users",
    params(UserListQuery),
    responses((status = 200, description = "A page of users", body = paging::Page<User>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(None, query.limit, query.cursor.as_deref())?;
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(
            conn,
            query.q.as_deref(),
            query.role.map(Role::as_str),
            query.disabled,
            after.as_ref().map(|a| a.id.as_str()),
            limit + 1,
        )?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, |r| User::from_row(&r))
}

/// Create a user (admin).
#[utoipa::path(
    tag = "users",
    request_body = UserInput,
    responses((status = 201, description = "Created", body = User, headers(("Location" = String), ("ETag" = String))))
)]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    pool: web::Data<DbPool>,
    body: crate::http::body::Body<UserInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.checked(|input| input.check())?;
    let actor = caller.actor();
    let row = db::write(&pool, move |conn| actions::create(conn, input, &actor)).await?;
    let user = User::from_row(&row)?;
    Ok(created(
        &user,
        &format!("/api/v1/users/{}", user.id),
        user.version,
    ))
}

/// Get a user (admin).
#[utoipa::path(
    tag = "users",
    params(UserPath),
    responses((status = 200, description = "The user", body = User, headers(("ETag" = String))))
)]
#[get("/users/{id}")]
pub async fn get_user(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    if !db::sql::is_id(&id) {
        return Err(ApiError::not_found("user"));
    }
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id)?.ok_or_else(|| ApiError::not_found("user"))
    })
    .await?;
    let user = User::from_row(&row)?;
    Ok(json_with_etag(StatusCode::OK, &user, user.version))
}

/// Change a user (admin; JSON Merge Patch): role, bindings, password, `disabled`.
#[utoipa::path(
    tag = "users",
    params(UserPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the user changed since")),
    request_body(content = UserInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"disabled": true})),
    responses((status = 200, description = "The updated user", body = User, headers(("ETag" = String))))
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<UserPath>,
    if_match: IfMatch,
    body: crate::http::body::Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let change = Change::Merge(body.into_inner()?);
    let row = db::write(&pool, move |conn| {
        actions::update(conn, &id, if_match, change, &actor)
    })
    .await?;
    let user = User::from_row(&row)?;
    Ok(json_with_etag(StatusCode::OK, &user, user.version))
}
