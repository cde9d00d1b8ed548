//! Entity tags from resource versions, and the `If-Match` / `If-None-Match` preconditions.

use std::future::{ready, Ready};

use actix_web::http::header::{self, HeaderMap};
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::error::ApiError;

/// The strong entity tag of a resource version: `"<version>"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    Any,
    Tags(Vec<String>),
}

fn parse(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<Condition>, ApiError> {
    let mut tags = Vec::new();
    let mut any = false;
    let present: Vec<_> = headers.get_all(&name).collect();
    for value in &present {
        let text = value
            .to_str()
            .map_err(|_| ApiError::BadRequest(format!("{name} is not valid ASCII")))?;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "*" {
                any = true;
            } else if part.len() >= 2
                && part.ends_with('"')
                && (part.starts_with('"') || part.starts_with("W/\""))
            {
                tags.push(part.to_owned());
            } else {
                return Err(ApiError::BadRequest(format!(
                    "{name} must be * or a list of quoted entity tags such as \"3\""
                )));
            }
        }
    }
    if !present.is_empty() && !any && tags.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "{name} is empty; send * or a quoted entity tag such as \"3\", or leave it out"
        )));
    }
    Ok(match (any, tags.is_empty()) {
        (true, _) => Some(Condition::Any),
        (false, false) => Some(Condition::Tags(tags)),
        (false, true) => None,
    })
}

/// The documented `If-Match` header of a write.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The `ETag` last read (such as `"3"`), or `*`; 412 when the resource changed since.
    #[param(
        rename = "If-Match",
        pattern = r#"^(\*|(W/)?"[\x21\x23-\x2b\x2d-\x7e]*"( ?, ?(W/)?"[\x21\x23-\x2b\x2d-\x7e]*")*)$"#
    )]
    pub if_match: Option<String>,
}

/// The documented `If-None-Match` header of a read.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfNoneMatchHeader {
    /// An `ETag` from an earlier read, or `*`; 304 when the resource has not changed since.
    #[param(
        rename = "If-None-Match",
        pattern = r#"^(\*|(W/)?"[\x21\x23-\x2b\x2d-\x7e]*"( ?, ?(W/)?"[\x21\x23-\x2b\x2d-\x7e]*")*)$"#
    )]
    pub if_none_match: Option<String>,
}

/// `If-Match` on PUT, PATCH and DELETE: the write happens only if the caller saw the current
/// version. Absent means "no condition". Weak tags never match (strong comparison, RFC 9110).
#[derive(Debug, Clone)]
pub struct IfMatch(Option<Condition>);

impl IfMatch {
    /// No condition: for callers that are not HTTP requests.
    pub fn none() -> Self {
        IfMatch(None)
    }

    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }

    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        match &self.0 {
            None | Some(Condition::Any) => Ok(()),
            Some(Condition::Tags(tags)) if tags.contains(&etag(current_version)) => Ok(()),
            Some(Condition::Tags(_)) => Err(ApiError::PreconditionFailed),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.headers(), header::IF_MATCH).map(IfMatch))
    }
}

/// `If-None-Match` on GET: answers 304 when the caller already holds the current version.
#[derive(Debug, Clone)]
pub struct IfNoneMatch(Option<Condition>);

impl IfNoneMatch {
    pub fn matches(&self, current_version: i64) -> bool {
        let current = etag(current_version);
        match &self.0 {
            None => false,
            Some(Condition::Any) => true,
            // weak comparison for If-None-Match
            Some(Condition::Tags(tags)) => tags
                .iter()
                .any(|t| t.strip_prefix("W/").unwrap_or(t) == current),
        }
    }
}

impl FromRequest for IfNoneMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.headers(), header::IF_NONE_MATCH).map(IfNoneMatch))
    }
}

/// A JSON response carrying the resource's `ETag`.
pub fn json_with_etag<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    body: &T,
    version: i64,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// 304 for a conditional GET whose tag still matches.
pub fn not_modified(version: i64) -> actix_web::HttpResponse {
    actix_web::HttpResponse::NotModified()
        .insert_header((header::ETAG, etag(version)))
        .finish()
}

/// 201 with `Location` and `ETag`.
pub fn created<T: serde::Serialize>(
    body: &T,
    location: &str,
    version: i64,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn if_match_compares_strongly() {
        let cond = IfMatch(parse(&headers("\"2\", \"3\""), header::IF_MATCH).unwrap());
        assert!(cond.check(3).is_ok());
        assert!(cond.check(4).is_err());
        let weak = IfMatch(parse(&headers("W/\"3\""), header::IF_MATCH).unwrap());
        assert!(weak.check(3).is_err());
        let any = IfMatch(parse(&headers("*"), header::IF_MATCH).unwrap());
        assert!(any.check(9).is_ok());
    }

    #[test]
    fn unquoted_tags_are_rejected() {
        assert!(parse(&headers("3"), header::IF_MATCH).is_err());
    }
}
