//! Restore workers inside `serve` (role `worker`): claim a queued restore with a lease,
//! heartbeat it while it is applied, and reap the restores of dead workers.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::engine::RestoreEngine;
use super::lease;

/// Starts one restore worker and its reaper (restores are rare and written at Graph's write
/// pace: one at a time per process is enough, and keeps writes to a tenant in one bucket).
pub fn start(
    engine: Arc<RestoreEngine>,
    lease_length: Duration,
    poll: Duration,
    name: String,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(work(
            engine.clone(),
            lease_length,
            poll,
            name,
            shutdown.clone(),
        )),
        tokio::spawn(reap(engine, lease_length, shutdown)),
    ]
}

async fn work(
    engine: Arc<RestoreEngine>,
    lease_length: Duration,
    poll: Duration,
    name: String,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let claimed = lease::claim_next(
            &engine.pool,
            &engine.upcasters,
            &name,
            lease_length,
            engine.clock.now(),
        )
        .await;
        match claimed {
            Ok(Some(claimed)) => {
                let span = tracing::info_span!("restore", restore.id = %claimed.restore_id, tenant.id = %claimed.tenant_id);
                let _entered = span.enter();
                tracing::info!("restore started");
                tokio::select! {
                    outcome = engine.execute(&claimed) => match outcome {
                        Ok(status) => tracing::info!(status = status.as_str(), "restore finished"),
                        Err(error) => tracing::error!(%error, "restore stopped; its lease will expire and it resumes"),
                    },
                    () = heartbeat(&engine, &claimed, lease_length) => tracing::warn!("restore given up: its lease was lost"),
                    _ = shutdown.changed() => {
                        let _ = lease::abandon(&engine.pool, &engine.upcasters, &claimed, "the worker shut down", false, engine.clock.now()).await;
                        return;
                    }
                }
                continue;
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "claiming a restore failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn heartbeat(
    engine: &RestoreEngine,
    claimed: &lease::ClaimedRestore,
    lease_length: Duration,
) {
    loop {
        tokio::time::sleep(lease_length / 3).await;
        match lease::extend(&engine.pool, claimed, lease_length).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(%error, "extending a restore's lease failed"),
        }
    }
}

async fn reap(
    engine: Arc<RestoreEngine>,
    lease_length: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) =
            lease::reap_expired(&engine.pool, &engine.upcasters, engine.clock.now()).await
        {
            tracing::error!(%error, "reaping expired restore leases failed");
        }
        tokio::select! {
            () = tokio::time::sleep(lease_length / 2) => {}
            _ = shutdown.changed() => return,
        }
    }
}
