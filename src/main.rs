use std::process::ExitCode;
use std::sync::Arc;

use tenantpilot::auth::issue_token;
use tenantpilot::cli::{self, Command};
use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::domain::token::{Grant, Role, TokenName};
use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::secrets::{rotate_key, SecretCipher, SecretKey};
use tenantpilot::startup::{secret_key, Application};
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use tenantpilot::{api, db, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::PrintOpenApi => {
            return match api::openapi_document().to_pretty_json() {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("cannot render the OpenAPI document: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::GenerateSecretKey => {
            println!("{}", SecretKey::generate().to_base64());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let mut settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    settings.demo = matches!(command, Command::Serve { demo: true });
    telemetry::init(settings.log_format);
    match run(command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "tenantpilot failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => {
            let app = Application::build(&settings, Arc::new(SystemClock)).await?;
            if let Some(token) = app.demo_admin_token() {
                // deliberately on stdout, not in the logs: the one place a newcomer looks
                println!("demo mode: admin token for this run: {token}");
                println!(
                    "  curl -H 'Authorization: Bearer {token}' http://{}/api/v1/tenants",
                    settings.bind
                );
            }
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await
        }
        Command::Migrate => {
            db::prepare(settings.database_url.expose(), 2).await?;
            tracing::info!("database is migrated");
            Ok(())
        }
        Command::RebuildProjections => {
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let applied = Consumer::new(READ_MODELS, ReadModels)
                .rebuild(&pool)
                .await?;
            tracing::info!(events = applied, "read models rebuilt");
            Ok(())
        }
        Command::Dispatch { at } => {
            let pool = db::prepare(settings.database_url.expose(), 10).await?;
            let repository = PgEventRepository::new(pool.clone());
            let consumers = Consumers::new();
            // fresh next_run_at before the tick; runs queued and projected after it
            consumers.catch_up(&pool).await?;
            let dispatcher = Dispatcher::new(pool.clone(), repository, settings.missed_slot_grace);
            let summary = dispatcher.tick(at.unwrap_or_else(chrono::Utc::now)).await?;
            consumers.catch_up(&pool).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::CreateToken {
            role,
            tenants,
            name,
        } => create_token(&settings, &role, &tenants, &name).await,
        Command::RotateSecretKey => {
            let current = SecretCipher::new(secret_key(&settings)?);
            let new_key = std::env::var("TENANTPILOT_NEW_SECRET_KEY")
                .map_err(|_| anyhow::anyhow!("TENANTPILOT_NEW_SECRET_KEY is not set"))?;
            let new = SecretCipher::new(
                SecretKey::from_base64(&new_key)
                    .map_err(|error| anyhow::anyhow!("TENANTPILOT_NEW_SECRET_KEY: {error}"))?,
            );
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let resealed = rotate_key(&pool, &current, &new).await?;
            println!(
                "re-sealed {resealed} secret(s); now set TENANTPILOT_SECRET_KEY to the new key"
            );
            Ok(())
        }
        Command::PrintOpenApi | Command::GenerateSecretKey => Ok(()),
    }
}

async fn create_token(
    settings: &Settings,
    role: &str,
    tenants: &[String],
    name: &str,
) -> anyhow::Result<()> {
    let role = Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be admin, operator, auditor or viewer"))?;
    let tenant_ids = tenants
        .iter()
        .map(|id| {
            uuid::Uuid::parse_str(id).map_err(|_| anyhow::anyhow!("--tenant {id:?} is not a UUID"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let grant = Grant::new(role, (!tenant_ids.is_empty()).then_some(tenant_ids))?;
    let name = TokenName::parse(name).map_err(|message| anyhow::anyhow!("--name: {message}"))?;
    let pool = db::prepare(settings.database_url.expose(), 2).await?;
    if let Some(ids) = grant.scope().tenant_ids() {
        let live: i64 = pool
            .get()
            .await?
            .query_one(
                "SELECT count(*) FROM tenants WHERE id = ANY($1) AND deleted_at IS NULL",
                &[&ids],
            )
            .await?
            .get(0);
        anyhow::ensure!(
            live as usize == ids.len(),
            "every --tenant must name an existing tenant"
        );
    }
    let store = AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let metadata = EventMetadata::system("cli", "cli:tokens-create", chrono::Utc::now());
    let issued = issue_token(&pool, &store, name.clone(), grant.clone(), &metadata).await?;
    Consumer::new(READ_MODELS, ReadModels)
        .catch_up(&pool)
        .await?;
    let output = serde_json::json!({
        "id": issued.token_id,
        "name": name.as_str(),
        "role": grant.role().as_str(),
        "tenant_ids": grant.scope().tenant_ids(),
        "token": issued.value.expose(),
    });
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}
