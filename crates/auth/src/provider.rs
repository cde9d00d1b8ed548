//! The district's identity provider and the keys its tokens are checked with: one static PEM
//! (`OIDC_PUBLIC_KEY_FILE`, the offline option), or the provider's published keys, found from
//! `OIDC_ISSUER` alone through OpenID Connect discovery and its `jwks_uri`.
//!
//! Published keys are chosen by `kid` and cached. A token naming a key the cache does not have
//! makes one refresh (at most one per [`Jwks::min_refresh`], however many such tokens arrive),
//! which is how a rotation at the provider is picked up without a restart. While the provider
//! is unreachable the cached keys keep working.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{decode_header, Algorithm, DecodingKey, Header};
use serde::Deserialize;

use platform::error::ApiError;

/// The district's identity provider: its tokens are accepted when signed by one of its keys,
/// issued by `issuer` for `audience`; they map to a user by `sub` or `email`.
#[derive(Clone)]
pub struct IdentityProvider {
    pub issuer: String,
    pub audience: String,
    pub keys: ProviderKeys,
}

#[derive(Clone)]
pub enum ProviderKeys {
    /// One key, for one algorithm.
    Static {
        algorithm: Algorithm,
        key: DecodingKey,
    },
    /// The keys the provider publishes.
    Published(Arc<Jwks>),
}

impl IdentityProvider {
    /// A provider with one static key: `algorithm` is `RS256` or `ES256`, `pem` its public key.
    pub fn new(issuer: &str, audience: &str, algorithm: &str, pem: &[u8]) -> Result<Self, String> {
        let (algorithm, key) = match algorithm {
            "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)),
            "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(pem)),
            other => return Err(format!("must be RS256 or ES256, got {other:?}")),
        };
        let key = key.map_err(|e| format!("not a {algorithm:?} public key in PEM form: {e}"))?;
        Ok(IdentityProvider {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys: ProviderKeys::Static { algorithm, key },
        })
    }

    /// A provider whose keys are discovered from its issuer URL.
    pub fn discovered(issuer: &str, audience: &str, jwks: Arc<Jwks>) -> Self {
        IdentityProvider {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys: ProviderKeys::Published(jwks),
        }
    }

    /// The algorithm and key a token with this header is checked with.
    pub fn key_for(&self, header: &Header) -> Result<(Algorithm, DecodingKey), ApiError> {
        match &self.keys {
            ProviderKeys::Static { algorithm, key } if header.alg == *algorithm => {
                Ok((*algorithm, key.clone()))
            }
            ProviderKeys::Static { .. } => Err(ApiError::InvalidToken(
                "the token algorithm is not accepted".into(),
            )),
            ProviderKeys::Published(jwks) => jwks.key_for(header),
        }
    }

    /// Makes sure the key a token names is known, refreshing the published keys when it is not.
    pub async fn prepare(&self, token: &str) {
        if let ProviderKeys::Published(jwks) = &self.keys {
            jwks.prepare(token).await;
        }
    }
}

/// Signature algorithms accepted from a provider: asymmetric only.
const ACCEPTED: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

#[derive(Clone)]
struct PublishedKey {
    /// RSA, or the EC curve's algorithm.
    kind: KeyKind,
    /// The algorithm the provider pinned the key to, if it did.
    algorithm: Option<Algorithm>,
    key: DecodingKey,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    Ec(Algorithm),
}

impl PublishedKey {
    fn from_jwk(jwk: &Jwk) -> Option<PublishedKey> {
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        let kind = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => KeyKind::Rsa,
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => KeyKind::Ec(Algorithm::ES256),
                EllipticCurve::P384 => KeyKind::Ec(Algorithm::ES384),
                _ => return None,
            },
            // Shared secrets and other kinds are never a provider's signing key.
            _ => return None,
        };
        let algorithm = match jwk.common.key_algorithm {
            None => None,
            Some(a) => Some(Algorithm::try_from(a).ok()?),
        };
        Some(PublishedKey {
            kind,
            algorithm,
            key: DecodingKey::from_jwk(jwk).ok()?,
        })
    }

    fn accepts(&self, algorithm: Algorithm) -> bool {
        let fits = match self.kind {
            KeyKind::Rsa => matches!(
                algorithm,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ),
            KeyKind::Ec(curve) => algorithm == curve,
        };
        fits && ACCEPTED.contains(&algorithm) && self.algorithm.is_none_or(|a| a == algorithm)
    }
}

#[derive(Default)]
struct KeyCache {
    by_kid: HashMap<String, PublishedKey>,
    /// Keys published without a `kid`.
    unnamed: Vec<PublishedKey>,
    /// From the discovery document; forgotten when fetching the keys fails.
    jwks_uri: Option<String>,
}

