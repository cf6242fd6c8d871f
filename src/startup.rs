//! Wiring: database, HTTP server and background loops, with one shutdown signal for all.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use deadpool_postgres::Pool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::{self, AppState};
use crate::clock::Clock;
use crate::config::{Role, Settings};
use crate::projections::{Consumer, ReadModels, READ_MODELS};

pub struct Application {
    port: u16,
    pool: Pool,
    server: Option<Server>,
    shutdown: watch::Sender<bool>,
    background: Vec<JoinHandle<()>>,
}

impl Application {
    /// Prepares the database (create, migrate), binds the listener (port 0 picks a free
    /// port, which tests use) and starts the background loops this process's roles ask for.
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let pool =
            crate::db::prepare(settings.database_url.expose(), settings.database_pool_size).await?;
        let (shutdown, shutdown_signal) = watch::channel(false);
        let mut background = Vec::new();
        if settings.runs(Role::Consumers) {
            background.push(tokio::spawn(run_read_model_projector(
                pool.clone(),
                settings.projector_poll_interval,
                shutdown_signal.clone(),
            )));
        }
        let (server, port) = if settings.runs(Role::Api) {
            let listener = TcpListener::bind(settings.bind)?;
            let port = listener.local_addr()?.port();
            let state = web::Data::new(AppState::new(pool.clone(), clock));
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(from_fn(api::context::request_context))
                    .configure(api::configure_app(state.clone()))
                    .default_service(web::to(api::route_not_found))
            })
            .disable_signals()
            .shutdown_timeout(30)
            .listen(listener)?
            .run();
            (Some(server), port)
        } else {
            (None, 0)
        };
        Ok(Self {
            port,
            pool,
            server,
            shutdown,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs until SIGINT or SIGTERM, then stops accepting requests, lets in-flight requests
    /// and the background loops finish their current step, and returns.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = shutdown_signal();
        self.run_until(stop).await
    }

    /// Runs until `stop` completes (tests pass their own trigger).
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let server = self.server.take();
        let handle: Option<ServerHandle> = server.as_ref().map(Server::handle);
        let serving = async move {
            match server {
                Some(server) => server.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = serving => result?,
            () = stop => {
                tracing::info!("shutting down");
                if let Some(handle) = handle {
                    handle.stop(true).await;
                }
            }
        }
        let _ = self.shutdown.send(true);
        for task in self.background.drain(..) {
            let _ = task.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {},
                    _ = terminate.recv() => {},
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Keeps the read models current with events written by any instance.
async fn run_read_model_projector(
    pool: Pool,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let consumer = Consumer::new(READ_MODELS, ReadModels);
    loop {
        if let Err(error) = consumer.catch_up(&pool).await {
            tracing::warn!(consumer = consumer.name(), %error, "projection failed; retrying");
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
