//! Rate limits on signing in (token grants and logins), shared by every worker of the process:
//! - per source address (IPv6 by /64), counting every attempt, so one address cannot try
//!   credentials fast;
//! - per person (login email), counting failures only, so a guessing campaign spread over many
//!   addresses runs out too, while successful sign-ins and other people are not affected.
//!
//! Client secrets are 256 random bits, beyond guessing, so clients have no per-account limit:
//! one would only let anyone who knows a client id lock that client out.
//! Answers 429 with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};

use platform::error::ApiError;

type Keyed =
    RateLimiter<String, governor::state::keyed::DefaultKeyedStateStore<String>, DefaultClock>;

/// `RATE_LIMIT_*`: attempts allowed a minute (as a burst, refilled evenly); 0 turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-in attempts a minute from one source address.
    pub per_source_per_minute: u32,
    /// Failed logins a minute for one email, from any address.
    pub per_account_per_minute: u32,
    /// Take the source address from the last `X-Forwarded-For` entry (the one the district's
    /// proxy appended); otherwise it is the peer address.
    pub trust_forwarded: bool,
    /// Requests a minute from one source address to the public (token-less) endpoints.
    pub public_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_source_per_minute: 60,
            per_account_per_minute: 20,
            trust_forwarded: false,
            public_per_minute: 30,
        }
    }
}

/// The limit on the public endpoints (a survey's answering link): requests a minute per source
/// address, shared by every worker of the process. Answers 429 with `Retry-After`.
pub struct PublicLimit {
    per_source: Option<Keyed>,
    trust_forwarded: bool,
}

impl std::fmt::Debug for PublicLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicLimit").finish_non_exhaustive()
    }
}

impl PublicLimit {
    pub fn new(limits: &RateLimits) -> Self {
        PublicLimit {
            per_source: limiter(limits.public_per_minute),
            trust_forwarded: limits.trust_forwarded,
        }
    }

    /// Counts one request from `req`'s source; 429 when the source is over its limit.
    pub fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let (Some(limiter), Some(ip)) = (&self.per_source, source(req, self.trust_forwarded))
        else {
            return Ok(());
        };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&address_key(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests {
                retry_after: wait.as_secs().saturating_add(1),
                detail: "too many requests from this address; retry later".into(),
            }
        })
    }
}

impl PublicLimit {
    /// The key of the address `req` comes from (as the limit counts it), when known.
    pub fn source_key(&self, req: &HttpRequest) -> Option<String> {
        source(req, self.trust_forwarded).map(address_key)
    }
}

/// The address a request comes from, when known: the last `X-Forwarded-For` entry when
/// trusted (earlier entries are whatever the caller sent), else the peer.
fn source(req: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    if trust_forwarded {
        let last = req
            .headers()
            .get_all(header::HeaderName::from_static("x-forwarded-for"))
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
        if last.is_some() {
            return last;
        }
    }
    req.peer_addr().map(|a| a.ip())
}

/// The limiters of one process (every worker shares them).
pub struct SignInLimits {
    per_source: Option<Keyed>,
    failures: Option<Keyed>,
    /// Accounts whose failure budget ran out, until when.
    blocked: Mutex<HashMap<String, Instant>>,
    trust_forwarded: bool,
}

impl std::fmt::Debug for SignInLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimits").finish_non_exhaustive()
    }
}

/// Keys remembered before the idle ones are dropped, so many addresses cannot grow memory
/// without bound.
const PRUNE_ABOVE: usize = 10_000;

/// The longest email an account key is made of (longer ones are refused anyway).
const EMAIL_CHARS: usize = 254;

fn limiter(per_minute: u32) -> Option<Keyed> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

fn refused(wait: Duration, what: &str) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: wait.as_secs().saturating_add(1),
        detail: format!("too many sign-in attempts {what}; retry later"),
    }
}

/// The key of an address: IPv4 whole, IPv6 by its /64 (one host usually holds a whole /64).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn account_key(account: &str) -> Option<String> {
    let key = account.trim().to_lowercase();
    (!key.is_empty() && key.chars().count() <= EMAIL_CHARS).then_some(key)
}

impl SignInLimits {
    pub fn new(limits: &RateLimits) -> Self {
        SignInLimits {
            per_source: limiter(limits.per_source_per_minute),
            failures: limiter(limits.per_account_per_minute),
            blocked: Mutex::new(HashMap::new()),
            trust_forwarded: limits.trust_forwarded,
        }
    }

