//! The authenticated caller: an extractor, so a handler that takes `Caller` cannot run without
//! a valid token, and its signature says so.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::permissions::{expand, Role, Scope};
use super::settings::AuthSettings;
use super::token::{self, PrincipalKind, Verified};
use super::Grant;
use crate::audit::Actor;
use crate::db::{self, DbConnection, DbPool};
use crate::error::ApiError;
use crate::http::request_id;
use crate::{clients, users};

#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: PrincipalKind,
    pub id: String,
    pub role: Role,
    /// What this request may do: the principal's current scopes, narrowed by the token's.
    pub scopes: BTreeSet<Scope>,
    pub school_ids: Vec<String>,
    pub partner_id: Option<String>,
}

impl Caller {
    /// 403 unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scope.as_str()))
        }
    }

    /// The admin role, with a token that kept the `admin` scope.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role != Role::Admin {
            return Err(ApiError::Forbidden(
                "only administrators may do this".to_owned(),
            ));
        }
        self.require(Scope::Admin)
    }

    /// Staff write only what is bound to their schools (and nothing school-bound without
    /// schools); other roles with the write scope are not bound.
    pub fn check_schools(&self, school_ids: &[String]) -> Result<(), ApiError> {
        if self.role != Role::Staff {
            return Ok(());
        }
        if school_ids.is_empty() || school_ids.iter().any(|s| !self.school_ids.contains(s)) {
            return Err(ApiError::Forbidden(
                "staff may write only for the schools they are assigned to".to_owned(),
            ));
        }
        Ok(())
    }

    /// For the partner role, the one partner it may see; stores add this to their queries.
    /// (A partner principal without a partner sees nothing.)
    pub fn partner_scope(&self) -> Option<String> {
        (self.role == Role::Partner).then(|| self.partner_id.clone().unwrap_or_default())
    }

    /// Whether the caller may see the partner `partner_id` and what hangs off it.
    pub fn sees_partner(&self, partner_id: &str) -> bool {
        self.partner_scope().is_none_or(|own| own == partner_id)
    }

    /// Who to name in the audit trail for this request.
    pub fn actor(&self) -> Actor {
        Actor {
            kind: self.kind.as_str(),
            id: self.id.clone(),
            role: self.role.as_str().to_owned(),
            request_id: request_id::current(),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::MissingToken);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is not ASCII".into()))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::InvalidToken(
            "use Authorization: Bearer <token>".into(),
        )),
    }
}

fn refused(reason: &str) -> ApiError {
    ApiError::InvalidToken(reason.to_owned())
}

/// Loads the principal a verified token names; a revoked client, a disabled user, or a token
/// older than the last secret rotation or password change is refused. Done on every request,
/// so revocation takes effect at once.
fn load(conn: &mut DbConnection, verified: Verified) -> Result<Caller, ApiError> {
    let (kind, id, grant, token_scopes, issued_ms, valid_after) = match verified {
        Verified::Local {
            kind: PrincipalKind::Client,
            subject,
            scopes,
            issued_ms,
        } => {
            let row = clients::store::find(conn, &subject)?
                .ok_or_else(|| refused("the client no longer exists"))?;
            if row.revoked_at.is_some() {
                return Err(refused("the client has been revoked"));
            }
            let grant = Grant::from_columns(
                &row.role,
                &row.scopes,
                &row.school_ids,
                row.partner_id.as_deref(),
            )?;
            (
                PrincipalKind::Client,
                row.id,
                grant,
                Some(scopes),
                Some(issued_ms),
                row.tokens_valid_after,
            )
        }
        Verified::Local {
            kind: PrincipalKind::User,
            subject,
            scopes,
            issued_ms,
        } => {
            let row = users::store::find(conn, &subject)?
                .ok_or_else(|| refused("the user no longer exists"))?;
            if row.disabled_at.is_some() {
                return Err(refused("the user is disabled"));
            }
            let grant =
                Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
            (
                PrincipalKind::User,
                row.id,
                grant,
                Some(scopes),
                Some(issued_ms),
                row.tokens_valid_after,
            )
        }
        // A user starts with no cut-off, so provider tokens issued before the user was added
        // here work; disabling moves the cut-off, so re-enabling does not revive old tokens.
        Verified::Provider {
            subject,
            email,
            issued_ms,
        } => {
            let row = users::store::find_by_identity(conn, &subject, email.as_deref())?
                .ok_or_else(|| {
                    refused("no user of this service matches the token's subject or email")
                })?;
            if row.disabled_at.is_some() {
                return Err(refused("the user is disabled"));
            }
            let grant =
                Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
            (
                PrincipalKind::User,
                row.id,
                grant,
                None,
                Some(issued_ms),
                row.tokens_valid_after,
            )
        }
    };
    if issued_ms.is_some_and(|ms| ms < valid_after.and_utc().timestamp_millis()) {
        return Err(refused(
            "the token was issued before the credentials changed; get a new one",
        ));
    }
    let mut scopes = grant.effective_scopes();
    if let Some(token_scopes) = token_scopes {
        let allowed = expand(token_scopes);
        scopes.retain(|s| allowed.contains(s));
    }
    Ok(Caller {
        kind,
        id,
        role: grant.role,
        scopes,
        school_ids: grant.school_ids,
        partner_id: grant.partner_id,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let settings = req.app_data::<web::Data<AuthSettings>>().cloned();
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let token = token?;
            let (Some(settings), Some(pool)) = (settings, pool) else {
                return Err(ApiError::Internal(
                    "authentication is not configured".into(),
                ));
            };
            let verified = token::verify(&settings, &token)?;
            db::run(&pool, move |conn| load(conn, verified)).await
        })
    }
}
