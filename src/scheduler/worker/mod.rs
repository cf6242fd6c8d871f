//! Workers: run executors inside `serve` (role `worker`). Each claims queued runs with a
//! lease, heartbeats it while the run executes, and gives the run back (requeued) when the
//! process shuts down before it finishes. A reaper abandons runs whose worker died.

pub mod context;
mod execute;
pub mod lease;

pub use execute::{Executor, Outcome};
pub use lease::ClaimedRun;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// How workers behave.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Runs executed at once by this process.
    pub count: usize,
    /// How long a claim lasts without a heartbeat; heartbeats come every third of it.
    pub lease: Duration,
    /// How often an idle worker looks for queued runs.
    pub poll: Duration,
    /// How long a shutdown waits for a running run before giving it back.
    pub shutdown_grace: Duration,
    /// A name unique to this process (worker names add a number).
    pub process_name: String,
}

/// Starts `count` workers and a reaper; they stop when `shutdown` turns true.
pub fn start(
    executor: Arc<Executor>,
    settings: WorkerSettings,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = (0..settings.count)
        .map(|index| {
            let name = format!("{}/{index}", settings.process_name);
            tokio::spawn(work(
                executor.clone(),
                settings.clone(),
                name,
                shutdown.clone(),
            ))
        })
        .collect();
    tasks.push(tokio::spawn(reap(executor, settings, shutdown)));
    tasks
}

async fn work(
    executor: Arc<Executor>,
    settings: WorkerSettings,
    name: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut pause = settings.poll;
    while !*shutdown.borrow() {
        let claimed = lease::claim_next(
            &executor.pool,
            &executor.upcasters,
            &name,
            settings.lease,
            executor.clock.now(),
        )
        .await;
        match claimed {
            Ok(Some(run)) => {
                pause = settings.poll;
                run_one(&executor, &settings, &run, &mut shutdown).await;
                continue;
            }
            Ok(None) => pause = settings.poll,
            Err(error) => {
                pause = (pause * 2).min(Duration::from_secs(30));
                tracing::error!(worker = %name, %error, "claiming a run failed");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Executes one claimed run while heartbeating its lease. A shutdown lets it finish for
/// `shutdown_grace`, then gives it back to the queue.
async fn run_one(
    executor: &Executor,
    settings: &WorkerSettings,
    run: &ClaimedRun,
    shutdown: &mut watch::Receiver<bool>,
) {
    let span = tracing::info_span!("run", run.id = %run.run_id, tenant.id = %run.tenant_id, worker = %run.worker);
    run_traced(executor, settings, run, shutdown)
        .instrument(span)
        .await
}

async fn run_traced(
    executor: &Executor,
    settings: &WorkerSettings,
    run: &ClaimedRun,
    shutdown: &mut watch::Receiver<bool>,
) {
    tracing::info!("run started");
    let stop = async {
        if !*shutdown.borrow() {
            let _ = shutdown.changed().await;
        }
        tokio::time::sleep(settings.shutdown_grace).await;
    };
    tokio::select! {
        outcome = executor.execute(run) => match outcome {
            Ok(Outcome::Finished(status)) => tracing::info!(status = status.as_str(), "run finished"),
            Ok(Outcome::LeaseLost) => tracing::warn!("run given up: its lease was lost"),
            // the lease expires and the reaper requeues it
            Err(error) => tracing::error!(%error, "run failed to record its progress"),
        },
        () = heartbeat(executor, settings, run) => {
            tracing::warn!("run given up: its lease was lost");
        }
        () = stop => {
            let given_back = lease::abandon(
                &executor.pool,
                &executor.upcasters,
                run,
                "the worker shut down",
                true,
                false,
                executor.clock.now(),
            )
            .await;
            match given_back {
                Ok(_) => tracing::info!("run given back to the queue at shutdown"),
                Err(error) => tracing::error!(%error, "giving the run back failed; its lease will expire"),
            }
        }
    }
}

/// Extends the lease every third of its length; completes when it is lost.
async fn heartbeat(executor: &Executor, settings: &WorkerSettings, run: &ClaimedRun) {
    loop {
        tokio::time::sleep(settings.lease / 3).await;
        match lease::extend(&executor.pool, run, settings.lease).await {
            Ok(true) => {}
            Ok(false) => return,
            // a passing database failure: the next beat may get through before expiry
            Err(error) => tracing::warn!(%error, "extending a run's lease failed"),
        }
    }
}

/// Abandons the runs of dead workers (expired leases) every half lease.
async fn reap(
    executor: Arc<Executor>,
    settings: WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match lease::reap_expired(&executor.pool, &executor.upcasters, executor.clock.now()).await {
            Ok(0) => {}
            Ok(reaped) => tracing::info!(reaped, "runs of dead workers abandoned"),
            Err(error) => tracing::error!(%error, "reaping expired leases failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(settings.lease / 2) => {}
            _ = shutdown.changed() => return,
        }
    }
}
