//! Every setting, from environment variables (and an optional `.env`), checked at start.

use std::path::PathBuf;
use std::time::Duration;

use crate::db::{Backend, PoolSettings};

pub const DEFAULT_SQLITE_PATH: &str = "./data/partnerships.db";

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database: Backend,
    pub pool: PoolSettings,
    pub http: HttpSettings,
    pub workers: Option<usize>,
}

/// What the App itself needs (also built by tests).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty means no CORS headers; `*` allows any origin.
    pub cors_origins: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            max_body_bytes: 1024 * 1024,
            cors_origins: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

fn number<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(text) = lookup(variable) else {
        return Ok(default);
    };
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| invalid(variable, format!("must be a whole number, got {text:?}")))?;
    if !range.contains(&value) {
        return Err(invalid(
            variable,
            format!(
                "must be between {} and {}, got {value}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(value)
}

/// Reads `DATABASE_URL`: unset means the embedded SQLite file; `sqlite://PATH` a SQLite file;
/// `postgres://` or `postgresql://` PostgreSQL. Anything else is refused.
pub fn parse_database_url(url: Option<&str>) -> Result<Backend, ConfigError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(Backend::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH)));
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Backend::Postgres(url.to_owned()));
    }
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() || path.contains(":memory:") || path.starts_with("file:") {
            return Err(invalid(
                "DATABASE_URL",
                "a SQLite URL must name a file, e.g. sqlite://./data/partnerships.db (in-memory databases are not shared between connections)",
            ));
        }
        return Ok(Backend::Sqlite(PathBuf::from(path)));
    }
    Err(invalid(
        "DATABASE_URL",
        "must start with postgres://, postgresql:// or sqlite:// (unset: the embedded SQLite file ./data/partnerships.db)",
    ))
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let host = lookup("HOST").unwrap_or_else(|| "127.0.0.1".to_owned());
        if host.trim().is_empty() {
            return Err(invalid("HOST", "must not be empty"));
        }
        let port = number(&lookup, "PORT", 8080u16, 1..=65535)?;
        let database = parse_database_url(lookup("DATABASE_URL").as_deref())?;
        let pool_size = number(&lookup, "DATABASE_POOL_SIZE", 10u32, 1..=200)?;
        let pool_timeout = number(&lookup, "DATABASE_TIMEOUT_SECONDS", 5u64, 1..=300)?;
        let max_body_bytes = number(
            &lookup,
            "MAX_BODY_BYTES",
            1024 * 1024usize,
            1024..=1024 * 1024 * 1024,
        )?;
        let workers = match lookup("WORKERS") {
            None => None,
            Some(_) => Some(number(&lookup, "WORKERS", 1usize, 1..=256)?),
        };
        let cors_origins = match lookup("CORS_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => {
                let origins: Vec<String> = list
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                for origin in &origins {
                    let ok = origin == "*"
                        || origin.starts_with("http://")
                        || origin.starts_with("https://");
                    if !ok {
                        return Err(invalid(
                            "CORS_ALLOWED_ORIGINS",
                            format!("{origin:?} is not an origin like https://portal.district.org (or *)"),
                        ));
                    }
                }
                origins
            }
        };
        Ok(Config {
            host: host.trim().to_owned(),
            port,
            database,
            pool: PoolSettings {
                max_size: pool_size,
                connect_timeout: Duration::from_secs(pool_timeout),
            },
            http: HttpSettings {
                max_body_bytes,
                cors_origins,
            },
            workers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_serve_the_embedded_sqlite_file_on_localhost() {
        let c = config(&[]).unwrap();
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.port, 8080);
        assert_eq!(
            c.database,
            Backend::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH))
        );
        assert!(c.http.cors_origins.is_empty());
    }

    #[test]
    fn invalid_values_name_the_variable() {
        assert_eq!(config(&[("PORT", "http")]).unwrap_err().variable, "PORT");
        assert_eq!(config(&[("PORT", "0")]).unwrap_err().variable, "PORT");
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("DATABASE_URL", "sqlite::memory:")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("DATABASE_POOL_SIZE", "-1")])
                .unwrap_err()
                .variable,
            "DATABASE_POOL_SIZE"
        );
        assert_eq!(
            config(&[("MAX_BODY_BYTES", "12")]).unwrap_err().variable,
            "MAX_BODY_BYTES"
        );
        assert_eq!(
            config(&[("CORS_ALLOWED_ORIGINS", "portal")])
                .unwrap_err()
                .variable,
            "CORS_ALLOWED_ORIGINS"
        );
    }

    #[test]
    fn database_urls_pick_the_backend_by_scheme() {
        assert_eq!(
            parse_database_url(Some("postgres://u@h/db")).unwrap(),
            Backend::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            parse_database_url(Some("sqlite:///var/lib/p.db")).unwrap(),
            Backend::Sqlite(PathBuf::from("/var/lib/p.db"))
        );
        assert!(parse_database_url(Some("./file.db")).is_err());
    }
}
