//! The lock that keeps garbage collection of content away from runs that write it. A run
//! may point a policy or a new tree at a blob or tree that already exists (`ON CONFLICT DO
//! NOTHING`), which the purge would otherwise see as unreferenced and delete under it.
//! Runs hold the lock shared (they do not block each other); the purge's collection holds
//! it exclusively, so it sees every reference a run has committed, and none is in flight.

use deadpool_postgres::Transaction;

use crate::db::CachedStatements;

/// The advisory lock key (transaction-level; unlike the migration lock). Runs and the purge
/// take it first in their transactions, before any append.
pub const STORAGE_LOCK: i64 = 0x7465_6e61_6e74_0010;

/// Taken by a run's transaction before it stores or references content.
pub async fn share_storage(transaction: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached("SELECT pg_advisory_xact_lock_shared($1)", &[&STORAGE_LOCK])
        .await?;
    Ok(())
}

/// Taken by the purge before it deletes what nothing references.
pub async fn own_storage(transaction: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached("SELECT pg_advisory_xact_lock($1)", &[&STORAGE_LOCK])
        .await?;
    Ok(())
}
