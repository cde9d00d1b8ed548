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
