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
use crate::auth::TokenValue;
use crate::clock::Clock;
use crate::config::{Role, Settings};
use crate::console;
use crate::cors;
use crate::graph::{GraphClient, GraphSettings};
use crate::projections::{Consumer, ReadModels, READ_MODELS};
use crate::scheduler::worker::{self, Executor, WorkerSettings};
use crate::scheduler::{recompute_next_runs, Consumers, Dispatcher, WriteVisibility};
use crate::secrets::{SecretCipher, SecretKey};
use crate::store::{latest_committed, upcasters, AppendSignal, FeedCursor, PgEventRepository};

pub struct Application {
    port: u16,
    /// The admin token made up in demo mode (none is made otherwise).
    demo_admin_token: Option<String>,
    pool: Pool,
    repository: PgEventRepository,
    server: Option<Server>,
    shutdown: watch::Sender<bool>,
    background: Vec<JoinHandle<()>>,
}

impl Application {
    /// Prepares the database (create, migrate), binds the listener (port 0 picks a free
    /// port, which tests use) and starts the background loops this process's roles ask for.
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        crate::graph::install_tls_provider();
        // fail fast: no database work without a usable key
        let key = secret_key(settings)?;
        let secrets = SecretCipher::new(key.clone());
        let demo_admin_token = (settings.demo && settings.admin_token.is_none())
            .then(|| TokenValue::generate().expose().to_owned());
        let admin_token = settings
            .admin_token
            .as_ref()
            .map(|token| token.expose().to_owned())
            .or_else(|| demo_admin_token.clone());
        let pool = crate::db::prepare_waiting(
            settings.database_url.expose(),
            settings.database_pool_size,
            settings.database_pool_timeout,
        )
        .await?;
        let (shutdown, shutdown_signal) = watch::channel(false);
        let mut background = Vec::new();
        // one repository, so one writer: its commits wake this process's consumers and
        // give this process's writes their read-your-writes target
        let repository = PgEventRepository::new(pool.clone());
        let visibility = if settings.runs(Role::Consumers) {
            let consumers = Consumers::new();
            let visibility =
                WriteVisibility::local(consumers.settled(), settings.write_visibility_timeout);
            // after each settled pass, beside the consumers a write waits for (not one of them)
            background.push(tokio::spawn(crate::notifications::follow(
                pool.clone(),
                consumers.settled(),
                settings.projector_poll_interval,
                shutdown_signal.clone(),
            )));
            background.push(tokio::spawn(run_consumers(
                pool.clone(),
                consumers,
                repository.appends().clone(),
                settings.projector_poll_interval,
                shutdown_signal.clone(),
            )));
            visibility
        } else {
            WriteVisibility::from_checkpoints(pool.clone(), settings.write_visibility_timeout)
        };
        if settings.runs(Role::Consumers) {
            background.push(tokio::spawn(crate::audit::run_anchoring(
                pool.clone(),
                clock.clone(),
                settings.audit_anchor_interval,
                shutdown_signal.clone(),
            )));
        }
        if settings.runs(Role::Consumers) {
            background.push(tokio::spawn(run_purge(
                pool.clone(),
                clock.clone(),
                chrono::Duration::days(i64::from(settings.purge_after_days)),
                shutdown_signal.clone(),
            )));
        }
        if settings.runs(Role::Dispatcher) {
            // a fresh read model first, so the recompute sees every schedule
            Consumer::new(READ_MODELS, ReadModels)
                .catch_up(&pool)
                .await?;
            recompute_next_runs(&pool, repository.clone(), clock.now()).await?;
            let dispatcher =
                Dispatcher::new(pool.clone(), repository.clone(), settings.missed_slot_grace);
            background.push(tokio::spawn(run_dispatcher(
                dispatcher,
                pool.clone(),
                clock.clone(),
                settings.tick_interval,
                shutdown_signal.clone(),
            )));
        }
        // one client per process: runs, restores and restore plans share its token cache
        // and its pacing of each tenant
        let graph = GraphClient::new(graph_settings(settings))
            .map_err(|error| anyhow::anyhow!("the Graph client cannot start: {error}"))?;
        if settings.runs(Role::Worker) && settings.workers > 0 {
            let engine = crate::restore::engine::RestoreEngine {
                pool: pool.clone(),
                graph: graph.clone(),
                secrets: SecretCipher::new(key.clone()),
                clock: clock.clone(),
                upcasters: upcasters(),
            };
            let names = worker_settings(settings);
            background.extend(crate::restore::worker::start(
                Arc::new(engine),
                names.lease,
                names.poll,
                format!("{}/restore", names.process_name),
                shutdown_signal.clone(),
            ));
            let executor = Executor {
                pool: pool.clone(),
                graph: graph.clone(),
                secrets: SecretCipher::new(key.clone()),
                clock: clock.clone(),
                upcasters: upcasters(),
                appends: repository.appends().clone(),
            };
            background.extend(worker::start(
                Arc::new(executor),
                worker_settings(settings),
                shutdown_signal.clone(),
            ));
        }
        if settings.runs(Role::Webhooks) {
            background.extend(crate::webhooks::runner::start(
                pool.clone(),
                repository.appends().clone(),
                clock.clone(),
                SecretCipher::new(key.clone()),
                settings.webhooks.clone(),
                shutdown_signal.clone(),
            )?);
        }
        if settings.runs(Role::Api) {
            background.push(tokio::spawn(run_housekeeping(
                pool.clone(),
                shutdown_signal.clone(),
            )));
        }
        let (server, port) = if settings.runs(Role::Api) {
            let listener = TcpListener::bind(settings.bind)?;
            let port = listener.local_addr()?.port();
            let state = web::Data::new(
                AppState::new(repository.clone(), clock, secrets, visibility)
                    .with_bootstrap_admin(admin_token.as_deref())
                    .with_webhooks(settings.webhooks.clone())
                    .with_restores(graph.clone(), settings.restore_approvals),
            );
            let cors_origins = settings.cors_origins.clone();
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(from_fn(api::context::request_context))
                    .configure(api::configure_app(state.clone()))
                    .configure(console::routes)
                    .default_service(web::to(console::index_or_not_found))
                    // the last wrap runs first: CORS answers preflights before any
                    // authentication (browsers send no token on them)
                    .wrap(cors::middleware(&cors_origins))
                    .wrap(from_fn(cors::only_for_allowed_origins))
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
            demo_admin_token,
            pool,
            repository,
            server,
            shutdown,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn demo_admin_token(&self) -> Option<&str> {
        self.demo_admin_token.as_deref()
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The process's event repository (its writer wakes the process's consumers).
    pub fn repository(&self) -> &PgEventRepository {
        &self.repository
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

fn graph_settings(settings: &Settings) -> GraphSettings {
    GraphSettings {
        per_tenant_concurrency: settings.graph_concurrency_per_tenant,
        total_concurrency: settings.graph_concurrency,
        requests_per_20s: settings.graph_requests_per_20s,
        writes_per_20s: settings.graph_writes_per_20s,
        max_retry_wait: settings.graph_retry_wait,
        ..GraphSettings::new(&settings.graph_url, &settings.login_url)
    }
}

fn worker_settings(settings: &Settings) -> WorkerSettings {
    WorkerSettings {
        count: settings.workers,
        lease: settings.lease,
        poll: settings.worker_poll_interval,
        // within the HTTP server's 30 s: a run that finishes soon is not thrown away
        shutdown_grace: Duration::from_secs(20),
        process_name: format!(
            "{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "tenantpilot".to_owned()),
            std::process::id()
        ),
    }
}

/// The key that seals tenant secrets. Required, except in demo mode, where a key is made up
/// for this process (secrets stored under it cannot be opened after a restart).
pub fn secret_key(settings: &Settings) -> anyhow::Result<SecretKey> {
    match &settings.secret_key {
        Some(text) => SecretKey::from_base64(text.expose())
            .map_err(|error| anyhow::anyhow!("TENANTPILOT_SECRET_KEY is not usable: {error}")),
        None if settings.demo => {
            tracing::warn!("demo mode: tenant secrets are sealed with a key that lives only in this process");
            Ok(SecretKey::generate())
        }
        None => Err(anyhow::anyhow!(
            "TENANTPILOT_SECRET_KEY is not set: generate one with `tenantpilot secrets generate-key` \
             (or run `tenantpilot serve --demo` to try the service)"
        )),
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

/// Keeps every consumer (run creation, run recording, read models) current with the
/// events written by any instance: at once after this process appends, and at least every
/// `interval` for what other instances append.
async fn run_consumers(
    pool: Pool,
    consumers: Consumers,
    appends: AppendSignal,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    // A failing consumer (database down, an unreadable event) retries with a growing
    // pause, so a stuck projection is logged a few times a minute, not twice a second.
    let mut pause = interval;
    // Committed events the pass could not take yet (the feed's horizon was held back by a
    // transaction still running) are taken again soon, 10 ms later and backing off while
    // nothing moves, rather than at the next poll: writes wait for them.
    let mut held_back: Option<(FeedCursor, Duration)> = None;
    loop {
        let failing = match consumers.catch_up(&pool).await {
            Ok(settled) => {
                held_back = match (held_back, behind_committed(&pool, settled).await) {
                    (_, false) => None,
                    (Some((before, wait)), true) if before == settled => {
                        Some((settled, (wait * 2).min(interval)))
                    }
                    (_, true) => Some((settled, HELD_BACK_RETRY)),
                };
                pause = held_back.map_or(interval, |(_, wait)| wait);
                false
            }
            Err(error) => {
                pause = (pause * 2).min(Duration::from_secs(30));
                tracing::error!(%error, retry_in_ms = pause.as_millis() as u64, "a consumer failed");
                true
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // a failing consumer waits out its pause instead of retrying on every append
            () = appends.appended(), if !failing => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The first retry of a pass that left committed events behind the horizon.
const HELD_BACK_RETRY: Duration = Duration::from_millis(10);

/// Whether events were committed past `settled` (false when the database cannot say).
async fn behind_committed(pool: &Pool, settled: FeedCursor) -> bool {
    match pool.get().await {
        Ok(client) => latest_committed(&client)
            .await
            .is_ok_and(|latest| latest > settled),
        Err(_) => false,
    }
}

/// Deletes idempotency keys past their 24 hours, hourly (a key is only ever looked up by
/// its caller, so expired rows are dead weight).
async fn run_housekeeping(pool: Pool, mut shutdown: watch::Receiver<bool>) {
    loop {
        let purge = async {
            pool.get()
                .await?
                .execute(
                    "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'",
                    &[],
                )
                .await
                .map_err(anyhow::Error::from)
        };
        match purge.await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "purging idempotency keys failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Purges backup sets soft-deleted longer than `after` ago, hourly (`src/backup/purge.rs`).
async fn run_purge(
    pool: Pool,
    clock: Arc<dyn Clock>,
    after: chrono::Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match crate::backup::purge::purge(&pool, clock.now(), after).await {
            Ok(summary) if summary.sets == 0 => {}
            Ok(summary) => tracing::info!(
                sets = summary.sets,
                trees = summary.trees,
                blobs = summary.blobs,
                "soft-deleted backup sets purged"
            ),
            Err(error) => tracing::warn!(%error, "purging backup sets failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Ticks at every interval boundary (each minute by default). A shutdown waits for the
/// running tick: its claims are short transactions.
async fn run_dispatcher(
    dispatcher: Dispatcher,
    pool: Pool,
    clock: Arc<dyn Clock>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let read_models = Consumer::new(READ_MODELS, ReadModels);
    let step = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::minutes(1));
    loop {
        let now = clock.now();
        let boundary = next_boundary(now, step);
        let wait = (boundary - now).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        // next_run_at as fresh as possible: a schedule created a moment ago is due too
        if let Err(error) = read_models.catch_up(&pool).await {
            tracing::warn!(%error, "read models not caught up before the tick");
        }
        if let Err(error) = dispatcher.tick(boundary).await {
            tracing::error!(%error, "dispatcher tick failed");
        }
    }
}

/// The first multiple of `step` (counted from the Unix epoch) strictly after `now`.
fn next_boundary(
    now: chrono::DateTime<chrono::Utc>,
    step: chrono::Duration,
) -> chrono::DateTime<chrono::Utc> {
    let step_ms = step.num_milliseconds().max(1);
    let now_ms = now.timestamp_millis();
    let next_ms = (now_ms.div_euclid(step_ms) + 1) * step_ms;
    chrono::DateTime::from_timestamp_millis(next_ms).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_align_to_the_next_minute() {
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let minute = chrono::Duration::minutes(1);
        assert_eq!(
            next_boundary(at("2026-03-29T01:29:59.5Z"), minute),
            at("2026-03-29T01:30:00Z")
        );
        assert_eq!(
            next_boundary(at("2026-03-29T01:30:00Z"), minute),
            at("2026-03-29T01:31:00Z")
        );
    }
}
