//! Every setting, from environment variables (and an optional `.env`), checked at start.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::auth::limits::RateLimits;
use crate::db::{Backend, PoolSettings};
pub use platform::settings::{HttpSettings, Policy, WebhookDelivery};

pub const DEFAULT_SQLITE_PATH: &str = "./data/partnerships.db";

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database: Backend,
    pub pool: PoolSettings,
    pub app: AppSettings,
    pub workers: Option<usize>,
    pub tokens: TokenConfig,
    pub webhooks: WebhookDelivery,
}

/// Where the token key comes from and what tokens say; resolved into `AuthSettings` at start.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub secret: SecretSource,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
    pub identity_provider: Option<ProviderConfig>,
    /// `AUTH_CACHE_SECONDS`: how long a token's principal is remembered.
    pub principal_cache_ttl: Duration,
}

#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `JWT_SECRET`.
    Value(String),
    /// `JWT_SECRET_FILE`, or the file kept beside the SQLite database.
    File(PathBuf),
}

/// The secret itself never reaches a log through `{:?}`.
impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("Value(<redacted>)"),
            SecretSource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub issuer: String,
    pub audience: String,
    pub algorithm: String,
    /// The offline option: one static key. Without it the keys are discovered from `issuer`.
    pub public_key_file: Option<PathBuf>,
}

/// The shortest time between two fetches of the identity provider's keys.
pub const PROVIDER_KEYS_MIN_REFRESH: Duration = Duration::from_secs(10);

impl TokenConfig {
    /// The settings the App needs; reads (or creates) the secret file and the provider key.
    pub fn resolve(&self) -> Result<crate::auth::AuthSettings, ConfigError> {
        use crate::auth::settings::{load_or_create_secret_file, IdentityProvider};
        let secret = match &self.secret {
            SecretSource::Value(v) => v.as_bytes().to_vec(),
            SecretSource::File(path) => {
                load_or_create_secret_file(path).map_err(|m| invalid("JWT_SECRET_FILE", m))?
            }
        };
        let mut settings =
            crate::auth::AuthSettings::new(&secret, &self.issuer, &self.audience, self.ttl);
        settings.principal_cache_ttl = self.principal_cache_ttl;
        if let Some(p) = &self.identity_provider {
            settings.identity_provider = Some(match &p.public_key_file {
                Some(file) => {
                    let pem = std::fs::read(file).map_err(|e| {
                        invalid(
                            "OIDC_PUBLIC_KEY_FILE",
                            format!("cannot read {}: {e}", file.display()),
                        )
                    })?;
                    IdentityProvider::new(&p.issuer, &p.audience, &p.algorithm, &pem)
                        .map_err(|m| invalid("OIDC_ALGORITHM", m))?
                }
                None => {
                    let jwks = crate::auth::provider::Jwks::new(
                        &p.issuer,
                        PROVIDER_KEYS_MIN_REFRESH,
                        Duration::from_secs(5),
                    )
                    .map_err(|m| invalid("OIDC_ISSUER", m))?;
                    IdentityProvider::discovered(&p.issuer, &p.audience, std::sync::Arc::new(jwks))
                }
            });
        }
        Ok(settings)
    }
}

/// What the App is built with: HTTP limits, sign-in rate limits and the district's policy.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub http: HttpSettings,
    pub policy: Policy,
    pub rate_limits: RateLimits,
    /// The limiters every worker of the process shares (`serve` makes them once); `None`
    /// makes a set for the App alone (tests).
    pub sign_in_limits: Option<std::sync::Arc<crate::auth::limits::SignInLimits>>,
    /// The public endpoints' limit, shared likewise.
    pub public_limit: Option<std::sync::Arc<crate::auth::limits::PublicLimit>>,
    /// `METRICS_TOKEN`: the bearer `/metrics` asks for; without it `/metrics` is off.
    pub metrics_token: Option<String>,
    /// The metrics every worker of the process shares (`serve` makes them once); `None` makes
    /// a set for the App alone (tests).
    pub metrics: Option<std::sync::Arc<crate::http::metrics::Metrics>>,
}

