//! The binary: parse the command line, load settings, start telemetry, run. The work is in
//! the library (`tenantpilot::cli`).

use std::process::ExitCode;
use std::sync::Arc;

use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::{cli, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    // before any HTTP client exists (see tenantpilot::graph::install_tls_provider)
    tenantpilot::graph::install_tls_provider();
    // exits 0 after --help / --version, 2 on bad arguments
    let command = cli::parse();
    if let Some(result) = cli::run_offline(&command) {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{error:#}");
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
    match cli::run(command, settings, Arc::new(SystemClock)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "tenantpilot failed");
            ExitCode::FAILURE
        }
    }
}
