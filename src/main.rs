use std::process::ExitCode;

use actix_web::HttpServer;
use clap::{Parser, Subcommand};

use partnerships::config::Config;
use partnerships::db;

mod admin;

#[derive(Parser)]
#[command(name = "partnerships", version, about = "The partnerships API server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate {
        /// Revert every migration instead (drops all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Manage API clients (OAuth2 client credentials).
    Client {
        #[command(subcommand)]
        action: ClientCommand,
    },
    /// Manage people who sign in.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Fill an empty database with a believable district (schools, partners, agreements in
    /// every status, KPI history); does nothing when the demo is there already.
    Seed {
        /// The demo district (the only seed there is; say so, to be sure).
        #[arg(long)]
        demo: bool,
    },
    /// Import records from other systems.
    Import {
        #[command(subcommand)]
        action: ImportCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Upsert the schools of a OneRoster 1.1/1.2 orgs.csv, as `POST /schools/import` does
    /// (all or nothing); prints the counts as JSON.
    OnerosterOrgs {
        /// The orgs.csv file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create a client; prints its id and secret (shown this once) as JSON.
    Create {
        #[arg(long)]
        name: String,
        /// admin, staff, partner, viewer or integration.
        #[arg(long)]
        role: String,
        /// A scope of an integration, e.g. partners:write (repeat for more).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A school a staff client writes for (repeat for more).
        #[arg(long = "school")]
        schools: Vec<String>,
        /// The partner a partner client is bound to.
        #[arg(long)]
        partner: Option<String>,
    },
    /// List clients as JSON lines.
    List,
    /// Revoke a client: no new tokens, and its tokens stop working within AUTH_CACHE_SECONDS.
    Revoke { id: String },
    /// Give a client a new secret (printed once); the old one stops working.
    Rotate { id: String },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints it as JSON, with a generated password when none is given.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, staff, partner, viewer or integration.
        #[arg(long)]
        role: String,
        /// At least 12 characters; generated when absent (unless --subject is given).
        #[arg(long)]
        password: Option<String>,
        /// The user's `sub` at the district's identity provider.
        #[arg(long)]
        subject: Option<String>,
        /// A school a staff member writes for (repeat for more).
        #[arg(long = "school")]
        schools: Vec<String>,
        /// The partner a partner user belongs to.
        #[arg(long)]
        partner: Option<String>,
    },
    /// List users as JSON lines.
    List,
    /// Disable a user: no sign-in, and their tokens stop working at once.
    Disable { id: String },
}

fn main() -> ExitCode {
    partnerships::memory::limit_arenas();
    // A missing .env is normal; a broken one is reported.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: cannot read .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => print_openapi(),
        Command::Migrate { revert_all } => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| migrate(&config, revert_all)),
        Command::Serve => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(serve),
        Command::Client { action } => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| admin::client(&config, action)),
        Command::User { action } => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| admin::user(&config, action)),
        Command::Seed { demo } => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| admin::seed(&config, demo)),
        Command::Import { action } => Config::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| admin::import(&config, action)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_openapi() -> Result<(), String> {
    let json = partnerships::openapi_document()
        .to_pretty_json()
        .map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}

fn migrate(config: &Config, revert_all: bool) -> Result<(), String> {
    let pool = db::establish(&config.database, &config.pool)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let versions = if revert_all {
        db::revert_all_migrations(&mut conn)
    } else {
        db::run_migrations(&mut conn)
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    let verb = if revert_all { "reverted" } else { "applied" };
    if versions.is_empty() {
        println!("no migrations {verb}");
    }
    for v in versions {
        println!("{verb} {v}");
    }
    Ok(())
}

/// Applies pending migrations without printing, for the admin commands.
fn migrate_quietly(config: &Config) -> Result<db::DbPool, String> {
    let pool = db::establish(&config.database, &config.pool)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::run_migrations(&mut conn).map_err(|e| format!("migration failed: {e}"))?;
    Ok(pool)
}

fn serve(config: Config) -> Result<(), String> {
    let auth = config.tokens.resolve().map_err(|e| e.to_string())?;
    migrate(&config, false)?;
    let pool = db::establish(&config.database, &config.pool)?;
    let mut app = config.app.clone();
    // One set of sign-in limiters for every worker, or each worker would grant its own budget.
    app.sign_in_limits = Some(std::sync::Arc::new(
        partnerships::auth::limits::SignInLimits::new(&app.rate_limits),
    ));
    app.public_limit = Some(std::sync::Arc::new(
        partnerships::auth::limits::PublicLimit::new(&app.rate_limits),
    ));
    app.metrics = Some(partnerships::http::metrics::Metrics::new(
        app.metrics_token.clone(),
    ));
    let housekeeping = (pool.clone(), config.app.policy.clone());
    let webhooks = partnerships::webhooks::delivery::Sender::new(
        &config.webhooks,
        &config.app.policy.webhook_allowed_hosts,
    )?;
    let provider_keys = match auth.identity_provider.as_ref().map(|p| &p.keys) {
        Some(partnerships::auth::provider::ProviderKeys::Published(jwks)) => Some(jwks.clone()),
        _ => None,
    };
    let mut server = HttpServer::new(move || partnerships::build_app(pool.clone(), &app, &auth));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    let server = server
        .bind((config.host.as_str(), config.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    let base = format!("http://{}:{}", config.host, config.port);
    println!(
        "partnerships listening on {base} ({} database)",
        config.database.name()
    );
    println!(
        "API docs: {base}/docs/  OpenAPI: {base}{}",
        partnerships::OPENAPI_PATH
    );
    actix_web::rt::System::new()
        .block_on(async move {
            let (pool, policy) = housekeeping;
            actix_web::rt::spawn(partnerships::housekeeping::every_hour(pool.clone(), policy));
            actix_web::rt::spawn(partnerships::webhooks::delivery::run(pool, webhooks));
            if let Some(jwks) = provider_keys {
                actix_web::rt::spawn(async move { jwks.warm().await });
            }
            server.run().await
        })
        .map_err(|e| format!("server stopped: {e}"))
}