impl From<HttpSettings> for AppSettings {
    fn from(http: HttpSettings) -> Self {
        AppSettings {
            http,
            ..AppSettings::default()
        }
    }
}

impl From<Policy> for AppSettings {
    fn from(policy: Policy) -> Self {
        AppSettings {
            policy,
            ..AppSettings::default()
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
fn boolean(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(variable).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(invalid(
            variable,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

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
        let pool = pool_settings(&lookup)?;
        let workers = match lookup("WORKERS") {
            None => None,
            Some(_) => Some(number(&lookup, "WORKERS", 1usize, 1..=256)?),
        };
        let http = http_settings(&lookup)?;
        let policy = policy(&lookup)?;
        let rate_limits = rate_limits(&lookup)?;
        let tokens = token_config(&lookup, &database)?;
        Ok(Config {
            tokens,
            host: host.trim().to_owned(),
            port,
            database,
            pool,
            app: AppSettings {
                http,
                rate_limits,
                sign_in_limits: None,
                public_limit: None,
                metrics_token: lookup("METRICS_TOKEN").filter(|t| !t.trim().is_empty()),
                metrics: None,
                policy,
            },
            workers,
            webhooks: webhook_delivery(&lookup)?,
        })
    }
}

fn pool_settings(lookup: &impl Fn(&str) -> Option<String>) -> Result<PoolSettings, ConfigError> {
    let pool_size = number(lookup, "DATABASE_POOL_SIZE", 10u32, 1..=200)?;
    let pool_timeout = number(lookup, "DATABASE_TIMEOUT_SECONDS", 5u64, 1..=300)?;
    let statement_timeout = number(
        lookup,
        "DATABASE_STATEMENT_TIMEOUT_SECONDS",
        30u64,
        0..=3600,
    )?;
    Ok(PoolSettings {
        max_size: pool_size,
        connect_timeout: Duration::from_secs(pool_timeout),
        statement_timeout: Duration::from_secs(statement_timeout),
    })
}

fn http_settings(lookup: &impl Fn(&str) -> Option<String>) -> Result<HttpSettings, ConfigError> {
    let max_body_bytes = number(
        lookup,
        "MAX_BODY_BYTES",
        1024 * 1024usize,
        1024..=1024 * 1024 * 1024,
    )?;
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
                        format!(
                            "{origin:?} is not an origin like https://portal.district.org (or *)"
                        ),
                    ));
                }
            }
            origins
        }
    };
    Ok(HttpSettings {
        max_body_bytes,
        cors_origins,
    })
}

