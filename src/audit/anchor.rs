//! Anchors: the log's digest at its head, recorded at intervals (and by
//! `tenantpilot audit anchor`). Verification compares the log against every anchor, so a
//! tail deleted after an anchor was taken is found. Each anchor is also logged, so a copy
//! exists outside the database: someone who rewrites the log and its anchors table alike
//! still disagrees with the logs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{GenericClient, Pool};
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;

use super::digest::LogDigest;
use super::{AuditError, AUDIT_LOCK};
use crate::clock::Clock;
use crate::db::CachedStatements;
use crate::store::{chain_hash, feed_head, hex, FeedCursor};

/// Stored hashes read per query while folding.
const FOLD_BATCH: i64 = 10_000;

/// A recorded anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"position": 1200, "digest": "3f1c…e9", "event_count": 1187,
                          "recorded_at": "2026-11-27T02:00:00Z"}))]
pub struct Anchor {
    /// The position of the last event in feed order when it was taken.
    pub position: i64,
    /// The log's digest through that event, hex.
    pub digest: String,
    /// Events through that event.
    pub event_count: i64,
    pub recorded_at: DateTime<Utc>,
}

/// Records an anchor at the head of the log, unless nothing was written since the last one
/// (then `None`). The head is the last event below the feed's horizon: no transaction can
/// still commit an event before it (`store::feed`), so the anchored stretch is final.
pub async fn record_anchor(pool: &Pool, at: DateTime<Utc>) -> Result<Option<Anchor>, AuditError> {
    // as stored: PostgreSQL keeps microseconds
    let at = at.trunc_subsecs(6);
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    transaction
        .execute_cached("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
        .await?;
    let head = feed_head(&transaction).await?;
    let last = last_digest(&transaction).await?;
    let start = last.unwrap_or(LogDigest::EMPTY);
    if head <= start.cursor {
        return Ok(None);
    }
    let log = fold_stored(&transaction, start, head).await?;
    transaction
        .execute_cached(
            "INSERT INTO audit_anchors (transaction_id, position, digest, event_count,
                                        recorded_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &log.cursor.transaction_id,
                &log.cursor.position,
                &&log.digest[..],
                &log.count,
                &at,
            ],
        )
        .await?;
    transaction.commit().await?;
    let anchor = Anchor {
        position: log.cursor.position,
        digest: hex(&log.digest),
        event_count: log.count,
        recorded_at: at,
    };
    tracing::info!(
        transaction_id = log.cursor.transaction_id,
        position = anchor.position,
        digest = %anchor.digest,
        event_count = anchor.event_count,
        "audit anchor recorded"
    );
    Ok(Some(anchor))
}

/// The newest anchor, if any.
pub async fn latest_anchor(client: &impl GenericClient) -> Result<Option<Anchor>, AuditError> {
    let row = client
        .query_opt(
            "SELECT position, digest, event_count, recorded_at FROM audit_anchors
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.map(|row| Anchor {
        position: row.get(0),
        digest: hex(row.get::<_, &[u8]>(1)),
        event_count: row.get(2),
        recorded_at: row.get(3),
    }))
}

async fn last_digest(client: &impl GenericClient) -> Result<Option<LogDigest>, AuditError> {
    let row = client
        .query_opt(
            "SELECT transaction_id, position, digest, event_count FROM audit_anchors
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.and_then(|row| {
        Some(LogDigest {
            cursor: FeedCursor::from_row(&row, 0),
            digest: chain_hash(row.get::<_, &[u8]>(2))?,
            count: row.get(3),
        })
    }))
}

/// `start` with every stored hash after it through `through` folded in, read a batch at a
/// time (memory stays flat however long the stretch); planned for the values given each
/// time, like every long read of the log (see `store::read_chain_rows`).
async fn fold_stored(
    client: &impl GenericClient,
    start: LogDigest,
    through: FeedCursor,
) -> Result<LogDigest, AuditError> {
    let mut log = start;
    loop {
        let rows = client
            .query(
                "SELECT transaction_id, position, hash FROM events
                 WHERE (transaction_id, position) > ($1, $2)
                   AND (transaction_id, position) <= ($3, $4)
                 ORDER BY transaction_id, position LIMIT $5",
                &[
                    &log.cursor.transaction_id,
                    &log.cursor.position,
                    &through.transaction_id,
                    &through.position,
                    &FOLD_BATCH,
                ],
            )
            .await?;
        for row in &rows {
            let cursor = FeedCursor::from_row(row, 0);
            let hash = row
                .get::<_, Option<&[u8]>>(2)
                .and_then(chain_hash)
                .ok_or(AuditError::Unhashed(cursor.position))?;
            log.fold(cursor, &hash);
        }
        if (rows.len() as i64) < FOLD_BATCH {
            return Ok(log);
        }
    }
}

/// Records an anchor every `interval` until shutdown (role consumers). The first one after
/// one interval: a restart does not anchor by itself.
pub async fn run_anchoring(
    pool: Pool,
    clock: Arc<dyn Clock>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
        match record_anchor(&pool, clock.now()).await {
            Ok(Some(_)) => {}
            Ok(None) => tracing::debug!("no event since the last audit anchor"),
            Err(error) => tracing::error!(%error, "recording an audit anchor failed"),
        }
    }
}
