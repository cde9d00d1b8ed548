//! The one error type of the API and its RFC 9457 problem+json form.
//!
//! What a client sees (`title`, `detail`, field errors) is kept apart from the real cause of a
//! server fault, which is logged with the request id and never sent.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::request_id;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, dotted for nested objects (`address.postal_code`), with `[i]` for
    /// array items; for a query parameter, its name.
    #[schema(example = "name")]
    pub field: String,
    /// The field as a JSON pointer into the request body (RFC 6901): `/address/postal_code`,
    /// `/offerings/2`. Absent for query parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/name")]
    pub pointer: Option<String>,
    /// Machine-readable reason, e.g. `required`, `length`, `email`, `url`, `range`, `invalid`.
    #[schema(example = "required")]
    pub code: String,
    /// Human-readable explanation.
    #[schema(example = "name is required")]
    pub message: String,
}

impl FieldError {
    /// A problem with the body field at the dotted `field` path.
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let field = field.into();
        FieldError {
            pointer: Some(pointer_of(&field)),
            field,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A problem with the body field at `path` (member names and array indexes).
    pub fn at(path: &[String], code: &str, message: impl Into<String>) -> Self {
        let mut field = String::new();
        let mut pointer = String::new();
        for segment in path {
            pointer.push('/');
            pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                field.push_str(&format!("[{segment}]"));
            } else {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(segment);
            }
        }
        FieldError {
            field,
            pointer: Some(pointer),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A problem with the query parameter `name`.
    pub fn query(name: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: name.to_owned(),
            pointer: None,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// `address.postal_code` → `/address/postal_code`; `offerings[2]` → `/offerings/2`.
fn pointer_of(field: &str) -> String {
    let mut pointer = String::new();
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            pointer.push('/');
            pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        }
        for index in indexes.split('[').map(|i| i.trim_end_matches(']')) {
            if !index.is_empty() {
                pointer.push('/');
                pointer.push_str(index);
            }
        }
    }
    pointer
}

/// What is wrong with one row of a batch (of KPI records, or any bulk write).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RowError {
    /// The row's position in the batch, from 0 (CSV: not counting the header).
    pub index: usize,
    /// The line of the body the row starts on, from 1 (NDJSON and CSV).
    pub line: Option<u64>,
    /// The field at fault; `null` when the row as a whole is.
    pub field: Option<String>,
    /// Machine-readable reason: `required`, `invalid`, `unknown_field`, `conflict`,
    /// `date_order`, `out_of_range`, `unknown_kpi`, `unknown_school`, `unknown_agreement`,
    /// `length`, `slug`, `malformed`.
    #[schema(example = "out_of_range")]
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:problem-type:partnerships:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "2 fields are invalid",
    "request_id": "0192f0c1-8a4b-7c2e-9d3f-5e6a7b8c9d0e",
    "errors": [
        {"field": "name", "code": "required", "message": "name is required"},
        {"field": "website", "code": "url", "message": "website must be an absolute http(s) URL"}
    ]
}))]
pub struct Problem {
    /// URI identifying the problem type.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type, the same for every problem of that type.
    pub title: String,
    /// The HTTP status code, repeated from the response.
    pub status: u16,
    /// What went wrong in this request, safe to show; never a server fault's cause.
    pub detail: String,
    /// The `X-Request-Id` of the request, to quote when reporting a problem.
    pub request_id: Option<String>,
    /// Every invalid field at once: on 422 (values that break a rule), and on 400 when a field
    /// has the wrong type, an unknown enum value, or is not a field of the body at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The bad rows of a rejected KPI batch (at most 1000), with index, line and field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowError>>,
    /// Whether the rejected batch had more bad rows than `rows` lists (the first 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_truncated: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Body fields of the wrong type or shape (400, naming each).
    #[error("malformed fields")]
    Malformed(Vec<FieldError>),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Rows of a KPI batch failed their checks; nothing was written.
    #[error("{rejected} of {received} rows rejected")]
    RowsRejected {
        received: usize,
        rejected: usize,
        rows: Vec<RowError>,
        /// More bad rows than `rows` lists.
        truncated: bool,
    },
    #[error("not found: {0}")]
    NotFound(String),
    /// No bearer token was sent.
    #[error("authentication required")]
    MissingToken,
    /// A token was sent but is not acceptable (the reason is safe to tell the caller).
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// Wrong credentials at login.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Authenticated, but the role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Authenticated, but the token lacks this scope.
    #[error("insufficient scope: {0}")]
    InsufficientScope(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("conflict: {0}")]
    Conflict(String),
    /// What was asked for is no longer kept (a change-feed cursor older than the retention).
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// Too many attempts from one source or for one account; retry after this many seconds.
    #[error("too many requests: {detail}")]
    TooManyRequests { retry_after: u64, detail: String },
    /// A bounded resource other than the database (the password-hashing pool) stayed busy.
    /// The string is logged, not sent.
    #[error("busy: {0}")]
    Busy(String),
    /// The database cannot be reached or the pool is exhausted. The string is logged, not sent.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A real server fault. The string is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// A versioned write found another version than the one it locked: should not happen
    /// under the row lock, but if it does the caller may simply retry.
    pub fn raced() -> Self {
        ApiError::Conflict("the resource changed concurrently; retry the request".to_owned())
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) | ApiError::Malformed(_) => ("bad-request", "Bad request"),
            ApiError::Validation(_) | ApiError::RowsRejected { .. } => {
                ("validation", "Validation failed")
            }
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MissingToken | ApiError::InvalidToken(_) | ApiError::Unauthorized(_) => {
                ("unauthorized", "Unauthorized")
            }
            ApiError::Forbidden(_) | ApiError::InsufficientScope(_) => ("forbidden", "Forbidden"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) | ApiError::Busy(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(d)
            | ApiError::NotFound(d)
            | ApiError::InvalidToken(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::Conflict(d)
            | ApiError::Gone(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d) => d.clone(),
            ApiError::Validation(errors) => match errors.len() {
                1 => "1 field is invalid".to_owned(),
                n => format!("{n} fields are invalid"),
            },
            ApiError::Malformed(errors) => match errors.as_slice() {
                [one] => format!("{} ({}): {}", one.field, one.code, one.message),
                many => format!("{} fields have the wrong type or shape", many.len()),
            },
            ApiError::RowsRejected {
                received, rejected, ..
            } => format!(
                "{rejected} of {received} rows are invalid; nothing was written (send ?mode=partial to write the valid rows)"
            ),
            ApiError::MethodNotAllowed(allowed) => format!(
                "allowed methods: {}",
                allowed
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ApiError::MissingToken => {
                "send Authorization: Bearer <token>; get one from POST /api/v1/oauth/token or /api/v1/auth/login".to_owned()
            }
            ApiError::InsufficientScope(scope) => format!("this operation needs the {scope} scope"),
            ApiError::PreconditionFailed => {
                "If-Match does not match the current version; fetch the resource again".to_owned()
            }
            ApiError::Unavailable(_) => "the database is unavailable; retry later".to_owned(),
            ApiError::Busy(_) => "the server is busy; retry later".to_owned(),
            ApiError::TooManyRequests { detail, .. } => detail.clone(),
            ApiError::Internal(_) => "internal server error".to_owned(),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        Problem {
            problem_type: format!("urn:problem-type:partnerships:{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            request_id: request_id::current(),
            errors: match self {
                ApiError::Validation(errors) | ApiError::Malformed(errors) => Some(errors.clone()),
                _ => None,
            },
            rows: match self {
                ApiError::RowsRejected { rows, .. } => Some(rows.clone()),
                _ => None,
            },
            rows_truncated: match self {
                ApiError::RowsRejected { truncated, .. } => Some(*truncated),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) | ApiError::RowsRejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MissingToken | ApiError::InvalidToken(_) | ApiError::Unauthorized(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) | ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        let rid = problem.request_id.as_deref().unwrap_or("-");
        match self {
            ApiError::Internal(cause) => log::error!("request_id={rid} internal error: {cause}"),
            ApiError::Unavailable(cause) => log::warn!("request_id={rid} unavailable: {cause}"),
            ApiError::Busy(cause) => log::warn!("request_id={rid} busy: {cause}"),
            other => log::debug!("request_id={rid} {other}"),
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let ApiError::MethodNotAllowed(allowed) = self {
            let allow = allowed
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.insert_header((header::ALLOW, value));
            }
        }
        let challenge = match self {
            ApiError::MissingToken | ApiError::Unauthorized(_) => {
                Some("Bearer realm=\"partnerships\"".to_owned())
            }
            ApiError::InvalidToken(reason) => Some(format!(
                "Bearer realm=\"partnerships\", error=\"invalid_token\", error_description=\"{}\"",
                reason.replace(['"', '\\'], "'")
            )),
            ApiError::InsufficientScope(scope) => Some(format!(
                "Bearer realm=\"partnerships\", error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        match self {
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            ApiError::Busy(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after)));
            }
            _ => {}
        }
        match serde_json::to_vec(&problem) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}

/// Runs the `validator` checks of `input` plus rules that span fields (`extra`), and reports
/// every problem at once, sorted by field.
pub fn check_all(
    input: &impl validator::Validate,
    mut extra: Vec<FieldError>,
) -> Result<(), ApiError> {
    if let Err(errors) = input.validate() {
        flatten_validation("", &errors, &mut extra);
    }
    if extra.is_empty() {
        return Ok(());
    }
    extra.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    Err(ApiError::Validation(extra))
}

fn flatten_validation(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| default_message(&path, error));
                    out.push(FieldError::new(path.clone(), &error.code, message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(path: &str, error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "required" => format!("{path} is required"),
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("{path} must be {min} to {max} characters long"),
            (None, Some(max)) => format!("{path} must be at most {max} characters long"),
            (Some(min), None) => format!("{path} must be at least {min} characters long"),
            (None, None) => format!("{path} has an invalid length"),
        },
        "email" => format!("{path} must be an email address"),
        "url" => format!("{path} must be an absolute http(s) URL"),
        "range" => format!("{path} is out of range"),
        code => format!("{path} is invalid ({code})"),
    }
}
