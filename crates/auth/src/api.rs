//! `POST /oauth/token` (OAuth2 client credentials) and `POST /auth/login` (people).

use actix_web::http::{header, StatusCode};
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limits::SignInLimits;
use super::permissions::{expand, format_scopes, parse_scopes};
use super::secret::Verdict;
use super::settings::AuthSettings;
use super::token::{self, PrincipalKind};
use super::{password, Grant};
use journal::audit::{self, Actor};
use platform::db::{self, write_transaction, DbPool};
use platform::error::ApiError;
use platform::http::request_id;

/// An access token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…",
    "token_type": "Bearer",
    "expires_in": 3600,
    "scope": "partners:read partners:write"
}))]
pub struct TokenResponse {
    /// The token to send as `Authorization: Bearer <token>`; opaque to the caller.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// Space-separated scopes the token carries.
    pub scope: String,
}

/// The client-credentials request (RFC 6749 §4.4), form-encoded. The credentials go in HTTP
/// Basic authentication or in `client_id` and `client_secret`, not both.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "partners:read"}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// Space-separated subset of the client's scopes; all of them when absent.
    pub scope: Option<String>,
    /// The client's id, when not sent in HTTP Basic authentication.
    pub client_id: Option<String>,
    /// The client's secret, with `client_id`, when not sent in HTTP Basic authentication.
    pub client_secret: Option<String>,
}

/// An OAuth2 error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "unknown client or wrong secret"}))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`,
    /// `invalid_scope`, `server_error` or `temporarily_unavailable`.
    pub error: &'static str,
    /// A human-readable explanation.
    pub error_description: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    code: &'static str,
    description: String,
    /// Set when the answer is 429: too many attempts.
    retry_after: Option<u64>,
}

fn oauth(code: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError {
        code,
        description: description.into(),
        retry_after: None,
    }
}

impl From<ApiError> for OAuthError {
    fn from(e: ApiError) -> Self {
        let rid = request_id::current().unwrap_or_default();
        match e {
            ApiError::Unavailable(cause) => {
                log::warn!("request_id={rid} unavailable: {cause}");
                oauth(
                    "temporarily_unavailable",
                    "the database is unavailable; retry later",
                )
            }
            ApiError::Internal(cause) => {
                log::error!("request_id={rid} internal error: {cause}");
                oauth("server_error", "internal server error")
            }
            ApiError::Busy(cause) => {
                log::warn!("request_id={rid} busy: {cause}");
                oauth("temporarily_unavailable", "the server is busy; retry later")
            }
            ApiError::TooManyRequests {
                retry_after,
                detail,
            } => OAuthError {
                code: "temporarily_unavailable",
                description: detail,
                retry_after: Some(retry_after),
            },
            other => oauth("invalid_request", other.to_string()),
        }
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        if self.retry_after.is_some() {
            return StatusCode::TOO_MANY_REQUESTS;
        }
        match self.code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if self.code == "invalid_client" {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"partnerships\""));
        }
        match (self.retry_after, self.code) {
            (Some(seconds), _) => {
                response.insert_header((header::RETRY_AFTER, seconds));
            }
            (None, "temporarily_unavailable") => {
                response.insert_header((header::RETRY_AFTER, 5));
            }
            _ => {}
        }
        response.json(OAuthErrorBody {
            error: self.code,
            error_description: self.description.clone(),
        })
    }
}

