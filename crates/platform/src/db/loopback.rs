//! Whether a PostgreSQL connection that never leaves the host is encrypted.
//!
//! libpq's default (`sslmode=prefer`) sets up TLS whenever the server offers it, loopback
//! included, where it protects nothing: whoever could read the loopback traffic could read the
//! server's memory. It cost the reads a sixth of their rate (`GET /partners/{id}` 10,800 against
//! 12,900 req/s, benches/README). So when every host of the URL is a loopback address and
//! nothing chose a mode (the URL's `sslmode`, libpq's `PGSSLMODE`), the URL gets
//! `sslmode=allow`: plain first, and TLS still if the server refuses plain connections
//! (`hostssl` lines in `pg_hba.conf`).

use std::borrow::Cow;
use std::net::IpAddr;

/// The URL the pool connects with: `url`, plus `sslmode=allow` when every host it names is a
/// loopback address and neither the URL nor the environment (`mode_from_env`: `PGSSLMODE` is
/// set) chose a mode.
pub fn connection_url(url: &str, mode_from_env: bool) -> Cow<'_, str> {
    if mode_from_env {
        return Cow::Borrowed(url);
    }
    let Some((_, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    // A host given as a parameter (a socket directory, or `hostaddr`) is left to libpq, and so
    // is any mode the URL chose.
    let decided = query.is_some_and(|q| {
        q.split('&').any(|param| {
            let name = param.split('=').next().unwrap_or_default();
            matches!(name, "sslmode" | "requiressl" | "host" | "hostaddr")
        })
    });
    let authority = before_query.split('/').next().unwrap_or_default();
    let hosts = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hosts)| hosts);
    if decided || hosts.is_empty() || !hosts.split(',').all(|h| is_loopback(host_of(h))) {
        return Cow::Borrowed(url);
    }
    let separator = match query {
        None => "?",
        Some("") => "",
        Some(_) => "&",
    };
    Cow::Owned(format!("{url}{separator}sslmode=allow"))
}

/// The host of `host[:port]` or `[v6][:port]`.
fn host_of(host_port: &str) -> &str {
    match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::connection_url;

    #[test]
    fn a_loopback_database_is_reached_without_tls_first() {
        for (url, expected) in [
            (
                "postgres://app@127.0.0.1:5432/db",
                "postgres://app@127.0.0.1:5432/db?sslmode=allow",
            ),
            (
                "postgresql://app:p%40ss@localhost/db?connect_timeout=5",
                "postgresql://app:p%40ss@localhost/db?connect_timeout=5&sslmode=allow",
            ),
            (
                "postgres://[::1]:5433/db",
                "postgres://[::1]:5433/db?sslmode=allow",
            ),
            (
                "postgres://127.0.0.2/db?",
                "postgres://127.0.0.2/db?sslmode=allow",
            ),
            (
                "postgres://a@127.0.0.1:5432,localhost:5433/db",
                "postgres://a@127.0.0.1:5432,localhost:5433/db?sslmode=allow",
            ),
        ] {
            assert_eq!(connection_url(url, false), expected, "{url}");
        }
    }

    #[test]
    fn anything_else_is_left_to_libpq() {
        for url in [
            // Another machine, or one of several hosts is.
            "postgres://app@db.district.internal:5432/db",
            "postgres://app@10.0.0.7/db",
            "postgres://a@127.0.0.1,db.district.internal/db",
            // A mode chosen in the URL.
            "postgres://app@127.0.0.1/db?sslmode=require",
            "postgres://app@localhost/db?application_name=x&sslmode=verify-full",
            // A socket directory or address given as a parameter, or no host (the socket).
            "postgres://app@/db?host=/var/run/postgresql",
            "postgres://app@localhost/db?hostaddr=10.0.0.7",
            "postgres:///db",
            // A password that merely contains a loopback address.
            "postgres://app:127.0.0.1@db.district.internal/db",
        ] {
            assert_eq!(connection_url(url, false), url, "{url}");
        }
        // PGSSLMODE in the environment decides for libpq.
        assert_eq!(
            connection_url("postgres://app@127.0.0.1/db", true),
            "postgres://app@127.0.0.1/db"
        );
    }
}
