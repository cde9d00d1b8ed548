//! `Idempotency-Key` on every POST: a client that retries a POST (a timeout, a dropped
//! connection) with the same key and body gets the first answer back, marked
//! `Idempotent-Replayed: true`, and nothing is done twice. The key belongs to the caller; the
//! same key with another body is 422, and while the first request runs a second one is 409.

pub mod store;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use self::store::{Claim, KeyRow};
use auth::secret::{hex, sha256_hex};
use auth::Caller;
use platform::db::{self, DbPool};
use platform::error::{ApiError, FieldError};
use platform::settings::Policy;

pub const HEADER: &str = "idempotency-key";
/// A claim never answered (its server stopped mid-request) lapses after this long.
const UNANSWERED: chrono::Duration = chrono::Duration::minutes(10);
pub const REPLAYED: &str = "idempotent-replayed";

/// A key: 1 to 255 visible ASCII characters (a UUID, usually).
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

fn header_error(code: &str, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::query("Idempotency-Key", code, message)])
}

/// The body, read whole within `limit` bytes.
async fn read_body(payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "the request body is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// An answer worth keeping: anything but a server fault or a "come back later", which a retry
/// should run again.
fn keeps(status: StatusCode) -> bool {
    !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
}

fn replay(row: &KeyRow) -> HttpResponse {
    let status = row
        .status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.insert_header((REPLAYED, "true"));
    if let Some(v) = &row.content_type {
        response.insert_header((header::CONTENT_TYPE, v.as_str()));
    }
    if let Some(v) = &row.location {
        response.insert_header((header::LOCATION, v.as_str()));
    }
    if let Some(v) = &row.etag {
        response.insert_header((header::ETAG, v.as_str()));
    }
    response.body(row.body.clone().unwrap_or_default())
}

fn text_header<B>(response: &HttpResponse<B>, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The middleware. Requests without the header, other methods, and requests without a valid
/// token pass straight through (the handler answers those).
pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(key) if req.method() == Method::POST => key.to_str().unwrap_or("").to_owned(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !valid_key(&key) {
        let error = header_error(
            "invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        );
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    let (Ok(caller), Some(pool), Some(policy)) = (
        req.extract::<Caller>().await,
        req.app_data::<web::Data<DbPool>>().cloned(),
        req.app_data::<web::Data<Policy>>().cloned(),
    ) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // A KPI batch may be larger than other bodies; an idempotent one is held in memory.
    let limit = if req.path().ends_with("/kpi-records/batch") {
        policy.kpi_batch_max_bytes
    } else {
        req.app_data::<web::Data<platform::http::decoding::InflatedLimit>>()
            .map_or(1024 * 1024, |l| l.0)
    };
    let mut payload = req.take_payload();
    let body = match read_body(&mut payload, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error).map_into_boxed_body()),
    };
    let method_path = format!("{} {}", req.method(), req.path());
    let hash = request_hash(&req, &body);
    let principal = principal_of(&caller);
    let now = db::now();
    let lapse = store::Lapse {
        answered_before: now - chrono::Duration::seconds(policy.idempotency_ttl_seconds),
        unanswered_before: now - UNANSWERED,
    };
    let claim = {
        let (principal, key, method_path) = (principal.clone(), key.clone(), method_path);
        db::write(&pool, move |conn| {
            store::claim(conn, &principal, &key, &method_path, &hash, now, lapse)
        })
        .await
    };
    match claim {
        Err(error) => Ok(req.error_response(error).map_into_boxed_body()),
        Ok(Claim::Running) => {
            let error = ApiError::Conflict(
                "a request with this Idempotency-Key is still running; retry once it is done"
                    .into(),
            );
            Ok(req.error_response(error).map_into_boxed_body())
        }
        Ok(Claim::Reused) => {
            let error = header_error(
                "reused",
                "this Idempotency-Key was used for another request; use a new key for a new request",
            );
            Ok(req.error_response(error).map_into_boxed_body())
        }
        Ok(Claim::Replay(row)) => Ok(req.into_response(replay(&row))),
        Ok(Claim::Fresh) => {
            req.set_payload(Payload::from(body));
            run_and_keep(req, next, pool, principal, key).await
        }
    }
}

/// The digest of what makes two requests the same: query, content type and body.
fn request_hash(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [
        req.query_string().as_bytes(),
        req.headers()
            .get(header::CONTENT_TYPE)
            .map_or(&b""[..], |v| v.as_bytes()),
        body,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

/// Whose keys these are: the principal and what its token may do, so a narrowed token of the
/// same client does not get a wider token's answers.
fn principal_of(caller: &Caller) -> String {
    let scopes: Vec<&str> = caller.scopes.iter().map(|s| s.as_str()).collect();
    format!(
        "{}:{}:{}",
        caller.kind.as_str(),
        caller.id,
        &sha256_hex(scopes.join(" ").as_bytes())[..16]
    )
}

/// Runs a request whose key is fresh and keeps its answer for retries (or releases the key
/// when the answer is not one to keep).
async fn run_and_keep(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    pool: web::Data<DbPool>,
    principal: String,
    key: String,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let release = |principal: String, key: String| {
        db::write(&pool, move |conn| {
            Ok(store::release(conn, &principal, &key)?)
        })
    };
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            release(principal, key).await?;
            return Err(error);
        }
    };
    let status = response.status();
    if !keeps(status) {
        release(principal, key).await?;
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let location = text_header(&response, header::LOCATION);
    let secret =
        text_header(&response, header::CACHE_CONTROL).is_some_and(|v| v.contains("no-store"));
    let (response, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|e| ApiError::Internal(format!("cannot read the answer: {e}")))?;
    let row = if secret {
        // An answer that shows a secret once (a new client's) is never stored: a retry
        // is told the work was done, and where.
        secret_kept_back(location).await
    } else {
        KeyRow {
            method_path: String::new(),
            request_hash: String::new(),
            status: Some(i32::from(status.as_u16())),
            content_type: text_header(&response, header::CONTENT_TYPE),
            location,
            etag: text_header(&response, header::ETAG),
            body: Some(String::from_utf8_lossy(&bytes).into_owned()),
        }
    };
    db::write(&pool, move |conn| {
        Ok(store::answer(conn, &principal, &key, &row)?)
    })
    .await?;
    let response = response.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

/// What a retry of a request whose answer held a secret gets: 409, and where the resource is.
async fn secret_kept_back(location: Option<String>) -> KeyRow {
    let error = ApiError::Conflict(format!(
        "the request with this Idempotency-Key was done{}; its answer held a secret, which is shown once and never stored: rotate the secret if it was lost",
        location.as_deref().map(|l| format!(" ({l})")).unwrap_or_default()
    ));
    let response = actix_web::ResponseError::error_response(&error);
    let content_type = text_header(&response, header::CONTENT_TYPE);
    let body = to_bytes(response.into_body()).await.unwrap_or_default();
    KeyRow {
        method_path: String::new(),
        request_hash: String::new(),
        status: Some(i32::from(StatusCode::CONFLICT.as_u16())),
        content_type,
        location,
        etag: None,
        body: Some(String::from_utf8_lossy(&body).into_owned()),
    }
}
