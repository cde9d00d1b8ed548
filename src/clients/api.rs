//! Admin routes for `/clients`.

use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::actions;
use super::model::{ApiClient, ClientInput, ClientWithSecret};
use super::store;
use crate::auth::{AuthSettings, Caller, Role};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::etag::{created, json_with_etag, IfMatch};
use crate::http::merge_patch::Change;
use crate::http::paging::{self, PageRequest};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// The client's id (its `client_id`).
    pub id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientListQuery {
    pub role: Option<Role>,
    pub revoked: Option<bool>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List API clients (admin).
#[utoipa::path(
    tag = "clients",
    params(ClientListQuery),
    responses((status = 200, description = "A page of clients", body = paging::Page<ApiClient>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
)]
#[get("/clients")]
pub async fn list_clients(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    query: web::Query<ClientListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(None, query.limit, query.cursor.as_deref())?;
    let role = query.role.map(Role::as_str);
    let rows = db::run(&pool, move |conn| {
        Ok(store::list(
            conn,
            role,
            query.revoked,
            after.as_ref().map(|a| a.id.as_str()),
            limit + 1,
        )?)
    })
    .await?;
    paging::respond_rows(&req, rows, limit, sort, |r| ApiClient::from_row(&r))
}

/// Create an API client (admin). The answer holds its secret, shown this once.
#[utoipa::path(
    tag = "clients",
    request_body = ClientInput,
    responses((status = 201, description = "Created; store client_secret now", body = ClientWithSecret,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/clients")]
pub async fn create_client(
    caller: Caller,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthSettings>,
    body: crate::http::body::Body<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.checked(|input| input.check())?;
    let actor = caller.actor();
    let key = auth.secret_key.clone();
    let (row, secret) = db::write(&pool, move |conn| {
        actions::create(conn, input, &actor, &key)
    })
    .await?;
    let client = ApiClient::from_row(&row)?;
    let location = format!("/api/v1/clients/{}", client.id);
    let version = client.version;
    Ok(no_store(created(
        &ClientWithSecret {
            client,
            client_secret: secret,
        },
        &location,
        version,
    )))
}

/// Get an API client (admin).
#[utoipa::path(
    tag = "clients",
    params(ClientPath),
    responses((status = 200, description = "The client", body = ApiClient, headers(("ETag" = String))))
)]
#[get("/clients/{id}")]
pub async fn get_client(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ClientPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    if !db::sql::is_id(&id) {
        return Err(ApiError::not_found("client"));
    }
    let row = db::run(&pool, move |conn| {
        store::find(conn, &id)?.ok_or_else(|| ApiError::not_found("client"))
    })
    .await?;
    let client = ApiClient::from_row(&row)?;
    Ok(json_with_etag(StatusCode::OK, &client, client.version))
}

/// Change an API client's name, role, scopes or bindings (admin; JSON Merge Patch).
#[utoipa::path(
    tag = "clients",
    params(ClientPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the client changed since")),
    request_body(content = ClientInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields", example = json!({"scopes": ["partners:read"]})),
    responses((status = 200, description = "The updated client", body = ApiClient, headers(("ETag" = String))))
)]
#[patch("/clients/{id}")]
pub async fn patch_client(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ClientPath>,
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
    let client = ApiClient::from_row(&row)?;
    Ok(json_with_etag(StatusCode::OK, &client, client.version))
}

/// Revoke an API client (admin): it gets no new tokens and its tokens stop working at once.
#[utoipa::path(
    tag = "clients",
    params(ClientPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the client changed since")),
    responses((status = 200, description = "The revoked client", body = ApiClient, headers(("ETag" = String))))
)]
#[post("/clients/{id}/revoke")]
pub async fn revoke_client(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<ClientPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let row = db::write(&pool, move |conn| {
        actions::revoke(conn, &id, if_match, &actor)
    })
    .await?;
    let client = ApiClient::from_row(&row)?;
    Ok(json_with_etag(StatusCode::OK, &client, client.version))
}

/// Give an API client a new secret (admin): the old secret and the tokens issued with it
/// stop working. The answer holds the new secret, shown this once.
#[utoipa::path(
    tag = "clients",
    params(ClientPath, ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when the client changed since")),
    responses((status = 200, description = "The client with its new secret", body = ClientWithSecret, headers(("ETag" = String))))
)]
#[post("/clients/{id}/secret")]
pub async fn rotate_client_secret(
    caller: Caller,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthSettings>,
    path: web::Path<ClientPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let key = auth.secret_key.clone();
    let (row, secret) = db::write(&pool, move |conn| {
        actions::rotate_secret(conn, &id, if_match, &actor, &key)
    })
    .await?;
    let client = ApiClient::from_row(&row)?;
    let version = client.version;
    Ok(no_store(json_with_etag(
        StatusCode::OK,
        &ClientWithSecret {
            client,
            client_secret: secret,
        },
        version,
    )))
}

/// An answer that holds a secret must not be kept by any cache (RFC 9111 `no-store`).
fn no_store(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    response
}
