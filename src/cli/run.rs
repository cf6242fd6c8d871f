//! Carrying out a parsed command. `main.rs` only parses, loads settings and calls these.

use std::sync::Arc;

use super::{
    AuditCommand, BackupsCommand, Command, ProjectionsCommand, SecretsCommand, TokensCommand,
};
use crate::clock::Clock;
use crate::config::{SecretString, Settings};
use crate::demo::{self, DemoSeed, DemoTenant};
use crate::graph_sim::{GraphSimulator, RunningSimulator, SimConfig, TenantConfig};
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
        Command::Backups(BackupsCommand::Purge { older_than_days }) => {
            let days = older_than_days.unwrap_or(settings.purge_after_days);
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let after = chrono::Duration::days(i64::from(days));
            let summary = crate::backup::purge::purge(&pool, clock.now(), after).await?;
            let output = serde_json::json!({
                "purged_sets": summary.sets,
                "removed_trees": summary.trees,
                "removed_blobs": summary.blobs,
                "removed_secrets": summary.secrets,
            });
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(())
        }
        Command::GraphSim(args) => super::graph_sim::run(&args).await,
        Command::Audit(AuditCommand::Verify { full }) => {
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let report = crate::audit::verify(&pool, clock.now(), full).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report.is_ok() {
                return Ok(());
            }
            // exits 1 (the report on stdout says where and why)
            Err(anyhow::anyhow!(
                "the event log does not verify at position {}: {}",
                report.first_broken_position.unwrap_or_default(),
                report.detail.unwrap_or_default()
            ))
        }
        Command::Audit(AuditCommand::Anchor) => {
            let pool = db::prepare(settings.database_url.expose(), 2).await?;
            let output = match crate::audit::record_anchor(&pool, clock.now()).await? {
                Some(anchor) => serde_json::json!({"recorded": true, "anchor": anchor}),
                None => {
                    let client = pool.get().await?;
                    let latest = crate::audit::latest_anchor(&client).await?;
                    serde_json::json!({"recorded": false, "anchor": latest})
                }
            };
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(())
        }
        Command::Restore(restore) => super::restore::run(&restore).await,
        Command::Openapi | Command::Secrets(SecretsCommand::GenerateKey) => {
            run_offline(&command).unwrap_or(Ok(()))
        }
    }
}

async fn serve(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    let simulator = if settings.demo {
        Some(start_demo_simulator(&mut settings).await?)
    } else {
        None
    };
    let app = Application::build(&settings, clock.clone()).await?;
    if let Some(simulator) = &simulator {
        let seed = seed_demo(&settings, &app, clock.now()).await?;
        print_demo(&settings, &app, simulator, &seed);
    } else if let Some(token) = app.demo_admin_token() {
        println!("admin token for this run: {token}");
    }
    tracing::info!(port = app.port(), "serving");
    let served = app.run_until_stopped().await;
    if let Some(simulator) = simulator {
        simulator.stop().await;
    }
    served
}

/// The demo's Graph: the simulator in this process, serving the sample tenant; the service
/// is pointed at it, and given a secret key for this process if none is configured.
async fn start_demo_simulator(settings: &mut Settings) -> anyhow::Result<RunningSimulator> {
    let bind: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
    let simulator = GraphSimulator::start(SimConfig::demo(), bind).await?;
    settings.graph_url = simulator.graph_url();
    settings.login_url = simulator.login_url();
    // a newcomer's receiver runs on their own machine
    settings.webhooks.allow_private = true;
    if settings.secret_key.is_none() {
        settings.secret_key = Some(SecretString::new(SecretKey::generate().to_base64()));
    }
    Ok(simulator)
}

async fn seed_demo(
    settings: &Settings,
    app: &Application,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<DemoSeed> {
    let cipher = SecretCipher::new(secret_key(settings)?);
    let sample = SimConfig::demo()
        .tenants
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the demo simulator has no tenant"))?;
    let tenant = DemoTenant {
        display_name: sample
            .display_name
            .clone()
            .unwrap_or_else(|| "Demo tenant".to_owned()),
        azure_tenant_id: sample.azure_tenant_id.parse()?,
        client_id: sample.client_id.parse()?,
        client_secret: sample.client_secret.clone(),
    };
    demo::seed(app.pool(), app.repository().clone(), &cipher, &tenant, now).await
}

/// Deliberately on stdout, not in the logs: the one place a newcomer looks.
fn print_demo(
    settings: &Settings,
    app: &Application,
    simulator: &RunningSimulator,
    seed: &DemoSeed,
) {
    let api = format!("http://127.0.0.1:{}", app.port());
    let token = app
        .demo_admin_token()
        .unwrap_or("(TENANTPILOT_ADMIN_TOKEN)");
    let runs = format!(
        "{api}/api/v1/tenants/{}/backup-schedules/{}/runs",
        seed.tenant_id, seed.schedule_id
    );
    println!("TenantPilot demo");
    println!("  console:      {api}/   (sign in with the admin token)");
    println!(
        "  API:          {api}/api/v1   (bound to {})",
        settings.bind
    );
    println!("  Swagger UI:   {api}/docs/");
    println!("  admin token:  {token}");
    println!("  Graph (simulated): {}", simulator.graph_url());
    println!(
        "  the sample tenant {} has the schedule \"Demo backup\", due at {} (UTC):",
        seed.tenant_id,
        seed.next_run_at.format("%H:%M")
    );
    println!("    curl -s -H 'Authorization: Bearer {token}' {runs}");
    println!("  or back it up now:");
    println!(
        "    curl -s -X POST -H 'Authorization: Bearer {token}' {api}/api/v1/tenants/{}/backup-schedules/{}/run-now",
        seed.tenant_id, seed.schedule_id
    );
    // a simulated tenant's made-up credentials, published in the source: no real secret
    let target = TenantConfig::demo_target();
    println!("  an empty simulated tenant to restore into (add it to restore across tenants):");
    println!(
        "    curl -s -X POST -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' {api}/api/v1/tenants \\\n      -d '{}'",
        serde_json::json!({
            "display_name": target.display_name,
            "azure_tenant_id": target.azure_tenant_id,
            "client_id": target.client_id,
            "client_secret": target.client_secret,
        })
    );
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
