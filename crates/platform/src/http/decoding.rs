//! Compressed request bodies (`Content-Encoding: gzip` or `deflate`), inflated here and never
//! past the body limit: a gzip bomb, a few kilobytes that inflate to gigabytes, gets 413 once
//! the inflated bytes pass `MAX_BODY_BYTES`, with no more than that held in memory.

use std::io::Write;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use futures_util::StreamExt;

use crate::error::ApiError;

/// The largest inflated body, in bytes (`MAX_BODY_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct InflatedLimit(pub usize);

/// Collects inflated bytes and refuses to go past the limit.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + data.len() > self.limit {
            self.overflowed = true;
            return Err(std::io::Error::other("inflated body too large"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Inflater {
    Gzip(flate2::write::GzDecoder<Bounded>),
    Deflate(flate2::write::ZlibDecoder<Bounded>),
}

impl Inflater {
    fn new(encoding: &str, limit: usize) -> Option<Self> {
        let sink = Bounded {
            bytes: Vec::new(),
            limit,
            overflowed: false,
        };
        match encoding {
            "gzip" | "x-gzip" => Some(Inflater::Gzip(flate2::write::GzDecoder::new(sink))),
            "deflate" => Some(Inflater::Deflate(flate2::write::ZlibDecoder::new(sink))),
            _ => None,
        }
    }

    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Inflater::Gzip(d) => d.write_all(data),
            Inflater::Deflate(d) => d.write_all(data),
        }
    }

    fn overflowed(&self) -> bool {
        match self {
            Inflater::Gzip(d) => d.get_ref().overflowed,
            Inflater::Deflate(d) => d.get_ref().overflowed,
        }
    }

    fn finish(self) -> std::io::Result<Bounded> {
        match self {
            Inflater::Gzip(d) => d.finish(),
            Inflater::Deflate(d) => d.finish(),
        }
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the request body inflates to more than {limit} bytes"
    ))
}

async fn inflate(encoding: &str, payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut inflater = Inflater::new(encoding, limit).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "Content-Encoding {encoding:?} is not supported; send gzip, deflate or none"
        ))
    })?;
    let corrupt = || ApiError::BadRequest(format!("the body is not valid {encoding} data"));
    let mut received = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        received += chunk.len();
        if received > limit {
            return Err(too_large(limit));
        }
        if inflater.write_all(&chunk).is_err() {
            return Err(if inflater.overflowed() {
                too_large(limit)
            } else {
                corrupt()
            });
        }
    }
    let overflowed = inflater.overflowed();
    match inflater.finish() {
        Ok(sink) => Ok(Bytes::from(sink.bytes)),
        Err(_) if overflowed => Err(too_large(limit)),
        Err(_) => Err(corrupt()),
    }
}

/// Inflates an encoded request body within the limit, then hands the handler the plain body
/// (the KPI batch, which streams to disk, refuses encoded bodies itself).
pub async fn bounded_inflation(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    let Some(encoding) = encoding.filter(|e| e != "identity") else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if req.path().ends_with("/kpi-records/batch") {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let limit = req
        .app_data::<web::Data<InflatedLimit>>()
        .map_or(1024 * 1024, |l| l.0);
    let mut payload = req.take_payload();
    match inflate(&encoding, &mut payload, limit).await {
        Ok(body) => {
            let headers = req.headers_mut();
            headers.remove(header::CONTENT_ENCODING);
            headers.insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from(body.len()),
            );
            req.set_payload(Payload::from(body));
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(error) => Ok(req.error_response(error).map_into_right_body()),
    }
}
