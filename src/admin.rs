//! The `client`, `user` and `import` commands: bootstrap and manage credentials, and import
//! other systems' records, from the server's shell. They run the same actions as the
//! endpoints, audited as the operator (`cli`).

use serde_json::{json, Value};

use partnerships::audit::Actor;
use partnerships::auth::Caller;
use partnerships::clients::{self, model::ClientWithSecret};
use partnerships::config::Config;
use partnerships::config::Policy;
use partnerships::db::{self, DbConnection};
use partnerships::error::ApiError;
use partnerships::http::etag::IfMatch;
use partnerships::resource::CallerContext;
use partnerships::users::{self, model::User};

use crate::{ClientCommand, ImportCommand, UserCommand};

fn connection(config: &Config) -> Result<db::DbPool, String> {
    crate::migrate_quietly(config)
}

/// A refused action as lines an operator can act on.
fn explain(e: ApiError) -> String {
    match e {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("\n"),
        ApiError::RowsRejected { rows, .. } => rows
            .iter()
            .map(|r| {
                format!(
                    "line {}: {}: {}",
                    r.line.unwrap_or_default(),
                    r.field.as_deref().unwrap_or("row"),
                    r.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        ApiError::Internal(cause) | ApiError::Unavailable(cause) => cause,
        other => other.problem().detail,
    }
}

fn print(value: &impl serde::Serialize) -> Result<(), String> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn input<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn with_conn<T>(
    config: &Config,
    f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, String> {
    let pool = connection(config)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    f(&mut conn).map_err(explain)
}

/// How the pipeline sees the operator at the command line.
fn cli_ctx<'a>(caller: &'a Caller, actor: &'a Actor, policy: &'a Policy) -> CallerContext<'a> {
    CallerContext {
        caller,
        actor,
        policy,
    }
}

pub fn client(config: &Config, command: ClientCommand) -> Result<(), String> {
    let actor = Actor::command_line();
    let caller = Caller::command_line();
    let policy = &config.app.policy;
    // Secrets are digested under the key the server derives from its token key.
    let key = config
        .tokens
        .resolve()
        .map_err(|e| e.to_string())?
        .secret_key;
    match command {
        ClientCommand::Create {
            name,
            role,
            scopes,
            schools,
            partner,
        } => {
            let input = input(json!({
                "name": name, "role": role,
                "scopes": (!scopes.is_empty()).then_some(scopes),
                "school_ids": (!schools.is_empty()).then_some(schools),
                "partner_id": partner,
            }))?;
            let (row, secret) = with_conn(config, |conn| {
                clients::actions::create(conn, &cli_ctx(&caller, &actor, policy), input, &key)
            })?;
            let client = clients::model::ApiClient::from_row(&row).map_err(explain)?;
            print(&ClientWithSecret {
                client,
                client_secret: secret,
            })
        }
        ClientCommand::List => {
            let rows = with_conn(config, |conn| Ok(clients::store::all(conn)?))?;
            for row in rows {
                let client = clients::model::ApiClient::from_row(&row).map_err(explain)?;
                println!(
                    "{}",
                    serde_json::to_string(&client).map_err(|e| e.to_string())?
                );
            }
            Ok(())
        }
        ClientCommand::Revoke { id } => {
            let row = with_conn(config, |conn| {
                clients::actions::revoke(
                    conn,
                    &cli_ctx(&caller, &actor, policy),
                    &id,
                    &IfMatch::none(),
                )
            })?;
            print(&clients::model::ApiClient::from_row(&row).map_err(explain)?)
        }
        ClientCommand::Rotate { id } => {
            let (row, secret) = with_conn(config, |conn| {
                clients::actions::rotate_secret(
                    conn,
                    &cli_ctx(&caller, &actor, policy),
                    &id,
                    &IfMatch::none(),
                    &key,
                )
            })?;
            let client = clients::model::ApiClient::from_row(&row).map_err(explain)?;
            print(&ClientWithSecret {
                client,
                client_secret: secret,
            })
        }
    }
}

pub fn user(config: &Config, command: UserCommand) -> Result<(), String> {
    let actor = Actor::command_line();
    let caller = Caller::command_line();
    let policy = &config.app.policy;
    match command {
        UserCommand::Create {
            email,
            name,
            role,
            password,
            subject,
            schools,
            partner,
        } => {
            let generated = match (&password, &subject) {
                (None, None) => {
                    Some(partnerships::auth::password::random_token(18).map_err(explain)?)
                }
                _ => None,
            };
            let input = input(json!({
                "email": email, "name": name, "role": role,
                "password": password.or(generated.clone()),
                "external_subject": subject,
                "school_ids": (!schools.is_empty()).then_some(schools),
                "partner_id": partner,
            }))?;
            let mut input: users::model::UserInput = input;
            input.password_hash =
                users::actions::hash_for(input.password.as_deref()).map_err(explain)?;
            let row = with_conn(config, |conn| {
                users::actions::create(conn, &cli_ctx(&caller, &actor, policy), input)
            })?;
            let user = User::from_row(&row).map_err(explain)?;
            let mut out = serde_json::to_value(&user).map_err(|e| e.to_string())?;
            if let Some(password) = generated {
                out["password"] = Value::String(password);
            }
            print(&out)
        }
        UserCommand::List => {
            let rows = with_conn(config, |conn| Ok(users::all(conn)?))?;
            for row in rows {
                let user = User::from_row(&row).map_err(explain)?;
                println!(
                    "{}",
                    serde_json::to_string(&user).map_err(|e| e.to_string())?
                );
            }
            Ok(())
        }
        UserCommand::Disable { id } => {
            let row = with_conn(config, |conn| {
                users::actions::update(
                    conn,
                    &cli_ctx(&caller, &actor, policy),
                    &id,
                    &IfMatch::none(),
                    json!({"disabled": true}),
                )
            })?;
            print(&User::from_row(&row).map_err(explain)?)
        }
    }
}

pub fn import(config: &Config, command: ImportCommand) -> Result<(), String> {
    let actor = Actor::command_line();
    match command {
        ImportCommand::OnerosterOrgs { file } => {
            let csv =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let outcome = with_conn(config, |conn| {
                db::write_transaction(conn, |conn| {
                    partnerships::schools::import::import_orgs(
                        conn,
                        &csv,
                        partnerships::kpi_records::ingest::BatchMode::All,
                        &actor,
                    )
                })
            })?;
            print(&outcome)
        }
    }
}

pub fn seed(config: &Config, demo: bool) -> Result<(), String> {
    if !demo {
        return Err("say --demo: the demo district is the only seed".into());
    }
    let policy = config.app.policy.clone();
    let outcome = with_conn(config, |conn| {
        db::write_transaction(conn, |conn| partnerships::seed::demo(conn, &policy))
    })?;
    print(&outcome)
}
