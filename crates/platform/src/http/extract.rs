//! Configuration of actix's own extractors so their failures are problem+json too.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{mime, web, HttpRequest};

use crate::error::ApiError;

/// JSON bodies: `application/json` and any `+json` type (PATCH sends
/// `application/merge-patch+json`); bounded by `limit` bytes.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        .error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge(format!(
                "the body is larger than the limit of {limit} bytes"
            ))
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "send the body as application/json (or application/merge-patch+json for PATCH)"
                .to_owned(),
        ),
        JsonPayloadError::Deserialize(e) => {
            ApiError::BadRequest(format!("the body is not valid for this operation: {e}"))
        }
        other => ApiError::BadRequest(format!("the body could not be read: {other}")),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match err {
            QueryPayloadError::Deserialize(e) => format!("invalid query parameters: {e}"),
            other => format!("invalid query parameters: {other}"),
        };
        ApiError::BadRequest(detail).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::NotFound(format!("no such resource: {err}")).into())
}

/// Refuses a request whose query parameters hold control characters (422 naming each), before
/// any handler could pass one to the database (PostgreSQL refuses NUL in text outright).
pub async fn refuse_control_characters(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut errors = Vec::new();
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if name
            .chars()
            .chain(value.chars())
            .any(super::body::is_forbidden_control)
        {
            errors.push(crate::error::FieldError::query(
                &name,
                "control_character",
                "query parameters must not contain control characters",
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(req
            .error_response(ApiError::Validation(errors))
            .map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
