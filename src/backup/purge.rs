//! The purge: backup sets soft-deleted longer ago than the purge age are removed for good
//! (`BackupSetPurged` on each), then the trees and content blobs nothing references any
//! more. A blob stays while a remaining set's tree or the inventory (a policy's current
//! content) points at it, whatever tenant or schedule that is. The sealed OMA-URI values a
//! set captured (`backup_secrets`) belong to that set alone and go with it.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{Pool, Transaction};
use uuid::Uuid;

use super::storage_lock::own_storage;
use crate::db::CachedStatements;
use crate::domain::backup_set::{BackupSet, BackupSetCommand, SetFacts};
use crate::secrets::rows::{self, Retire};
use crate::secrets::SealedKind;
use crate::store::{execute_in_transaction, upcasters, CommandError, EventMetadata};

/// Sets purged per transaction: the storage lock holds runs back while it is held.
const BATCH: i64 = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeSummary {
    pub sets: u64,
    pub trees: u64,
    pub blobs: u64,
    /// Sealed secret values of the purged sets (encrypted OMA-URI settings).
    pub secrets: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("purging set {set} was refused: {message}")]
    Command { set: Uuid, message: String },
}

/// Purges every set soft-deleted before `now - older_than`, in batches.
pub async fn purge(
    pool: &Pool,
    now: DateTime<Utc>,
    older_than: Duration,
) -> Result<PurgeSummary, PurgeError> {
    let mut total = PurgeSummary::default();
    loop {
        let batch = purge_batch(pool, now, now - older_than).await?;
        total.sets += batch.sets;
        total.trees += batch.trees;
        total.blobs += batch.blobs;
        total.secrets += batch.secrets;
        if batch.sets < BATCH as u64 {
            return Ok(total);
        }
    }
}

async fn purge_batch(
    pool: &Pool,
    now: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<PurgeSummary, PurgeError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    // first, before any append, as runs take it
    own_storage(&transaction).await?;
    let rows = transaction
        .query_cached(
            "SELECT id, tenant_id, schedule_id, deleted_at FROM backup_sets
             WHERE deleted_at < $1 ORDER BY deleted_at, id LIMIT $2 FOR UPDATE",
            &[&cutoff, &BATCH],
        )
        .await?;
    let upcasters = upcasters();
    let correlation = format!("purge:{}", now.to_rfc3339());
    let mut secrets = 0;
    for row in &rows {
        let id: Uuid = row.get(0);
        let found = SetFacts {
            tenant_id: row.get(1),
            schedule_id: row.get(2),
            deleted_at: row.get(3),
        };
        let metadata =
            EventMetadata::system("purge", correlation.clone(), now).for_tenant(found.tenant_id);
        let command = BackupSetCommand::Purge { found };
        execute_in_transaction::<BackupSet>(
            &transaction,
            &upcasters,
            &id.to_string(),
            command,
            &(),
            &metadata,
        )
        .await
        .map_err(|error: CommandError<_>| PurgeError::Command {
            set: id,
            message: error.to_string(),
        })?;
        // explicit, though the foreign key cascades: the summary counts them
        secrets += rows::retire(&transaction, SealedKind::OmaSettingValue, id, Retire::All).await?;
        transaction
            .execute_cached("DELETE FROM backup_sets WHERE id = $1", &[&id])
            .await?;
    }
    let mut summary = PurgeSummary {
        sets: rows.len() as u64,
        secrets,
        ..PurgeSummary::default()
    };
    if !rows.is_empty() {
        summary.trees = collect_trees(&transaction).await?;
        summary.blobs = collect_blobs(&transaction).await?;
    }
    transaction.commit().await?;
    Ok(summary)
}

/// Trees no remaining set points at (a tree is only ever written with its set).
async fn collect_trees(transaction: &Transaction<'_>) -> Result<u64, tokio_postgres::Error> {
    transaction
        .execute_cached(
            "DELETE FROM backup_trees t
             WHERE NOT EXISTS (SELECT 1 FROM backup_sets s WHERE s.tree_hash = t.hash)",
            &[],
        )
        .await
}

/// Blobs neither a remaining tree nor the inventory points at.
async fn collect_blobs(transaction: &Transaction<'_>) -> Result<u64, tokio_postgres::Error> {
    transaction
        .execute_cached(
            "WITH referenced AS (
                 SELECT DISTINCT item->>'content_hash' AS hash
                 FROM backup_trees, jsonb_array_elements(items) AS item
                 UNION
                 SELECT content_hash FROM policies
             )
             DELETE FROM content_blobs b
             WHERE NOT EXISTS (SELECT 1 FROM referenced r WHERE r.hash = b.hash)",
            &[],
        )
        .await
}
