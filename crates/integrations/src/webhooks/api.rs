//! Routes for `/webhooks` (administrators): endpoints through the resource pipeline, plus the
//! secret shown once at creation, pings, the delivery log and redelivery.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::model::{
    Delivery, DeliveryQuery, Webhook, WebhookCreated, WebhookInput, WebhookQuery, WebhookSort,
    Webhooks,
};
use super::store::{self, EndpointRow};
use auth::Caller;
use pipeline::{self as pipeline, CallerContext, Collection, Resource, Stored};
use platform::db::{self, write_transaction, DbConnection, DbPool};
use platform::error::ApiError;
use platform::http::body::Body;
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Webhooks, tag: "webhooks",
    collection: "/webhooks", item: "/webhooks/{id}",
    parent: [],
    filter: WebhookQuery, sort: WebhookSort, input: WebhookInput, output: Webhook,
    /// Webhook endpoints (admin).
    ///
    /// Only the admin role with a token that kept the `admin` scope (403 otherwise). Signing
    /// secrets are never listed.
    list: list_webhooks,
    /// One webhook endpoint (admin), with its status and the last error given up on.
    ///
    /// Only the admin role with the `admin` scope; the signing secret is not shown.
    get: get_webhook,
    /// Change a webhook endpoint (admin; JSON Merge Patch): its URL, events, description, or
    /// `enabled` to pause and resume.
    ///
    /// Only the admin role with the `admin` scope; the merged result is checked as on create
    /// (`invalid_url`, `url_not_allowed`, `unknown_event`, `duplicate`). The secret is kept.
    patch: patch_webhook,
    /// Delete a webhook endpoint (admin); its queued events go with it.
    ///
    /// Only the admin role with the `admin` scope. Its delivery log is deleted too.
    delete: delete_webhook,
}

/// Register a webhook endpoint (admin). Every committed change the endpoint subscribes to is
/// POSTed to it as a signed Standard Webhooks event, in order, at least once. The answer holds
/// the signing secret, shown this once.
///
/// Only the admin role with the `admin` scope. `url` must parse (422 `invalid_url`) and reach
/// a public `https` host unless the host is in `WEBHOOK_ALLOWED_HOSTS` (422 `url_not_allowed`);
/// each event must be a known `WebhookEventName` (422 `unknown_event`), listed once (422
/// `duplicate`). Only changes committed after registration are sent.
#[utoipa::path(tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, description = "The endpoint, with its signing secret (shown once)",
        body = WebhookCreated,
        headers(("Location" = String, description = "Where the endpoint is"),
            ("ETag" = String, description = "Its version")))))]
#[post("/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    body: Body<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let input = body.checked(|input| Webhooks::check(input, None))?;
    let actor = caller.actor();
    let row = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let ctx = CallerContext {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            pipeline::create_in_transaction::<Webhooks>(conn, &ctx, &Collection::TOP, input)
        })
    })
    .await?;
    let location = format!("{}/webhooks/{}", platform::http::API_PREFIX, row.id);
    let version = row.version;
    let secret = row.secret.clone();
    let created = WebhookCreated {
        webhook: Webhook::from(row),
        secret,
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// The endpoint named by the path, for an administrator.
fn endpoint(conn: &mut DbConnection, id: &str) -> Result<EndpointRow, ApiError> {
    EndpointRow::find_key(conn, id)?.ok_or_else(Webhooks::not_found)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The endpoint's id.
    pub id: String,
    /// The delivery's id (its `webhook-id`).
    pub delivery_id: String,
}

/// Send a `webhook.ping` event to an endpoint now (admin), to check that it receives and
/// verifies events. It queues behind the endpoint's other events.
///
/// Only the admin role with the `admin` scope; 404 for an unknown endpoint. A paused endpoint
/// queues the ping until it is enabled again. Answers the queued delivery.
#[utoipa::path(tag = "webhooks", params(pipeline::ItemPath),
    responses((status = 202, description = "The ping, queued", body = Delivery)))]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<pipeline::ItemPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.into_inner().id;
    let delivery = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            endpoint(conn, &id)?;
            let queued = super::outbox::ping(conn, &id)?;
            store::delivery(conn, &id, &queued)?
                .ok_or_else(|| ApiError::Internal("a queued ping vanished".into()))
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(delivery)))
}

/// What became of the events sent to an endpoint (admin), newest first: state, attempts, the
/// receiver's last status and error.
///
/// Only the admin role with the `admin` scope; 404 for an unknown endpoint. `limit` outside
/// 1–200 is 422 `out_of_range`; a `cursor` not from this list is 422 `invalid_cursor`.
#[utoipa::path(tag = "webhooks", params(pipeline::ItemPath, DeliveryQuery),
    responses((status = 200, description = "One page of deliveries", body = Page<Delivery>)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<pipeline::ItemPath>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let query = query.into_inner();
    let (limit, before) = (query.limit()?, query.before()?);
    let state = query.state.map(|s| s.as_str());
    let id = path.into_inner().id;
    let mut rows = db::run(&pool, move |conn| {
        endpoint(conn, &id)?;
        Ok(store::deliveries(conn, &id, state, before, limit + 1)?)
    })
    .await?;
    let next_cursor = match rows.len() > usize::try_from(limit).unwrap_or(0) {
        true => {
            rows.truncate(usize::try_from(limit).unwrap_or(0));
            rows.last().map(|r| r.seq.to_string())
        }
        false => None,
    };
    Ok(HttpResponse::Ok().json(Page {
        data: rows.into_iter().map(Delivery::from).collect(),
        next_cursor,
    }))
}

/// Send an event again (admin): a failed one after the receiver is fixed, or a delivered one a
/// receiver lost. It goes next, with a fresh `WEBHOOK_RETRY_HOURS` of retries.
///
/// Only the admin role with the `admin` scope. 404 when the endpoint is unknown or the
/// delivery is not one of its own. The event keeps its id, so receivers can drop repeats.
#[utoipa::path(tag = "webhooks", params(DeliveryPath),
    responses((status = 202, description = "The delivery, queued again", body = Delivery)))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let DeliveryPath { id, delivery_id } = path.into_inner();
    let delivery = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            endpoint(conn, &id)?;
            let found = store::delivery(conn, &id, &delivery_id)?
                .ok_or_else(|| ApiError::not_found("delivery"))?;
            store::requeue(conn, found.seq, db::now())?;
            store::delivery(conn, &id, &delivery_id)?.ok_or_else(|| ApiError::not_found("delivery"))
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(delivery)))
}

/// Registers the webhook routes; the custom ones first, so `/webhooks/{id}` does not claim
/// their paths.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(create_webhook);
    cfg.service(ping_webhook);
    cfg.service(list_webhook_deliveries);
    cfg.service(redeliver_webhook_delivery);
    routes(cfg);
}
