//! Admin routes for `/users`: list and get through the resource pipeline; creation and change
//! hash a password on the hashing pool before the write.

use actix_web::{web, HttpRequest, HttpResponse};

use super::actions::{self, hash_for, patched_password};
use super::model::{User, UserInput, UserQuery, UserSort, Users};
use auth::{AuthSettings, Caller, Scope};
use pipeline::{self as pipeline, CallerContext, Resource};
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::http::body::Body;
use platform::http::etag::{created, IfMatch};
use platform::http::merge_patch::Change;
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Users, tag: "users",
    collection: "/users", item: "/users/{id}",
    parent: [],
    filter: UserQuery, sort: UserSort, input: UserInput, output: User,
    /// List users (admin).
    ///
    /// Only the admin role with a token that kept the `admin` scope (403 otherwise). Password
    /// hashes are never shown; `has_password` says whether one is set.
    list: list_users,
    /// Get a user (admin).
    ///
    /// Only the admin role with the `admin` scope.
    get: get_user,
}

/// The hash of a password, made on the hashing pool (never on a connection).
async fn hashed(auth: &AuthSettings, password: Option<String>) -> Result<Option<String>, ApiError> {
    match password {
        None => Ok(None),
        Some(p) => auth.hashing.run(move || hash_for(Some(&p))).await?,
    }
}

/// Create a user (admin).
///
/// Only the admin role with the `admin` scope. `email` (unique, any case) is 409 when taken.
/// `school_ids` only with role `staff` and `partner_id` only with, and required by, role
/// `partner` (422 `not_allowed` / `required`); each must exist (422 `not_found`). Without a
/// `password` the person signs in through the district's identity provider.
#[utoipa::path(
    tag = "users",
    request_body = UserInput,
    responses((status = 201, description = "Created", body = User, headers(("Location" = String), ("ETag" = String))))
)]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    auth: web::Data<AuthSettings>,
    body: Body<UserInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut input = body.checked(|input| Users::check(input, None))?;
    input.password_hash = hashed(&auth, input.password.clone()).await?;
    let actor = caller.actor();
    let row = db::write(&pool, move |conn| {
        let ctx = CallerContext {
            caller: &caller,
            actor: &actor,
            policy: &policy,
        };
        actions::create(conn, &ctx, input)
    })
    .await?;
    let user = User::from_row(&row)?;
    Ok(created(
        &user,
        &format!("{}/users/{}", platform::http::API_PREFIX, user.id),
        user.version,
    ))
}

/// Change a user (admin; JSON Merge Patch): role, bindings, password, `disabled`.
///
/// Only the admin role with the `admin` scope; rules as on create. Replacing an existing
/// password or disabling the user ends every token issued before (re-enabling does not revive
/// them). The API has no delete for users: set `disabled` to true instead.
#[utoipa::path(
    tag = "users",
    params(pipeline::ItemPath, platform::http::etag::IfMatchHeader),
    request_body(content = UserInput, content_type = "application/merge-patch+json",
        description = "Any subset of the writable fields; `null` clears an optional field",
        example = json!({"disabled": true})),
    responses((status = 200, description = "The updated user", body = User, headers(("ETag" = String))))
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    auth: web::Data<AuthSettings>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (patch, problems) = body.into_parts();
    let hash = hashed(&auth, patched_password(&patch)).await?;
    pipeline::modify::<Users, _>(
        req,
        caller,
        pool,
        policy,
        if_match,
        Scope::Admin,
        move |conn, ctx, place, current| {
            actions::patched(
                conn,
                ctx,
                place,
                current,
                Change::Merge(patch),
                problems,
                hash,
            )
        },
    )
    .await
}

/// Registers the user routes.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(create_user);
    cfg.service(patch_user);
    routes(cfg);
}
