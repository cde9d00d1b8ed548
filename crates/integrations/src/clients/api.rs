//! Admin routes for `/clients`: list, get and change through the resource pipeline; creation
//! and a new secret answer with the secret, shown that once; revocation.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::actions;
use super::model::{
    revoked, ApiClient, ApiClients, ClientInput, ClientQuery, ClientSort, ClientWithSecret,
};
use auth::{AuthSettings, Caller, Scope};
use pipeline::{self as pipeline, CallerContext, Resource};
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::http::body::Body;
use platform::http::etag::{created, json_with_etag, IfMatch};
use platform::settings::Policy;

pipeline::resource_api! {
    resource: ApiClients, tag: "clients",
    collection: "/clients", item: "/clients/{id}",
    parent: [],
    filter: ClientQuery, sort: ClientSort, input: ClientInput, output: ApiClient,
    /// List API clients (admin).
    ///
    /// Only the admin role with a token that kept the `admin` scope (403 otherwise). Secrets are
    /// never listed.
    list: list_api_clients,
    /// Get an API client (admin).
    ///
    /// Only the admin role with the `admin` scope; the secret is never shown.
    get: get_api_client,
    /// Change an API client's name, role, scopes or bindings (admin; JSON Merge Patch). Tokens
    /// already issued are checked against the new grant from the next request on.
    ///
    /// Only the admin role with the `admin` scope; the merged result is checked as on create.
    /// The secret and `revoked_at` cannot be changed here (use the secret and revoke routes).
    patch: patch_api_client,
}

/// Create an API client (admin). The answer holds its secret, shown this once.
///
/// Only the admin role with the `admin` scope. `scopes` only for role `integration`, never
/// `admin` (422 `not_allowed`); `school_ids` only for `staff`; `partner_id` only for, and
/// required by, `partner` (422 `not_allowed` / `required`); named schools and partner must
/// exist (422 `not_found`). Exchange `id` and `client_secret` at `POST /oauth/token`.
#[utoipa::path(
    tag = "clients",
    request_body = ClientInput,
    responses((status = 201, description = "Created; store client_secret now", body = ClientWithSecret,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/clients")]
pub async fn create_api_client(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    auth: web::Data<AuthSettings>,
    body: Body<ClientInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.checked(|input| ApiClients::check(input, None))?;
    let actor = caller.actor();
    let key = auth.secret_key.clone();
    let (row, secret) = db::write(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        actions::create(conn, &ctx, input, &key)
    })
    .await?;
    let client = ApiClient::from_row(&row)?;
    let location = format!("{}/clients/{}", platform::http::API_PREFIX, client.id);
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

/// Revoke an API client (admin): it gets no new tokens and its tokens stop working at once.
///
/// Only the admin role with the `admin` scope. Revocation is final: there is no un-revoke,
/// and revoking a revoked client changes nothing (200, same version).
#[utoipa::path(
    tag = "clients",
    params(pipeline::ItemPath, platform::http::etag::IfMatchHeader),
    responses((status = 200, description = "The revoked client", body = ApiClient, headers(("ETag" = String))))
)]
#[post("/clients/{id}/revoke")]
pub async fn revoke_api_client(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    pipeline::modify_audited_as::<ApiClients, _>(
        req,
        caller,
        pool,
        policy,
        if_match,
        Scope::Admin,
        "revoke",
        |_, _, _, current| Ok(revoked(current)),
    )
    .await
}

/// Give an API client a new secret (admin): the old secret and the tokens issued with it
/// stop working. The answer holds the new secret, shown this once.
///
/// Only the admin role with the `admin` scope. A revoked client gets no new secret (409);
/// create a new client instead.
#[utoipa::path(
    tag = "clients",
    params(pipeline::ItemPath, platform::http::etag::IfMatchHeader),
    responses((status = 200, description = "The client with its new secret", body = ClientWithSecret, headers(("ETag" = String))))
)]
#[post("/clients/{id}/secret")]
pub async fn rotate_api_client_secret(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    auth: web::Data<AuthSettings>,
    path: web::Path<pipeline::ItemPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let actor = caller.actor();
    let key = auth.secret_key.clone();
    let (row, secret) = db::write(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        actions::rotate_secret(conn, &ctx, &id, &if_match, &key)
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

/// Registers the client routes; the custom ones first, so `/clients/{id}` does not claim their
/// paths.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(create_api_client);
    cfg.service(revoke_api_client);
    cfg.service(rotate_api_client_secret);
    routes(cfg);
}
