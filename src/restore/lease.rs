//! Restore leases, as run leases (src/scheduler/worker/lease.rs): a worker claims a queued
//! restore by inserting its lease and recording `RestoreStarted` in one transaction, extends
//! it while it writes, and fences each item's event with it; an expired lease is reaped
//! (`RestoreAbandoned`) and the restore resumes on another worker.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::{Pool, Transaction};
use uuid::Uuid;

use super::rows::execute;
use crate::domain::restore::RestoreCommand;
use crate::store::{CommandError, EventMetadata};

#[derive(Debug, Clone)]
pub struct ClaimedRestore {
    pub restore_id: Uuid,
    pub tenant_id: Uuid,
    pub worker: String,
    pub started_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("recording the restore failed: {0}")]
    Command(String),
}

pub fn metadata(tenant_id: Uuid, restore_id: Uuid, at: DateTime<Utc>) -> EventMetadata {
    EventMetadata::system("restore-worker", format!("restore:{restore_id}"), at)
        .for_tenant(tenant_id)
}

/// Claims the oldest queued restore nobody holds.
pub async fn claim_next(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    worker: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<ClaimedRestore>, LeaseError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let Some(row) = transaction
        .query_opt(
            "SELECT r.id, r.tenant_id FROM restores r
             WHERE r.status = 'queued'
               AND NOT EXISTS (SELECT 1 FROM restore_leases l WHERE l.restore_id = r.id)
             ORDER BY r.apply_requested_at, r.id LIMIT 1
             FOR UPDATE OF r SKIP LOCKED",
            &[],
        )
        .await?
    else {
        return Ok(None);
    };
    let claimed = ClaimedRestore {
        restore_id: row.get(0),
        tenant_id: row.get(1),
        worker: worker.to_owned(),
        started_at: now,
    };
    let leased = transaction
        .execute(
            "INSERT INTO restore_leases (restore_id, worker, expires_at)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (restore_id) DO NOTHING",
            &[&claimed.restore_id, &worker, &lease.as_secs_f64()],
        )
        .await?;
    if leased == 0 {
        return Ok(None);
    }
    let started = execute(
        &transaction,
        upcasters,
        claimed.restore_id,
        RestoreCommand::Start {
            worker: worker.to_owned(),
            now,
        },
        &metadata(claimed.tenant_id, claimed.restore_id, now),
    )
    .await;
    match started {
        Ok(_) => {
            transaction.commit().await?;
            Ok(Some(claimed))
        }
        Err(CommandError::Rejected(_) | CommandError::Conflict) => Ok(None),
        Err(error) => Err(LeaseError::Command(error.to_string())),
    }
}

/// Extends the lease; false when it is no longer this worker's.
pub async fn extend(
    pool: &Pool,
    claimed: &ClaimedRestore,
    lease: Duration,
) -> Result<bool, LeaseError> {
    let updated = pool
        .get()
        .await?
        .execute(
            "UPDATE restore_leases SET expires_at = now() + make_interval(secs => $3)
             WHERE restore_id = $1 AND worker = $2",
            &[&claimed.restore_id, &claimed.worker, &lease.as_secs_f64()],
        )
        .await?;
    Ok(updated == 1)
}

/// Locks this worker's lease for the rest of `transaction`; false when it is gone (the
/// restore was reaped and may be another worker's now): the caller writes nothing.
pub async fn hold(
    transaction: &Transaction<'_>,
    claimed: &ClaimedRestore,
) -> Result<bool, tokio_postgres::Error> {
    Ok(transaction
        .query_opt(
            "SELECT 1 FROM restore_leases WHERE restore_id = $1 AND worker = $2 FOR UPDATE",
            &[&claimed.restore_id, &claimed.worker],
        )
        .await?
        .is_some())
}

/// Removes the lease, in the transaction recording the restore's last event.
pub async fn end_in(
    transaction: &Transaction<'_>,
    claimed: &ClaimedRestore,
) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute(
            "DELETE FROM restore_leases WHERE restore_id = $1 AND worker = $2",
            &[&claimed.restore_id, &claimed.worker],
        )
        .await?;
    Ok(())
}

/// Gives a restore up (`RestoreAbandoned`: queued again for another worker, or failed after
/// too many), its lease removed. `only_expired`: only when the lease is still expired.
pub async fn abandon(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    claimed: &ClaimedRestore,
    reason: &str,
    only_expired: bool,
    now: DateTime<Utc>,
) -> Result<bool, LeaseError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let locked = transaction
        .query_opt(
            "SELECT 1 FROM restore_leases WHERE restore_id = $1 AND worker = $2
               AND (NOT $3 OR expires_at < now())
             FOR UPDATE SKIP LOCKED",
            &[&claimed.restore_id, &claimed.worker, &only_expired],
        )
        .await?;
    if locked.is_none() {
        return Ok(false);
    }
    let abandoned = execute(
        &transaction,
        upcasters,
        claimed.restore_id,
        RestoreCommand::Abandon {
            worker: claimed.worker.clone(),
            reason: reason.to_owned(),
            now,
        },
        &metadata(claimed.tenant_id, claimed.restore_id, now),
    )
    .await;
    match abandoned {
        Ok(_) | Err(CommandError::Rejected(_)) => {}
        Err(error) => return Err(LeaseError::Command(error.to_string())),
    }
    end_in(&transaction, claimed).await?;
    transaction.commit().await?;
    Ok(true)
}

/// Abandons every restore whose lease expired (its worker died).
pub async fn reap_expired(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    now: DateTime<Utc>,
) -> Result<usize, LeaseError> {
    let expired = pool
        .get()
        .await?
        .query(
            "SELECT l.restore_id, l.worker, r.tenant_id FROM restore_leases l
             JOIN restores r ON r.id = l.restore_id
             WHERE l.expires_at < now() ORDER BY l.expires_at LIMIT 100",
            &[],
        )
        .await?;
    let mut reaped = 0;
    for row in &expired {
        let claimed = ClaimedRestore {
            restore_id: row.get(0),
            worker: row.get(1),
            tenant_id: row.get(2),
            started_at: now,
        };
        if abandon(pool, upcasters, &claimed, "its lease expired", true, now).await? {
            tracing::warn!(restore.id = %claimed.restore_id, worker = %claimed.worker, "a restore's lease expired: its worker is gone; it resumes on another");
            reaped += 1;
        }
    }
    Ok(reaped)
}
