use std::process::ExitCode;
use std::sync::Arc;

use tenantpilot::cli::{self, Command};
use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::startup::Application;
use tenantpilot::store::PgEventRepository;
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
    if command == Command::PrintOpenApi {
        return match api::openapi_document().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("cannot render the OpenAPI document: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
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
        Command::Serve => {
            let app = Application::build(&settings, Arc::new(SystemClock)).await?;
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
            let consumers = Consumers::new(repository.clone());
            // fresh next_run_at before the tick; runs queued and projected after it
            consumers.catch_up(&pool).await?;
            let dispatcher = Dispatcher::new(pool.clone(), repository, settings.missed_slot_grace);
            let summary = dispatcher.tick(at.unwrap_or_else(chrono::Utc::now)).await?;
            consumers.catch_up(&pool).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::PrintOpenApi => Ok(()),
    }
}
