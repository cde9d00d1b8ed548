//! Access tokens: issuing ours (HS256) and verifying ours or the identity provider's.

use std::collections::BTreeSet;

use jsonwebtoken::{decode, decode_header, encode, Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use super::permissions::{format_scopes, parse_scopes, Scope};
use super::settings::AuthSettings;
use platform::error::ApiError;

platform::text_enum! {
    /// Whether a token stands for an API client or a person.
    pub enum PrincipalKind {
        Client => "client",
        User => "user",
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    /// `client` or `user`.
    typ: PrincipalKind,
    role: String,
    scope: String,
}

#[derive(Debug, Deserialize)]
struct ProviderClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Only an email the provider says it verified is used to find the user.
    #[serde(default)]
    email_verified: Option<bool>,
    iat: i64,
}

pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
}

pub fn issue(
    settings: &AuthSettings,
    kind: PrincipalKind,
    subject: &str,
    role: &str,
    scopes: &BTreeSet<Scope>,
) -> Result<Issued, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let ttl = settings.token_ttl.as_secs();
    let claims = Claims {
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        sub: subject.to_owned(),
        iat: now,
        nbf: now,
        exp: now + i64::try_from(ttl).unwrap_or(i64::MAX / 2),
        jti: platform::db::sql::new_id(),
        typ: kind,
        role: role.to_owned(),
        scope: format_scopes(scopes),
    };
    let access_token = encode(&Header::new(Algorithm::HS256), &claims, &settings.encoding)
        .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))?;
    Ok(Issued {
        access_token,
        expires_in: ttl,
    })
}

/// What a valid token says.
#[derive(Debug, Clone)]
pub enum Verified {
    /// Issued by this service.
    Local {
        kind: PrincipalKind,
        subject: String,
        scopes: BTreeSet<Scope>,
        /// Issue time in milliseconds: from the `jti`, a UUIDv7, which is finer than `iat`.
        issued_ms: i64,
    },
    /// Issued by the district's identity provider, for a person.
    Provider {
        subject: String,
        email: Option<String>,
        issued_ms: i64,
    },
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str, leeway: u64) -> Validation {
    let mut v = Validation::new(algorithm);
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.leeway = leeway;
    v.validate_nbf = true;
    v
}

fn reason(e: jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".to_owned(),
        ErrorKind::InvalidIssuer => "the token was issued by someone else".to_owned(),
        ErrorKind::InvalidAudience => "the token is meant for another audience".to_owned(),
        ErrorKind::InvalidSignature => "the token signature does not verify".to_owned(),
        ErrorKind::InvalidAlgorithm => "the token algorithm is not accepted".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the {claim} claim"),
        _ => "the token is malformed".to_owned(),
    }
}

/// Checks signature, algorithm, issuer, audience and times. The algorithm is never taken
/// from the token alone: HS256 means ours, and the provider's only when it is exactly the one
/// configured; anything else (including `none`) is refused.
pub fn verify(settings: &AuthSettings, token: &str) -> Result<Verified, ApiError> {
    let leeway = settings.leeway.as_secs();
    let header = decode_header(token)
        .map_err(|_| ApiError::InvalidToken("the token is malformed".into()))?;
    let now = chrono::Utc::now().timestamp();
    let future_iat = |iat: i64| iat > now + i64::try_from(leeway).unwrap_or(0);
    if header.alg == Algorithm::HS256 {
        let mut v = validation(
            Algorithm::HS256,
            &settings.issuer,
            &settings.audience,
            leeway,
        );
        v.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = decode::<Claims>(token, &settings.decoding, &v)
            .map_err(|e| ApiError::InvalidToken(reason(e)))?;
        let claims = data.claims;
        if future_iat(claims.iat) {
            return Err(ApiError::InvalidToken(
                "the token was issued in the future".into(),
            ));
        }
        let scopes = parse_scopes(&claims.scope)
            .map_err(|s| ApiError::InvalidToken(format!("unknown scope {s:?}")))?;
        let issued_ms = uuid::Uuid::parse_str(&claims.jti)
            .ok()
            .and_then(|id| id.get_timestamp())
            .map(|ts| {
                let (secs, nanos) = ts.to_unix();
                i64::try_from(secs).unwrap_or(0) * 1000 + i64::from(nanos / 1_000_000)
            })
            .unwrap_or(claims.iat * 1000);
        return Ok(Verified::Local {
            kind: claims.typ,
            subject: claims.sub,
            scopes,
            issued_ms,
        });
    }
    match &settings.identity_provider {
        Some(provider) => {
            let (algorithm, key) = provider.key_for(&header)?;
            let mut v = validation(algorithm, &provider.issuer, &provider.audience, leeway);
            v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
            let data = decode::<ProviderClaims>(token, &key, &v)
                .map_err(|e| ApiError::InvalidToken(reason(e)))?;
            if future_iat(data.claims.iat) {
                return Err(ApiError::InvalidToken(
                    "the token was issued in the future".into(),
                ));
            }
            Ok(Verified::Provider {
                subject: data.claims.sub,
                email: data
                    .claims
                    .email
                    .filter(|_| data.claims.email_verified == Some(true))
                    .map(|e| e.trim().to_lowercase()),
                issued_ms: data.claims.iat.saturating_mul(1000),
            })
        }
        _ => Err(ApiError::InvalidToken(
            "the token algorithm is not accepted".into(),
        )),
    }
}
