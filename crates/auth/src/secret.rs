//! Client secrets: 256 random bits each, so a keyed SHA-256 (HMAC) is as safe as a slow hash
//! and costs microseconds. A flood of wrong secrets then costs the server almost nothing, where
//! argon2 spent 70 ms of a core on each one.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "hmac-sha256$";

/// The key of client-secret digests.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// What a stored secret hash says about a presented secret.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Match,
    Mismatch,
    /// An argon2 hash from before digests: check it with the slow hash (then store a digest).
    Legacy,
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// SHA-256 of `bytes`, in lowercase hex: the stored form of a high-entropy token that needs
/// no key (a calendar feed's), and a request's fingerprint.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&Sha256::digest(bytes))
}

/// Bytes in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SecretKey {
    /// Derived from the token key, so a deployment keeps one secret. Changing `JWT_SECRET`
    /// therefore also invalidates client secrets (README: rotate them together).
    pub fn derive(token_secret: &[u8]) -> Self {
        let mut m = mac(token_secret);
        m.update(b"partnerships client-secret digest v1");
        SecretKey(m.finalize().into_bytes().into())
    }

    /// What is stored for `secret`.
    pub fn digest(&self, secret: &str) -> String {
        let mut m = mac(&self.0);
        m.update(secret.as_bytes());
        format!(
            "{PREFIX}{}",
            STANDARD_NO_PAD.encode(m.finalize().into_bytes())
        )
    }

    /// Compares in constant time (`verify_slice`).
    pub fn verify(&self, secret: &str, stored: &str) -> Verdict {
        if let Some(encoded) = stored.strip_prefix(PREFIX) {
            let Ok(expected) = STANDARD_NO_PAD.decode(encoded) else {
                return Verdict::Mismatch;
            };
            let mut m = mac(&self.0);
            m.update(secret.as_bytes());
            return match m.verify_slice(&expected) {
                Ok(()) => Verdict::Match,
                Err(_) => Verdict::Mismatch,
            };
        }
        if stored.starts_with("$argon2") {
            Verdict::Legacy
        } else {
            Verdict::Mismatch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_verify_only_the_right_secret_under_the_right_key() {
        let key = SecretKey::derive(b"a token key of at least thirty-two bytes");
        let stored = key.digest("s3cret");
        assert!(stored.starts_with(PREFIX));
        assert_eq!(key.verify("s3cret", &stored), Verdict::Match);
        assert_eq!(key.verify("s3cret!", &stored), Verdict::Mismatch);
        let other = SecretKey::derive(b"another token key of thirty-two bytes!!");
        assert_eq!(other.verify("s3cret", &stored), Verdict::Mismatch);
        assert_eq!(
            key.verify("s3cret", "hmac-sha256$not base64!"),
            Verdict::Mismatch
        );
        assert_eq!(key.verify("s3cret", "$argon2id$v=19$…"), Verdict::Legacy);
        assert_eq!(key.verify("s3cret", ""), Verdict::Mismatch);
    }
}