/// `client_id:client_secret` from HTTP Basic, each form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        oauth(
            "invalid_client",
            "the Authorization header is not valid HTTP Basic",
        )
    };
    let text = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = text.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn parse_form(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    if req.content_type() != "application/x-www-form-urlencoded" {
        return Err(oauth(
            "invalid_request",
            "send the request as application/x-www-form-urlencoded",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    for (key, _) in &pairs {
        if !seen.insert(key.clone()) {
            return Err(oauth(
                "invalid_request",
                format!("parameter {key} is repeated"),
            ));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(TokenRequest {
        grant_type: get("grant_type")
            .ok_or_else(|| oauth("invalid_request", "grant_type is required"))?,
        scope: get("scope"),
        client_id: get("client_id"),
        client_secret: get("client_secret"),
    })
}

/// Get an access token with client credentials (OAuth2, as Ed-Fi does).
///
/// No bearer token needed: the API client's id and secret go in HTTP Basic or in the form,
/// not both. A `scope` narrows the token; asking for a scope the client lacks is
/// `invalid_scope`. Revoked clients and wrong secrets get `invalid_client` (401); attempts are
/// rate-limited per source address (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = OAuthErrorBody),
        (status = 401, description = "invalid_client: unknown, revoked, or wrong secret", body = OAuthErrorBody),
        (status = 429, description = "temporarily_unavailable: too many attempts from this address or for this client; see `Retry-After`", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 500, description = "server_error", body = OAuthErrorBody),
        (status = 503, description = "temporarily_unavailable: the database is unavailable", body = OAuthErrorBody),
    )
)]
#[post("/oauth/token")]
pub async fn issue_token(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<AuthSettings>,
    limits: web::Data<SignInLimits>,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let form = parse_form(&req, &body)?;
    if form.grant_type != "client_credentials" {
        return Err(oauth(
            "unsupported_grant_type",
            "only client_credentials is supported",
        ));
    }
    let (client_id, secret) = match (basic_credentials(&req)?, form.client_id, form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(oauth(
                "invalid_request",
                "send the credentials once: in Basic or in the form",
            ))
        }
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => return Err(oauth("invalid_client", "client credentials are required")),
    };
    limits.attempt(&req, None)?;
    if form.scope.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(oauth(
            "invalid_scope",
            "scope is empty; leave it out to get every scope of the client",
        ));
    }
    let requested = form
        .scope
        .as_deref()
        .map(parse_scopes)
        .transpose()
        .map_err(|s| oauth("invalid_scope", format!("unknown scope {s:?}")))?;
    let request_id = request_id::current();
    let settings = settings.into_inner();
    let wanted = client_id.clone();
    let row = db::run(&pool, move |conn| {
        Ok(if db::sql::is_id(&wanted) {
            super::store::client(conn, &wanted)?
        } else {
            None
        })
    })
    .await?;
    let (checked, upgrade) = match &row {
        None => {
            // As slow as a wrong secret, so timing does not tell which ids exist.
            let _ = settings.secret_key.digest(&secret);
            (false, None)
        }
        Some(row) => match settings.secret_key.verify(&secret, &row.secret_hash) {
            Verdict::Match => (true, None),
            Verdict::Mismatch => (false, None),
            Verdict::Legacy => {
                let (given, stored) = (secret.clone(), row.secret_hash.clone());
                let ok = settings
                    .hashing
                    .run(move || password::verify(&given, &stored))
                    .await?;
                (ok, ok.then(|| settings.secret_key.digest(&secret)))
            }
        },
    };
    let row = match row {
        Some(row) if checked && row.revoked_at.is_none() => row,
        other => {
            let reason = match other {
                None => "unknown client",
                Some(row) if row.revoked_at.is_some() => "revoked client",
                Some(_) => "wrong secret",
            };
            let source = limits.source(&req).map(|ip| ip.to_string());
            failed_sign_in(&pool, "client", &client_id, reason, source, request_id).await?;
            return Err(oauth("invalid_client", "unknown client or wrong secret"));
        }
    };
    let answer = db::write(&pool, move |conn| {
        let grant = Grant::from_columns(
            &row.role,
            &row.scopes,
            &row.school_ids,
            row.partner_id.as_deref(),
        )?;
        let allowed = grant.effective_scopes();
        let scopes = match requested {
            None => allowed,
            Some(requested) => {
                let requested = expand(requested);
                if let Some(extra) = requested.iter().find(|s| !allowed.contains(s)) {
                    return Ok(Err(oauth(
                        "invalid_scope",
                        format!("the client may not have {extra}"),
                    )));
                }
                requested
            }
        };
        let actor = Actor {
            kind: "client",
            id: row.id.clone(),
            role: row.role.clone(),
            request_id,
        };
        write_transaction(conn, |conn| {
            // The secret was checked outside any lock. Under the row's lock the client must be
            // unchanged: a rotation or revocation that committed meanwhile wins, and one that
            // comes later sets its cut-off after this token.
            // Upgrading a legacy hash writes the row: take it exclusively then, or two
            // concurrent grants would each wait for the other's shared lock.
            if upgrade.is_some() {
                super::store::lock_client_exclusively(conn, &row.id)?;
            } else {
                super::store::lock_client(conn, &row.id)?;
            }
            if super::store::client(conn, &row.id)?.as_ref() != Some(&row) {
                return Ok(Err(oauth(
                    "invalid_client",
                    "unknown client or wrong secret",
                )));
            }
            if let Some(digest) = &upgrade {
                super::store::upgrade_client_secret(conn, &row.id, digest)?;
            }
            let issued = token::issue(
                &settings,
                PrincipalKind::Client,
                &row.id,
                grant.role.as_str(),
                &scopes,
            )?;
            let changes =
                serde_json::json!({"scope": {"old": null, "new": format_scopes(&scopes)}});
            audit::record(
                conn,
                &actor,
                "client",
                &row.id,
                "token_issued",
                Some(changes),
            )?;
            Ok(Ok(TokenResponse {
                access_token: issued.access_token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
                scope: format_scopes(&scopes),
            }))
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(answer))
}

/// Records a refused sign-in: a warning in the log and an event in the audit trail, under the
/// account named (cut to 64 characters; it may be anything the caller sent).
async fn failed_sign_in(
    pool: &DbPool,
    kind: &'static str,
    account: &str,
    reason: &'static str,
    source: Option<String>,
    request_id: Option<String>,
) -> Result<(), ApiError> {
    let account: String = account.chars().take(64).collect();
    let source = source.unwrap_or_else(|| "unknown".to_owned());
    log::warn!(
        "request_id={} sign-in refused: {kind} {account:?} from {source}: {reason}",
        request_id.as_deref().unwrap_or("-")
    );
    db::write(pool, move |conn| {
        let actor = Actor {
            kind: "anonymous",
            id: String::new(),
            role: String::new(),
            request_id,
        };
        let changes = serde_json::json!({"reason": reason, "source": source});
        write_transaction(conn, |conn| {
            audit::record(
                conn,
                &actor,
                kind,
                &account,
                "sign_in_failed",
                Some(changes),
            )
        })?;
        Ok(())
    })
    .await
}

/// Sign-in with a local account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "j.ramos@district.example.org", "password": "a long passphrase of words"}))]
pub struct LoginRequest {
    /// The user's email, compared case-insensitively (surrounding spaces ignored).
    #[schema(max_length = 254)]
    pub email: String,
    /// The user's local password.
    #[schema(max_length = 200)]
    pub password: String,
}

/// Sign in with email and password; answers an access token.
///
/// For users with a local password (others sign in through the district's identity provider
/// and send its token directly). The token carries every scope of the user's role. A wrong
/// email or password, or a disabled user, is 401 without saying which; repeated failures
/// for one email, or many attempts from one address, are 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 401, description = "Wrong email or password, or the user is disabled",
            body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address or for this email; see `Retry-After`",
            body = platform::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<AuthSettings>,
    limits: web::Data<SignInLimits>,
    body: platform::http::body::Body<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        email,
        password: given,
    } = body.into_inner()?;
    let email = email.trim().to_lowercase();
    limits.attempt(&req, Some(&email))?;
    let request_id = request_id::current();
    let settings = settings.into_inner();
    let wrong =
        || ApiError::Unauthorized("email or password is wrong, or the account is disabled".into());
    let wanted = email.clone();
    let row = db::run(&pool, move |conn| {
        Ok(if wanted.chars().count() <= 254 {
            super::store::user_by_email(conn, &wanted)?
        } else {
            None
        })
    })
    .await?
    .filter(|r| r.password_hash.is_some() && given.chars().count() <= 200);
    // argon2 runs on its own pool, never on a database connection; an unknown email spends the
    // same time, so timing does not tell which accounts exist.
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    let checked = settings
        .hashing
        .run(move || match stored {
            Some(hash) => password::verify(&given, &hash),
            None => {
                password::verify_nothing(&given);
                false
            }
        })
        .await?;
    let row = match row {
        Some(row) if checked && row.disabled_at.is_none() => row,
        other => {
            let reason = match other {
                None => "unknown email or no password",
                Some(row) if row.disabled_at.is_some() => "disabled user",
                Some(_) => "wrong password",
            };
            limits.failed(&email);
            let source = limits.source(&req).map(|ip| ip.to_string());
            failed_sign_in(&pool, "user", &email, reason, source, request_id).await?;
            return Err(wrong());
        }
    };
    let answer = db::write(&pool, move |conn| {
        let grant = Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
        let scopes = grant.effective_scopes();
        let actor = Actor {
            kind: "user",
            id: row.id.clone(),
            role: row.role.clone(),
            request_id,
        };
        write_transaction(conn, |conn| {
            // As for clients: a password change or disabling that committed meanwhile wins.
            super::store::lock_user(conn, &row.id)?;
            if super::store::user(conn, &row.id)?.as_ref() != Some(&row) {
                return Err(wrong());
            }
            let issued = token::issue(
                &settings,
                PrincipalKind::User,
                &row.id,
                grant.role.as_str(),
                &scopes,
            )?;
            audit::record(conn, &actor, "user", &row.id, "login", None)?;
            Ok(TokenResponse {
                access_token: issued.access_token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
                scope: format_scopes(&scopes),
            })
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(answer))
}
