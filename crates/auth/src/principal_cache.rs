//! A short-lived, process-wide memory of who the principals of this service's own tokens are,
//! so a burst of requests with one token does not read its client or user row every time.
//!
//! Every committed change to a client or user (revoke, rotate, disable, role change…, see
//! `clients::actions` and `users::actions`) empties it at once, in every App of the process; a
//! change made elsewhere (the CLI, another instance) is seen within the TTL
//! (`AUTH_CACHE_SECONDS`, default 5; 0 turns it off), counted from when the row was read. Only
//! principals that were valid are remembered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::token::PrincipalKind;
use super::Grant;

/// A client or user as its token's checks need it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub grant: Grant,
    /// Tokens issued before this are refused (secret rotation, password change, disabling).
    pub valid_after: NaiveDateTime,
}

/// Bounded so a flood of distinct tokens cannot grow it without limit.
const MAX_ENTRIES: usize = 10_000;

type Entries = HashMap<(PrincipalKind, String), (Instant, Principal)>;

static ENTRIES: LazyLock<Mutex<Entries>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Bumped by every `forget_all`, so a principal read before a change is not put back after it.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// When a principal was read: take it before reading the row, and hand it to [`put`].
#[derive(Debug, Clone, Copy)]
pub struct ReadMark {
    generation: u64,
    at: Instant,
}

pub fn mark() -> ReadMark {
    ReadMark {
        generation: GENERATION.load(Ordering::SeqCst),
        at: Instant::now(),
    }
}

fn entries() -> std::sync::MutexGuard<'static, Entries> {
    // A panic while holding the lock leaves only a map of copies behind; keep using it.
    ENTRIES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn get(kind: PrincipalKind, id: &str, ttl: Duration) -> Option<Principal> {
    if ttl.is_zero() {
        return None;
    }
    let map = entries();
    let (stored, principal) = map.get(&(kind, id.to_owned()))?;
    (stored.elapsed() < ttl).then(|| principal.clone())
}

/// Remembers `principal`, read from the database after `read` was taken; nothing is stored if
/// the cache was emptied since (the row may have changed meanwhile).
pub fn put(principal: Principal, ttl: Duration, read: ReadMark) {
    if ttl.is_zero() {
        return;
    }
    let mut map = entries();
    if GENERATION.load(Ordering::SeqCst) != read.generation {
        return;
    }
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, (stored, _)| stored.elapsed() < ttl);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    map.insert((principal.kind, principal.id.clone()), (read.at, principal));
}

/// `result`, after forgetting every principal when it is a success: wraps each committed
/// change to a client or user, so it applies to the next request.
pub fn forgetting<T, E>(result: Result<T, E>) -> Result<T, E> {
    if result.is_ok() {
        forget_all();
    }
    result
}

/// Forgets every principal: after any change to clients or users.
pub fn forget_all() {
    let mut map = entries();
    GENERATION.fetch_add(1, Ordering::SeqCst);
    map.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    /// The cache is process-wide: these tests take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn principal(id: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Client,
            id: id.to_owned(),
            grant: Grant {
                role: Role::Viewer,
                scopes: Default::default(),
                school_ids: Vec::new(),
                partner_id: None,
            },
            valid_after: chrono::DateTime::UNIX_EPOCH.naive_utc(),
        }
    }

    #[test]
    fn remembers_for_the_ttl_only() {
        let _turn = serial();
        let ttl = Duration::from_millis(200);
        put(principal("cache-test-a"), ttl, mark());
        assert!(get(PrincipalKind::Client, "cache-test-a", ttl).is_some());
        assert!(
            get(PrincipalKind::User, "cache-test-a", ttl).is_none(),
            "kinds apart"
        );
        std::thread::sleep(Duration::from_millis(250));
        assert!(get(PrincipalKind::Client, "cache-test-a", ttl).is_none());
    }

    #[test]
    fn a_principal_read_before_a_change_is_not_kept() {
        let _turn = serial();
        let ttl = Duration::from_secs(60);
        let read = mark();
        forget_all();
        put(principal("cache-test-c"), ttl, read);
        assert!(get(PrincipalKind::Client, "cache-test-c", ttl).is_none());
    }

    #[test]
    fn zero_ttl_remembers_nothing() {
        let _turn = serial();
        put(principal("cache-test-b"), Duration::ZERO, mark());
        assert!(get(
            PrincipalKind::Client,
            "cache-test-b",
            Duration::from_secs(60)
        )
        .is_none());
    }
}
