//! Carrying out a parsed command. `main.rs` only parses, loads settings and calls these.

use std::sync::Arc;

use super::{Command, ProjectionsCommand, SecretsCommand, TokensCommand};
use crate::clock::Clock;
use crate::config::Settings;
use crate::projections::{Consumer, ReadModels, READ_MODELS};
use crate::scheduler::{Consumers, Dispatcher};
use crate::secrets::{rotate_key, SecretCipher, SecretKey};
use crate::startup::{secret_key, Application};
use crate::store::PgEventRepository;
use crate::{api, db};

/// Runs the commands that need neither settings nor a database (`openapi`,
/// `secrets generate-key`), so they work whatever the environment holds. `None` for the
/// others.
pub fn run_offline(command: &Command) -> Option<anyhow::Result<()>> {
    match command {
        Command::Openapi => Some(
            api::openapi_document()
                .to_pretty_json()
                .map(|json| println!("{json}"))
                .map_err(|error| anyhow::anyhow!("cannot render the OpenAPI document: {error}")),
        ),
        Command::Secrets(SecretsCommand::GenerateKey) => {
            println!("{}", SecretKey::generate().to_base64());
            Some(Ok(()))
        }
        _ => None,
    }
}

/// Runs a command with the process's settings; time comes from `clock`.
pub async fn run(
    command: Command,
    mut settings: Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => {
            settings.demo = demo;
            serve(&settings, clock).await
        }
        Command::Migrate => {
            db::prepare(settings.database_url.expose(), 2).await?;
            tracing::info!("database is migrated");
            Ok(())
        }
        Command::Projections(ProjectionsCommand::Rebuild) => {
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let applied = Consumer::new(READ_MODELS, ReadModels)
                .rebuild(&pool)
                .await?;
            tracing::info!(events = applied, "read models rebuilt");
            Ok(())
        }
        Command::Dispatch { at } => dispatch(&settings, at.unwrap_or_else(|| clock.now())).await,
        Command::Tokens(TokensCommand::Create(request)) => {
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let output = super::tokens::create_token(&pool, clock.as_ref(), &request).await?;
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(())
        }
        Command::Secrets(SecretsCommand::RotateKey) => rotate_secret_key(&settings).await,
        Command::GraphSim(args) => super::graph_sim::run(&args).await,
        Command::Openapi | Command::Secrets(SecretsCommand::GenerateKey) => {
            run_offline(&command).unwrap_or(Ok(()))
        }
    }
}

async fn serve(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let app = Application::build(settings, clock).await?;
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

async fn dispatch(settings: &Settings, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let pool = db::prepare(settings.database_url.expose(), 10).await?;
    let repository = PgEventRepository::new(pool.clone());
    let consumers = Consumers::new();
    // fresh next_run_at before the tick; runs queued and projected after it
    consumers.catch_up(&pool).await?;
    let dispatcher = Dispatcher::new(pool.clone(), repository, settings.missed_slot_grace);
    let summary = dispatcher.tick(at).await?;
    consumers.catch_up(&pool).await?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

async fn rotate_secret_key(settings: &Settings) -> anyhow::Result<()> {
    let current = SecretCipher::new(secret_key(settings)?);
    // read here, not in Settings: only this command uses it
    let new_key = std::env::var("TENANTPILOT_NEW_SECRET_KEY")
        .map_err(|_| anyhow::anyhow!("TENANTPILOT_NEW_SECRET_KEY is not set"))?;
    let new = SecretCipher::new(
        SecretKey::from_base64(&new_key)
            .map_err(|error| anyhow::anyhow!("TENANTPILOT_NEW_SECRET_KEY: {error}"))?,
    );
    let pool = db::prepare(settings.database_url.expose(), 2).await?;
    let resealed = rotate_key(&pool, &current, &new).await?;
    println!("re-sealed {resealed} secret(s); now set TENANTPILOT_SECRET_KEY to the new key");
    Ok(())
}
