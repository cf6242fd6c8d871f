//! Leases: a worker claims a queued run by inserting its lease and recording `RunStarted`
//! in one transaction (the lease's primary key and the Run aggregate both refuse a second
//! claim, in any process); it extends the lease while it works; an expired lease is
//! reaped: `RunAbandoned`, the run requeued once or failed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;
use uuid::Uuid;

use crate::db::CachedStatements;
use crate::domain::run::{Run, RunCommand};
use crate::store::{execute_in_transaction, CommandError, EventMetadata};

/// A run this worker holds.
#[derive(Debug, Clone)]
pub struct ClaimedRun {
    pub run_id: Uuid,
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    pub worker: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("recording the run failed: {0}")]
    Command(String),
}

fn metadata(tenant_id: Uuid, run_id: Uuid, at: DateTime<Utc>) -> EventMetadata {
    EventMetadata::system("worker", format!("run:{run_id}"), at).for_tenant(tenant_id)
}

/// Claims the oldest queued run nobody holds; `None` when there is none.
pub async fn claim_next(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    worker: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<ClaimedRun>, LeaseError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    // SKIP LOCKED: concurrent workers each take a different run instead of queuing up
    let Some(row) = transaction
        .query_opt(
            "SELECT r.id, r.tenant_id, r.schedule_id FROM backup_runs r
             WHERE r.status = 'queued'
               AND NOT EXISTS (SELECT 1 FROM run_leases l WHERE l.run_id = r.id)
             ORDER BY r.queued_at, r.id LIMIT 1
             FOR UPDATE OF r SKIP LOCKED",
            &[],
        )
        .await?
    else {
        return Ok(None);
    };
    let claimed = ClaimedRun {
        run_id: row.get(0),
        tenant_id: row.get(1),
        schedule_id: row.get(2),
        worker: worker.to_owned(),
    };
    let leased = transaction
        .execute_cached(
            "INSERT INTO run_leases (run_id, worker, expires_at)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (run_id) DO NOTHING",
            &[&claimed.run_id, &worker, &lease.as_secs_f64()],
        )
        .await?;
    if leased == 0 {
        return Ok(None); // another worker's lease won; look again next time
    }
    let start = execute_in_transaction::<Run>(
        &transaction,
        upcasters,
        &claimed.run_id.to_string(),
        RunCommand::Start {
            worker: worker.to_owned(),
            now,
        },
        &(),
        &metadata(claimed.tenant_id, claimed.run_id, now),
    )
    .await;
    match start {
        Ok(_) => {
            transaction.commit().await?;
            Ok(Some(claimed))
        }
        // the read model was behind (the run started or finished already): not ours
        Err(CommandError::Rejected(_) | CommandError::Conflict) => Ok(None),
        Err(error) => Err(LeaseError::Command(error.to_string())),
    }
}

/// Extends the lease; false when it is no longer this worker's (it was reaped).
pub async fn extend(pool: &Pool, run: &ClaimedRun, lease: Duration) -> Result<bool, LeaseError> {
    let updated = pool
        .get()
        .await?
        .execute_cached(
            "UPDATE run_leases SET expires_at = now() + make_interval(secs => $3)
             WHERE run_id = $1 AND worker = $2",
            &[&run.run_id, &run.worker, &lease.as_secs_f64()],
        )
        .await?;
    Ok(updated == 1)
}

/// Fences a write of the worker: locks its lease row for the rest of `transaction`; false
/// when the lease is gone (reaped: another worker may have the run now), and the caller
/// must write nothing.
pub async fn hold(
    transaction: &deadpool_postgres::Transaction<'_>,
    run: &ClaimedRun,
) -> Result<bool, tokio_postgres::Error> {
    let held = transaction
        .query_opt(
            "SELECT 1 FROM run_leases WHERE run_id = $1 AND worker = $2 FOR UPDATE",
            &[&run.run_id, &run.worker],
        )
        .await?;
    Ok(held.is_some())
}

/// Ends the lease in the transaction that records the run's last event.
pub async fn end_in(
    transaction: &deadpool_postgres::Transaction<'_>,
    run: &ClaimedRun,
) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached(
            "DELETE FROM run_leases WHERE run_id = $1 AND worker = $2",
            &[&run.run_id, &run.worker],
        )
        .await?;
    Ok(())
}

/// Gives a run up: `RunAbandoned` (requeued when `requeue` and it is the first time) and
/// the lease removed, in one transaction. Used for expired leases (`only_expired`: the
/// lease must still be expired when locked) and graceful shutdown. False when the lease
/// was not there to give up (another reaper, or the worker finished meanwhile).
pub async fn abandon(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    run: &ClaimedRun,
    reason: &str,
    requeue: bool,
    only_expired: bool,
    now: DateTime<Utc>,
) -> Result<bool, LeaseError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let locked = transaction
        .query_opt(
            "SELECT 1 FROM run_leases WHERE run_id = $1 AND worker = $2
               AND (NOT $3 OR expires_at < now())
             FOR UPDATE SKIP LOCKED",
            &[&run.run_id, &run.worker, &only_expired],
        )
        .await?;
    if locked.is_none() {
        return Ok(false);
    }
    let abandoned = execute_in_transaction::<Run>(
        &transaction,
        upcasters,
        &run.run_id.to_string(),
        RunCommand::Abandon {
            worker: run.worker.clone(),
            reason: reason.to_owned(),
            requeue,
            now,
        },
        &(),
        &metadata(run.tenant_id, run.run_id, now),
    )
    .await;
    match abandoned {
        // finished meanwhile: only the lease is left to remove
        Ok(_) | Err(CommandError::Rejected(_)) => {}
        Err(error) => return Err(LeaseError::Command(error.to_string())),
    }
    end_in(&transaction, run).await?;
    transaction.commit().await?;
    Ok(true)
}

/// Abandons every run whose lease expired (its worker died); returns how many.
pub async fn reap_expired(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    now: DateTime<Utc>,
) -> Result<usize, LeaseError> {
    let expired = pool
        .get()
        .await?
        .query_cached(
            "SELECT l.run_id, l.worker, r.tenant_id, r.schedule_id
             FROM run_leases l JOIN backup_runs r ON r.id = l.run_id
             WHERE l.expires_at < now() ORDER BY l.expires_at LIMIT 100",
            &[],
        )
        .await?;
    let mut reaped = 0;
    for row in &expired {
        let run = ClaimedRun {
            run_id: row.get(0),
            worker: row.get(1),
            tenant_id: row.get(2),
            schedule_id: row.get(3),
        };
        if abandon(pool, upcasters, &run, "its lease expired", true, true, now).await? {
            tracing::warn!(run.id = %run.run_id, worker = %run.worker, "a run's lease expired: its worker is gone; abandoned");
            reaped += 1;
        }
    }
    Ok(reaped)
}
