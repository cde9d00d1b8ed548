use std::process::ExitCode;

use actix_web::HttpServer;
use clap::{Parser, Subcommand};

use partnerships::config::Config;
use partnerships::db;

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
}

fn main() -> ExitCode {
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

fn serve(config: Config) -> Result<(), String> {
    migrate(&config, false)?;
    let pool = db::establish(&config.database, &config.pool)?;
    let http = config.http.clone();
    let mut server = HttpServer::new(move || partnerships::build_app(pool.clone(), &http));
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
        .block_on(server.run())
        .map_err(|e| format!("server stopped: {e}"))
}
