//! The authenticated caller: an extractor, so a handler that takes `Caller` cannot run without
//! a valid token, and its signature says so.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::permissions::{expand, Role, Scope};
use super::principal_cache::{self, Principal};
use super::settings::AuthSettings;
use super::store;
use super::token::{self, PrincipalKind, Verified};
use super::Grant;
use journal::audit::{self, Actor};
use platform::db::{self, write_transaction, DbConnection, DbPool};
use platform::error::ApiError;
use platform::http::request_id;

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
    /// The operator at the server's command line (`partnerships client …`, `seed --demo`): an
    /// administrator.
    pub fn command_line() -> Caller {
        Caller {
            kind: PrincipalKind::User,
            id: "cli".into(),
            role: Role::Admin,
            scopes: Role::Admin.implied_scopes(),
            school_ids: Vec::new(),
            partner_id: None,
        }
    }

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

    /// Whether the caller's changes to a partner's vetting are decisions (see `vetting`).
    pub fn decides_vetting(&self) -> bool {
        self.scopes.contains(&Scope::VettingDecide)
    }

    /// Whether the caller reads vetting notes: admin and staff only.
    pub fn reads_vetting_notes(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
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

    /// For what belongs to one school or, without one, to the whole district (surveys,
    /// committees, communication plans): staff write for their own schools, and what is
    /// district-wide is for administrators; other roles with the write scope are not bound.
    pub fn check_school_or_district(&self, school: Option<&str>) -> Result<(), ApiError> {
        match school {
            _ if self.role != Role::Staff => Ok(()),
            Some(school) => self.check_schools(&[school.to_owned()]),
            None => Err(ApiError::Forbidden(
                "what is district-wide is for administrators".to_owned(),
            )),
        }
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

/// The client or user a local token names, from the database; a revoked client or a disabled
/// user is refused.
fn fetch_local(
    conn: &mut DbConnection,
    kind: PrincipalKind,
    subject: &str,
) -> Result<Principal, ApiError> {
    match kind {
        PrincipalKind::Client => {
            let row = store::client(conn, subject)?
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
            Ok(Principal {
                kind,
                id: row.id,
                grant,
                valid_after: row.tokens_valid_after,
            })
        }
        PrincipalKind::User => {
            let row =
                store::user(conn, subject)?.ok_or_else(|| refused("the user no longer exists"))?;
            if row.disabled_at.is_some() {
                return Err(refused("the user is disabled"));
            }
            let grant =
                Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
            Ok(Principal {
                kind,
                id: row.id,
                grant,
                valid_after: row.tokens_valid_after,
            })
        }
    }
}

/// Loads the principal a verified token names (see [`fetch_local`]); a token older than the
/// last secret rotation, password change or disabling is refused.
fn load(
    conn: &mut DbConnection,
    verified: Verified,
    ttl: Duration,
    request_id: Option<String>,
) -> Result<Caller, ApiError> {
    match verified {
        Verified::Local {
            kind,
            subject,
            scopes,
            issued_ms,
        } => {
            let read = principal_cache::mark();
            let principal = fetch_local(conn, kind, &subject)?;
            principal_cache::put(principal.clone(), ttl, read);
            admit(principal, Some(scopes), issued_ms)
        }
        // A user starts with no cut-off, so provider tokens issued before the user was added
        // here work; disabling moves the cut-off, so re-enabling does not revive old tokens.
        Verified::Provider {
            subject,
            email,
            issued_ms,
        } => {
            let row = match store::user_by_subject(conn, &subject)? {
                Some(row) => row,
                None => claim_by_email(conn, &subject, email.as_deref(), request_id)?,
            };
            if row.disabled_at.is_some() {
                return Err(refused("the user is disabled"));
            }
            let grant =
                Grant::from_columns(&row.role, "", &row.school_ids, row.partner_id.as_deref())?;
            let principal = Principal {
                kind: PrincipalKind::User,
                id: row.id,
                grant,
                valid_after: row.tokens_valid_after,
            };
            admit(principal, None, issued_ms)
        }
    }
}

/// The first sign-in of a provider subject: the user whose email the provider verified, if that
/// user may be claimed (see `store::user_claimable_by_email`). The subject is bound to the user
/// then, and from that moment only the subject matches.
fn claim_by_email(
    conn: &mut DbConnection,
    subject: &str,
    email: Option<&str>,
    request_id: Option<String>,
) -> Result<store::UserCredentials, ApiError> {
    let unmatched =
        || refused("no user of this service matches the token's subject or verified email");
    let Some(email) = email else {
        return Err(unmatched());
    };
    let user = store::user_claimable_by_email(conn, email)?.ok_or_else(unmatched)?;
    if user.disabled_at.is_some() {
        return Err(refused("the user is disabled"));
    }
    let bound = write_transaction(conn, |conn| {
        if !store::bind_subject(conn, &user.id, subject)? {
            return Ok(false);
        }
        let actor = Actor {
            kind: "user",
            id: user.id.clone(),
            role: user.role.clone(),
            request_id,
        };
        let changes = serde_json::json!({"external_subject": {"old": null, "new": subject}});
        audit::record(
            conn,
            &actor,
            "user",
            &user.id,
            "identity_bound",
            Some(changes),
        )?;
        Ok::<_, ApiError>(true)
    })?;
    if bound {
        return store::user(conn, &user.id)?.ok_or_else(unmatched);
    }
    // Bound by a concurrent first request: it counts only if it bound this subject.
    store::user_by_subject(conn, subject)?.ok_or_else(unmatched)
}

/// The caller a valid principal makes with this token: refused when the token predates the
/// principal's cut-off, and narrowed to the token's scopes.
fn admit(
    principal: Principal,
    token_scopes: Option<BTreeSet<Scope>>,
    issued_ms: i64,
) -> Result<Caller, ApiError> {
    if issued_ms < principal.valid_after.and_utc().timestamp_millis() {
        return Err(refused(
            "the token was issued before the credentials changed; get a new one",
        ));
    }
    let grant = principal.grant;
    let mut scopes = grant.effective_scopes();
    if let Some(token_scopes) = token_scopes {
        let allowed = expand(token_scopes);
        scopes.retain(|s| allowed.contains(s));
    }
    Ok(Caller {
        kind: principal.kind,
        id: principal.id,
        role: grant.role,
        scopes,
        school_ids: grant.school_ids,
        partner_id: grant.partner_id,
    })
}

/// The caller a principal would be now, narrowed to `scopes` (what its token held when it
/// set up, at `since`, something that acts later on its behalf, such as a calendar feed).
/// Refused when the principal is gone, revoked or disabled, or its credentials changed after
/// `since` (a password change or secret rotation ends what a stolen token set up).
pub fn acting_as(
    conn: &mut DbConnection,
    kind: PrincipalKind,
    id: &str,
    scopes: BTreeSet<Scope>,
    since: chrono::NaiveDateTime,
) -> Result<Caller, ApiError> {
    let principal = fetch_local(conn, kind, id)?;
    admit(principal, Some(scopes), since.and_utc().timestamp_millis())
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
            if let Some(provider) = &settings.identity_provider {
                provider.prepare(&token).await;
            }
            let verified = token::verify(&settings, &token)?;
            let ttl = settings.principal_cache_ttl;
            if let Verified::Local {
                kind,
                subject,
                scopes,
                issued_ms,
            } = &verified
            {
                if let Some(principal) = principal_cache::get(*kind, subject, ttl) {
                    return admit(principal, Some(scopes.clone()), *issued_ms);
                }
            }
            let request_id = request_id::current();
            db::run(&pool, move |conn| load(conn, verified, ttl, request_id)).await
        })
    }
}