/// The district's rules (`Policy`).
fn policy(lookup: &impl Fn(&str) -> Option<String>) -> Result<Policy, ConfigError> {
    Ok(Policy {
        require_vetting: boolean(lookup, "REQUIRE_VETTING", true)?,
        kpi_batch_max_rows: number(lookup, "KPI_BATCH_MAX_ROWS", 50_000usize, 1..=1_000_000)?,
        kpi_batch_max_bytes: number(
            lookup,
            "KPI_BATCH_MAX_BYTES",
            32 * 1024 * 1024usize,
            1024..=1024 * 1024 * 1024,
        )?,
        kpi_min_cell_size: number(lookup, "KPI_MIN_CELL_SIZE", 10i64, 1..=1000)?,
        kpi_export_max_rows: number(lookup, "KPI_EXPORT_MAX_ROWS", 100_000i64, 1..=100_000_000)?,
        survey_answers_per_address: number(
            lookup,
            "SURVEY_ANSWERS_PER_ADDRESS",
            20u32,
            0..=1_000_000,
        )?,
        changes_retention_days: number(lookup, "CHANGES_RETENTION_DAYS", 30u32, 1..=3650)?,
        idempotency_ttl_seconds: number(
            lookup,
            "IDEMPOTENCY_TTL_SECONDS",
            86_400i64,
            60..=30 * 86_400,
        )?,
        webhook_allowed_hosts: lookup("WEBHOOK_ALLOWED_HOSTS")
            .map(|list| {
                list.split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn rate_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<RateLimits, ConfigError> {
    Ok(RateLimits {
        per_source_per_minute: number(
            lookup,
            "RATE_LIMIT_SIGNIN_PER_MINUTE",
            60u32,
            0..=1_000_000,
        )?,
        per_account_per_minute: number(
            lookup,
            "RATE_LIMIT_ACCOUNT_PER_MINUTE",
            20u32,
            0..=1_000_000,
        )?,
        trust_forwarded: boolean(lookup, "TRUST_FORWARDED_FOR", false)?,
        public_per_minute: number(lookup, "RATE_LIMIT_PUBLIC_PER_MINUTE", 30u32, 0..=1_000_000)?,
    })
}

fn webhook_delivery(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<WebhookDelivery, ConfigError> {
    Ok(WebhookDelivery {
        retry_window: Duration::from_secs(
            3600 * number(lookup, "WEBHOOK_RETRY_HOURS", 24u64, 1..=720)?,
        ),
        timeout: Duration::from_secs(number(lookup, "WEBHOOK_TIMEOUT_SECONDS", 10u64, 1..=120)?),
        ..WebhookDelivery::default()
    })
}

/// The provider's URL: `https`, or `http` only on this machine (a provider in a test).
fn check_issuer(issuer: &str) -> Result<(), ConfigError> {
    let parsed =
        url::Url::parse(issuer).map_err(|e| invalid("OIDC_ISSUER", format!("not a URL: {e}")))?;
    let local = matches!(
        parsed.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        _ => Err(invalid(
            "OIDC_ISSUER",
            "must be an https URL (the provider's keys are fetched from it)",
        )),
    }
}

fn token_config(
    lookup: &impl Fn(&str) -> Option<String>,
    database: &Backend,
) -> Result<TokenConfig, ConfigError> {
    use crate::auth::settings::MIN_SECRET_LEN;
    let secret = match (lookup("JWT_SECRET"), lookup("JWT_SECRET_FILE")) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "JWT_SECRET",
                "set JWT_SECRET or JWT_SECRET_FILE, not both",
            ));
        }
        (Some(value), None) if value.len() < MIN_SECRET_LEN => {
            return Err(invalid(
                "JWT_SECRET",
                format!(
                    "must be at least {MIN_SECRET_LEN} characters (e.g. `openssl rand -base64 48`)"
                ),
            ));
        }
        (Some(value), None) => SecretSource::Value(value),
        (None, Some(path)) => SecretSource::File(PathBuf::from(path)),
        (None, None) => match database {
            // One process on one file: a secret generated beside the database is enough.
            Backend::Sqlite(path) => SecretSource::File(
                path.parent()
                    .unwrap_or_else(|| std::path::Path::new("."))
                    .join("jwt_secret"),
            ),
            // Replicas must share the key: the operator provides it.
            Backend::Postgres(_) => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!("is required with PostgreSQL (every replica must sign with the same key); at least {MIN_SECRET_LEN} characters, or use JWT_SECRET_FILE"),
                ));
            }
        },
    };
    let ttl = number(lookup, "TOKEN_TTL_SECONDS", 3600u64, 60..=86_400)?;
    let provider = match (lookup("OIDC_ISSUER"), lookup("OIDC_AUDIENCE")) {
        (None, None) if lookup("OIDC_PUBLIC_KEY_FILE").is_none() => None,
        (Some(issuer), Some(audience)) => {
            let issuer = issuer.trim().to_owned();
            check_issuer(&issuer)?;
            Some(ProviderConfig {
                issuer,
                audience,
                algorithm: lookup("OIDC_ALGORITHM").unwrap_or_else(|| "RS256".to_owned()),
                public_key_file: lookup("OIDC_PUBLIC_KEY_FILE").map(PathBuf::from),
            })
        }
        _ => {
            return Err(invalid(
                "OIDC_ISSUER",
                "OIDC_ISSUER and OIDC_AUDIENCE go together (OIDC_PUBLIC_KEY_FILE is optional)",
            ));
        }
    };
    Ok(TokenConfig {
        secret,
        issuer: lookup("JWT_ISSUER").unwrap_or_else(|| "partnerships".to_owned()),
        audience: lookup("JWT_AUDIENCE").unwrap_or_else(|| "partnerships-api".to_owned()),
        ttl: Duration::from_secs(ttl),
        identity_provider: provider,
        principal_cache_ttl: Duration::from_secs(number(
            lookup,
            "AUTH_CACHE_SECONDS",
            5u64,
            0..=300,
        )?),
    })
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
        assert!(c.app.http.cors_origins.is_empty());
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
    fn sign_in_rate_limits() {
        assert_eq!(config(&[]).unwrap().app.rate_limits, RateLimits::default());
        let set = config(&[
            ("RATE_LIMIT_SIGNIN_PER_MINUTE", "0"),
            ("RATE_LIMIT_ACCOUNT_PER_MINUTE", "5"),
            ("TRUST_FORWARDED_FOR", "true"),
            ("RATE_LIMIT_PUBLIC_PER_MINUTE", "7"),
        ])
        .unwrap();
        assert_eq!(
            set.app.rate_limits,
            RateLimits {
                per_source_per_minute: 0,
                per_account_per_minute: 5,
                trust_forwarded: true,
                public_per_minute: 7,
            }
        );
        assert_eq!(
            config(&[("TRUST_FORWARDED_FOR", "yes")])
                .unwrap_err()
                .variable,
            "TRUST_FORWARDED_FOR"
        );
    }

    #[test]
    fn token_secret_rules() {
        let sqlite = config(&[]).unwrap();
        assert_eq!(
            sqlite.tokens.secret,
            SecretSource::File(PathBuf::from("./data/jwt_secret"))
        );
        let err = config(&[("DATABASE_URL", "postgres://h/db")]).unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
        assert_eq!(
            config(&[("JWT_SECRET", "short")]).unwrap_err().variable,
            "JWT_SECRET"
        );
        let long = "x".repeat(40);
        let pg = config(&[("DATABASE_URL", "postgres://h/db"), ("JWT_SECRET", &long)]).unwrap();
        assert!(
            !format!("{pg:?}").contains(&long),
            "the secret never reaches a log"
        );
        assert_eq!(pg.tokens.secret, SecretSource::Value(long));
        assert_eq!(
            config(&[("TOKEN_TTL_SECONDS", "5")]).unwrap_err().variable,
            "TOKEN_TTL_SECONDS"
        );
        assert_eq!(
            config(&[("OIDC_ISSUER", "https://idp")])
                .unwrap_err()
                .variable,
            "OIDC_ISSUER"
        );
        // The issuer alone (with its audience) is enough: the keys are discovered from it.
        let discovered = config(&[
            (
                "OIDC_ISSUER",
                "https://login.microsoftonline.com/tenant/v2.0",
            ),
            ("OIDC_AUDIENCE", "partnerships"),
            ("JWT_SECRET", "a-test-secret-long-enough-0123456789abcdef"),
        ])
        .unwrap();
        let provider = discovered.tokens.identity_provider.clone().unwrap();
        assert_eq!(provider.public_key_file, None);
        let settings = discovered.tokens.resolve().unwrap();
        assert!(matches!(
            settings.identity_provider.map(|p| p.keys),
            Some(crate::auth::provider::ProviderKeys::Published(_))
        ));
        // Its keys are fetched from it: never over plain http to another machine.
        assert_eq!(
            config(&[
                ("OIDC_ISSUER", "http://idp.district.example.org"),
                ("OIDC_AUDIENCE", "partnerships"),
            ])
            .unwrap_err()
            .variable,
            "OIDC_ISSUER"
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
