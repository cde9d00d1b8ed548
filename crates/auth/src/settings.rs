//! Token settings: the key for tokens this service issues, and the optional identity provider
//! whose tokens it accepts.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::{DecodingKey, EncodingKey};

use super::password::HashPool;
pub use super::provider::IdentityProvider;
use super::secret::SecretKey;

/// The shortest accepted `JWT_SECRET`, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Clone)]
pub struct AuthSettings {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    pub issuer: String,
    pub audience: String,
    pub token_ttl: Duration,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    pub identity_provider: Option<IdentityProvider>,
    /// How long a token's client or user is remembered between requests (see
    /// `principal_cache`); zero reads it on every request.
    pub principal_cache_ttl: Duration,
    /// Keys the digests of client secrets.
    pub secret_key: SecretKey,
    /// Where passwords are hashed and checked.
    pub hashing: HashPool,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("token_ttl", &self.token_ttl)
            .field(
                "identity_provider",
                &self.identity_provider.as_ref().map(|p| &p.issuer),
            )
            .finish_non_exhaustive()
    }
}

impl AuthSettings {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, token_ttl: Duration) -> Self {
        AuthSettings {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            token_ttl,
            leeway: Duration::from_secs(30),
            identity_provider: None,
            principal_cache_ttl: Duration::from_secs(5),
            secret_key: SecretKey::derive(secret),
            hashing: HashPool::per_core(),
        }
    }
}

/// Reads the token secret kept beside the SQLite database, creating it (owner-only) on first
/// start, so `cargo run --release` needs no setup and tokens survive restarts.
pub fn load_or_create_secret_file(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() >= MIN_SECRET_LEN => return Ok(bytes),
        Ok(_) => {
            return Err(format!(
                "{} is shorter than {MIN_SECRET_LEN} bytes",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    let secret = crate::password::random_token(48).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // Written whole to a private temporary file, then linked into place: another process
    // starting at the same time sees no file or a complete one, never a partial key.
    let temporary = path.with_extension(format!("tmp-{}", platform::db::sql::new_id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        std::io::Write::write_all(&mut file, secret.as_bytes()).and_then(|()| file.sync_all())
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(secret.into_bytes()),
        // Another process created it first: use theirs, if it is a real key.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match std::fs::read(path) {
            Ok(bytes) if bytes.len() >= MIN_SECRET_LEN => Ok(bytes),
            Ok(_) => Err(format!(
                "{} is shorter than {MIN_SECRET_LEN} bytes",
                path.display()
            )),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        },
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}