/// The provider's published keys, cached.
pub struct Jwks {
    issuer: String,
    client: reqwest::Client,
    cache: RwLock<KeyCache>,
    /// When keys were last fetched (or tried); also lets one request at a time fetch.
    fetched: tokio::sync::Mutex<Option<Instant>>,
    /// The shortest time between two fetches.
    pub min_refresh: Duration,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Jwks {
    pub fn new(issuer: &str, min_refresh: Duration, timeout: Duration) -> Result<Jwks, String> {
        let client = platform::http::client::builder(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Jwks {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client,
            cache: RwLock::new(KeyCache::default()),
            fetched: tokio::sync::Mutex::new(None),
            min_refresh,
        })
    }

    fn key_for(&self, header: &Header) -> Result<(Algorithm, DecodingKey), ApiError> {
        let cache = self
            .cache
            .read()
            .map_err(|_| ApiError::Internal("the provider key cache is poisoned".into()))?;
        let key = match &header.kid {
            Some(kid) => cache.by_kid.get(kid),
            None if cache.by_kid.len() + cache.unnamed.len() == 1 => {
                cache.by_kid.values().chain(cache.unnamed.iter()).next()
            }
            None => None,
        };
        match key {
            None => Err(ApiError::InvalidToken(
                "the token is signed with a key the identity provider does not publish".into(),
            )),
            Some(k) if !k.accepts(header.alg) => Err(ApiError::InvalidToken(
                "the token algorithm is not accepted".into(),
            )),
            Some(k) => Ok((header.alg, k.key.clone())),
        }
    }

    /// Refreshes the keys when `token` names one the cache lacks, unless keys were fetched
    /// within `min_refresh`.
    pub async fn prepare(&self, token: &str) {
        let Ok(header) = decode_header(token) else {
            return;
        };
        if !ACCEPTED.contains(&header.alg) || self.key_for(&header).is_ok() {
            return;
        }
        let mut fetched = self.fetched.lock().await;
        if fetched.is_some_and(|at| at.elapsed() < self.min_refresh) {
            return;
        }
        // Another request may have fetched them while this one waited.
        if self.key_for(&header).is_ok() {
            return;
        }
        *fetched = Some(Instant::now());
        if let Err(e) = self.refresh().await {
            log::warn!("identity provider keys not refreshed (the cached ones stay in use): {e}");
        }
    }

    /// Fetches the keys now (at start), whatever the cache holds.
    pub async fn warm(&self) {
        let mut fetched = self.fetched.lock().await;
        *fetched = Some(Instant::now());
        if let Err(e) = self.refresh().await {
            log::warn!("identity provider keys not fetched yet: {e}");
        }
    }

    async fn refresh(&self) -> Result<(), String> {
        let known = self.cache.read().ok().and_then(|c| c.jwks_uri.clone());
        let jwks_uri = match known {
            Some(uri) => uri,
            None => self.discover().await?,
        };
        let set: Result<JwkSet, String> = self.fetch_json(&jwks_uri).await;
        let set = match set {
            Ok(set) => set,
            Err(e) => {
                if let Ok(mut cache) = self.cache.write() {
                    cache.jwks_uri = None;
                }
                return Err(e);
            }
        };
        let mut by_kid = HashMap::new();
        let mut unnamed = Vec::new();
        for jwk in &set.keys {
            let Some(key) = PublishedKey::from_jwk(jwk) else {
                continue;
            };
            match &jwk.common.key_id {
                Some(kid) => {
                    by_kid.insert(kid.clone(), key);
                }
                None => unnamed.push(key),
            }
        }
        if by_kid.is_empty() && unnamed.is_empty() {
            return Err(format!("{jwks_uri} publishes no RSA or EC signing key"));
        }
        let mut cache = self
            .cache
            .write()
            .map_err(|_| "the provider key cache is poisoned".to_owned())?;
        log::info!(
            "identity provider keys refreshed: {} from {jwks_uri}",
            by_kid.len() + unnamed.len()
        );
        *cache = KeyCache {
            by_kid,
            unnamed,
            jwks_uri: Some(jwks_uri),
        };
        Ok(())
    }

    async fn discover(&self) -> Result<String, String> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let found: Discovery = self.fetch_json(&url).await?;
        // OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was found at.
        if found.issuer.trim_end_matches('/') != self.issuer.trim_end_matches('/') {
            return Err(format!(
                "{url} names the issuer {:?}, not {:?}",
                found.issuer, self.issuer
            ));
        }
        Ok(found.jwks_uri)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{url}: not the expected JSON: {e}"))
    }
}
