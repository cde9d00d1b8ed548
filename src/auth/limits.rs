//! Rate limits on signing in (token grants and logins): per source address and per account, so
//! neither one address nor a guessing campaign spread over many addresses can try credentials
//! fast. Answers 429 with `Retry-After`.

use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};

use crate::error::ApiError;

type Keyed =
    RateLimiter<String, governor::state::keyed::DefaultKeyedStateStore<String>, DefaultClock>;

/// `RATE_LIMIT_*`: attempts allowed a minute (as a burst, refilled evenly); 0 turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-in attempts a minute from one source address.
    pub per_source_per_minute: u32,
    /// Sign-in attempts a minute naming one client id or email.
    pub per_account_per_minute: u32,
    /// Take the source address from `Forwarded` / `X-Forwarded-For` (behind a proxy that sets
    /// them); otherwise it is the peer address.
    pub trust_forwarded: bool,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_source_per_minute: 60,
            per_account_per_minute: 20,
            trust_forwarded: false,
        }
    }
}

/// The limiters of one App.
pub struct SignInLimits {
    per_source: Option<Keyed>,
    per_account: Option<Keyed>,
    trust_forwarded: bool,
}

/// Keys remembered before the idle ones are dropped, so random client ids cannot grow memory
/// without bound.
const PRUNE_ABOVE: usize = 10_000;

/// Longest account key kept; longer names are cut (they are refused later anyway).
const ACCOUNT_KEY_CHARS: usize = 254;

fn limiter(per_minute: u32) -> Option<Keyed> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

fn take(limiter: &Keyed, key: String, what: &str) -> Result<(), ApiError> {
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after: wait.as_secs().saturating_add(1),
            detail: format!("too many sign-in attempts {what}; retry later"),
        }
    })
}

impl SignInLimits {
    pub fn new(limits: &RateLimits) -> Self {
        SignInLimits {
            per_source: limiter(limits.per_source_per_minute),
            per_account: limiter(limits.per_account_per_minute),
            trust_forwarded: limits.trust_forwarded,
        }
    }

    /// The address an attempt comes from, when known.
    pub fn source(&self, req: &HttpRequest) -> Option<String> {
        if self.trust_forwarded {
            if let Some(real) = req.connection_info().realip_remote_addr() {
                return Some(real.to_owned());
            }
        }
        req.peer_addr().map(|a| a.ip().to_string())
    }

    /// Counts one attempt from `req`'s source for `account`; 429 when either is over its
    /// limit.
    pub fn attempt(&self, req: &HttpRequest, account: &str) -> Result<(), ApiError> {
        if let (Some(limiter), Some(source)) = (&self.per_source, self.source(req)) {
            take(limiter, source, "from this address")?;
        }
        if let Some(limiter) = &self.per_account {
            let key: String = account
                .trim()
                .to_lowercase()
                .chars()
                .take(ACCOUNT_KEY_CHARS)
                .collect();
            take(limiter, key, "for this account")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn each_source_and_each_account_has_its_own_budget() {
        let limits = SignInLimits::new(&RateLimits {
            per_source_per_minute: 3,
            per_account_per_minute: 2,
            trust_forwarded: false,
        });
        let from = |ip: &str| {
            TestRequest::default()
                .peer_addr(format!("{ip}:4000").parse().unwrap())
                .to_http_request()
        };
        assert!(limits.attempt(&from("10.0.0.1"), "a").is_ok());
        assert!(limits.attempt(&from("10.0.0.1"), "A ").is_ok());
        // The account is spent, whatever the address.
        let refused = limits.attempt(&from("10.0.0.2"), "a");
        assert!(
            matches!(refused, Err(ApiError::TooManyRequests { retry_after, .. }) if retry_after >= 1)
        );
        assert!(limits.attempt(&from("10.0.0.1"), "b").is_ok());
        // The first address has used its three.
        assert!(matches!(
            limits.attempt(&from("10.0.0.1"), "c"),
            Err(ApiError::TooManyRequests { .. })
        ));
        let off = SignInLimits::new(&RateLimits {
            per_source_per_minute: 0,
            per_account_per_minute: 0,
            trust_forwarded: false,
        });
        for _ in 0..100 {
            assert!(off.attempt(&from("10.0.0.1"), "a").is_ok());
        }
    }

    #[test]
    fn forwarded_addresses_count_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.7"))
            .to_http_request();
        let mut settings = RateLimits::default();
        assert_eq!(
            SignInLimits::new(&settings).source(&req).as_deref(),
            Some("10.0.0.9")
        );
        settings.trust_forwarded = true;
        assert_eq!(
            SignInLimits::new(&settings).source(&req).as_deref(),
            Some("203.0.113.7")
        );
    }
}