    /// The address an attempt comes from, when known (see [`source`]).
    pub fn source(&self, req: &HttpRequest) -> Option<IpAddr> {
        source(req, self.trust_forwarded)
    }

    /// Counts one attempt from `req`'s source; 429 when the source is over its limit, or when
    /// `account` (a login email) has run out of failures.
    pub fn attempt(&self, req: &HttpRequest, account: Option<&str>) -> Result<(), ApiError> {
        if let (Some(limiter), Some(ip)) = (&self.per_source, self.source(req)) {
            if limiter.len() > PRUNE_ABOVE {
                limiter.retain_recent();
            }
            limiter.check_key(&address_key(ip)).map_err(|not_until| {
                refused(
                    not_until.wait_time_from(DefaultClock::default().now()),
                    "from this address",
                )
            })?;
        }
        if let Some(key) = account.and_then(account_key) {
            let now = Instant::now();
            let blocked = self.blocked.lock().map_or(None, |b| b.get(&key).copied());
            if let Some(until) = blocked.filter(|until| *until > now) {
                return Err(refused(until - now, "for this account"));
            }
        }
        Ok(())
    }

    /// Counts a failed login for `account`; a failure past its budget blocks further attempts
    /// until the budget refills.
    pub fn failed(&self, account: &str) {
        let (Some(limiter), Some(key)) = (&self.failures, account_key(account)) else {
            return;
        };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        if let Err(not_until) = limiter.check_key(&key) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            if let Ok(mut blocked) = self.blocked.lock() {
                let now = Instant::now();
                if blocked.len() > PRUNE_ABOVE {
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(key, now + wait);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(ip: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr(std::net::SocketAddr::new(ip.parse().unwrap(), 4000))
            .to_http_request()
    }

    #[test]
    fn sources_have_a_budget_and_failures_block_only_their_account() {
        let limits = SignInLimits::new(&RateLimits {
            per_source_per_minute: 3,
            per_account_per_minute: 2,
            trust_forwarded: false,
            public_per_minute: 0,
        });
        // Successes do not count against the account.
        for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
            assert!(limits.attempt(&from(ip), Some("a@x.org")).is_ok());
        }
        limits.failed("a@x.org");
        limits.failed("A@x.org ");
        assert!(limits.attempt(&from("10.0.0.4"), Some("a@x.org")).is_ok());
        limits.failed("a@x.org");
        let refused = limits.attempt(&from("10.0.0.4"), Some("a@x.org"));
        assert!(
            matches!(refused, Err(ApiError::TooManyRequests { retry_after, .. }) if retry_after >= 1)
        );
        assert!(limits.attempt(&from("10.0.0.4"), Some("b@x.org")).is_ok());
        // One address has three attempts, whatever they name.
        assert!(limits.attempt(&from("10.0.0.5"), None).is_ok());
        assert!(limits.attempt(&from("10.0.0.5"), None).is_ok());
        assert!(limits.attempt(&from("10.0.0.5"), None).is_ok());
        assert!(limits.attempt(&from("10.0.0.5"), None).is_err());
        // An IPv6 /64 is one address.
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"] {
            assert!(limits.attempt(&from(host), None).is_ok());
        }
        assert!(limits.attempt(&from("2001:db8:1:2::ffff"), None).is_err());
        let off = SignInLimits::new(&RateLimits {
            per_source_per_minute: 0,
            per_account_per_minute: 0,
            trust_forwarded: false,
            public_per_minute: 0,
        });
        for _ in 0..100 {
            off.failed("a@x.org");
            assert!(off.attempt(&from("10.0.0.1"), Some("a@x.org")).is_ok());
        }
    }

    #[test]
    fn only_the_last_forwarded_address_counts_and_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.66, 203.0.113.7"))
            .to_http_request();
        let mut settings = RateLimits::default();
        assert_eq!(
            SignInLimits::new(&settings).source(&req),
            Some("10.0.0.9".parse().unwrap())
        );
        settings.trust_forwarded = true;
        assert_eq!(
            SignInLimits::new(&settings).source(&req),
            Some("203.0.113.7".parse().unwrap())
        );
        let forged = TestRequest::default()
            .peer_addr("10.0.0.9:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "not an address"))
            .to_http_request();
        assert_eq!(
            SignInLimits::new(&settings).source(&forged),
            Some("10.0.0.9".parse().unwrap())
        );
    }
}
