//! Slow hashes for passwords (argon2id), run on a bounded pool of their own, and random
//! secrets.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use platform::error::ApiError;

pub fn hash(secret: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("cannot hash a secret: {e}")))
}

/// Constant-time check of `secret` against a stored argon2 hash.
pub fn verify(secret: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification, so an unknown client id or email answers as slowly as
/// a wrong secret and does not reveal which ids exist.
pub fn verify_nothing(secret: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(stored) = DUMMY.get_or_init(|| hash("not a real secret").ok()) {
        let _ = verify(secret, stored);
    }
}

/// Where argon2 runs: never on a pooled database connection, at most `size` at once (one per
/// core by default), so a flood of sign-ins cannot hold the database pool or every core. A
/// caller that waits longer than `wait` for a turn gets 503 with `Retry-After`.
#[derive(Clone, Debug)]
pub struct HashPool {
    permits: Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

impl HashPool {
    pub fn new(size: usize, wait: Duration) -> Self {
        HashPool {
            permits: Arc::new(tokio::sync::Semaphore::new(size.max(1))),
            wait,
        }
    }

    /// One per core.
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashPool::new(cores, Duration::from_secs(5))
    }

    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let acquired =
            actix_web::rt::time::timeout(self.wait, self.permits.clone().acquire_owned()).await;
        let Ok(Ok(permit)) = acquired else {
            return Err(ApiError::Busy(
                "every password-hashing slot stayed busy".to_owned(),
            ));
        };
        actix_web::web::block(move || {
            let _turn = permit;
            work()
        })
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing did not finish: {e}")))
    }
}

/// `bytes` random bytes from the operating system, URL-safe base64.
pub fn random_token(bytes: usize) -> Result<String, ApiError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| ApiError::Internal(format!("no randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_secret() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horse!", &stored));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[actix_web::test]
    async fn the_pool_runs_at_most_its_size_at_once_and_refuses_after_the_wait() {
        let pool = HashPool::new(1, Duration::from_millis(50));
        let slow = pool.clone();
        let first = actix_web::rt::spawn(async move {
            slow.run(|| std::thread::sleep(Duration::from_millis(400)))
                .await
        });
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        assert!(matches!(pool.run(|| ()).await, Err(ApiError::Busy(_))));
        assert!(matches!(first.await, Ok(Ok(()))));
        assert_eq!(pool.run(|| 7).await.ok(), Some(7));
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32).unwrap());
    }
}
