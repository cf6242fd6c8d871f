//! Verification: every event's hash recomputed from its stored columns and its stream
//! predecessor's stored hash, the log's digest folded along, and every anchor compared
//! with the log, in feed order. Incremental by default (after the place the last successful
//! run stored), or in full. Reads a batch at a time on one connection: memory stays flat
//! however long the log.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{GenericClient, Pool, Transaction};

use super::anchor::Anchor;
use super::digest::LogDigest;
use super::report::{AnchorCheck, BrokenReason, VerificationReport, VerificationStatus};
use super::{AuditError, AUDIT_LOCK};
use crate::db::CachedStatements;
use crate::store::{
    chain_hash, event_hash, hex, read_chain_rows, stored_hashes, ChainHash, ChainRow, FeedCursor,
    StreamKey, GENESIS,
};

/// Events read per query.
const BATCH: i64 = 1_000;
/// Anchors read per query.
const ANCHOR_BATCH: i64 = 500;

/// Verifies the log (all of it with `full`, else what the last successful run did not
/// check) at `at`; stores the new verified position when it is intact.
pub async fn verify(
    pool: &Pool,
    at: DateTime<Utc>,
    full: bool,
) -> Result<VerificationReport, AuditError> {
    let at = at.trunc_subsecs(6);
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    transaction
        .execute_cached("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
        .await?;
    let start = if full {
        LogDigest::EMPTY
    } else {
        stored_state(&transaction)
            .await?
            .unwrap_or(LogDigest::EMPTY)
    };
    let mut run = Run {
        log: start,
        events_checked: 0,
        anchors_checked: 0,
        last_anchor: None,
        anchors: AnchorQueue::after(start.cursor),
    };
    let outcome = run.check(&transaction, full).await?;
    if outcome.is_none() {
        save_state(&transaction, &run.log, at).await?;
        transaction.commit().await?;
    }
    // broken: nothing stored, the transaction rolls back when dropped
    Ok(run.report(start.cursor.position, full, at, outcome))
}

/// Where the log stops verifying.
struct Break {
    position: i64,
    reason: BrokenReason,
    detail: String,
}

struct Run {
    log: LogDigest,
    events_checked: i64,
    anchors_checked: i64,
    last_anchor: Option<AnchorCheck>,
    anchors: AnchorQueue,
}

impl Run {
    async fn check(
        &mut self,
        transaction: &Transaction<'_>,
        full: bool,
    ) -> Result<Option<Break>, AuditError> {
        if !full {
            if let Some(broken) = self.check_verified_prefix(transaction).await? {
                return Ok(Some(broken));
            }
        }
        loop {
            let rows = read_chain_rows(transaction, self.log.cursor, BATCH).await?;
            if rows.is_empty() {
                break;
            }
            let predecessors = Predecessors::of(transaction, &rows).await?;
            for row in &rows {
                if let Some(broken) = self.anchors_before(transaction, row.cursor()).await? {
                    return Ok(Some(broken));
                }
                if let Some(broken) = self.check_event(row, &predecessors) {
                    return Ok(Some(broken));
                }
            }
        }
        self.anchors_before(transaction, FeedCursor::new(i64::MAX, i64::MAX))
            .await
    }

    /// Incremental runs trust what was verified, but not blindly: as many events as were
    /// verified must still be there (a deleted tail is the likeliest tampering).
    async fn check_verified_prefix(
        &self,
        client: &impl GenericClient,
    ) -> Result<Option<Break>, AuditError> {
        if self.log.cursor.is_start() {
            return Ok(None);
        }
        let count: i64 = client
            .query_one_cached(
                "SELECT count(*) FROM events WHERE (transaction_id, position) <= ($1, $2)",
                &[&self.log.cursor.transaction_id, &self.log.cursor.position],
            )
            .await?
            .get(0);
        Ok((count != self.log.count).then(|| Break {
            position: self.log.cursor.position,
            reason: BrokenReason::VerifiedPrefixChanged,
            detail: format!(
                "{} events were verified through position {}; {count} are there now",
                self.log.count, self.log.cursor.position
            ),
        }))
    }

    /// The event's hash recomputed and compared; folded into the digest when intact.
    fn check_event(&mut self, row: &ChainRow, predecessors: &Predecessors<'_>) -> Option<Break> {
        let broken = |reason, detail| {
            Some(Break {
                position: row.position,
                reason,
                detail,
            })
        };
        let name = format!(
            "{} {} sequence {}",
            row.aggregate_type, row.aggregate_id, row.sequence
        );
        let Some(stored) = row.hash.as_deref().and_then(chain_hash) else {
            return broken(BrokenReason::MissingHash, format!("{name} has no hash"));
        };
        let previous = if row.sequence <= 1 {
            GENESIS
        } else {
            match predecessors.hash_before(row) {
                Ok(hash) => hash,
                Err(missing) => {
                    return broken(
                        BrokenReason::MissingPredecessor,
                        format!(
                            "{name} chains to sequence {}, which {missing}",
                            row.sequence - 1
                        ),
                    )
                }
            }
        };
        if event_hash(&previous, &row.hashed()) != stored {
            return broken(
                BrokenReason::HashMismatch,
                format!(
                    "the stored hash of {name} is not the hash of its stored content chained \
                     to its predecessor's"
                ),
            );
        }
        self.log.fold(row.cursor(), &stored);
        self.events_checked += 1;
        None
    }

    /// Compares every anchor before `cursor` with the log as folded so far (all events up
    /// to the anchor's, since the next event is beyond it).
    async fn anchors_before(
        &mut self,
        client: &impl GenericClient,
        cursor: FeedCursor,
    ) -> Result<Option<Break>, AuditError> {
        while let Some((anchor, digest)) = self.anchors.next_before(client, cursor).await? {
            let matches = digest == self.log.digest && anchor.event_count == self.log.count;
            self.anchors_checked += 1;
            let check = AnchorCheck {
                found_digest: hex(&self.log.digest),
                found_event_count: self.log.count,
                matches,
                anchor,
            };
            self.last_anchor = Some(check.clone());
            if !matches {
                return Ok(Some(Break {
                    position: check.anchor.position,
                    reason: BrokenReason::AnchorMismatch,
                    detail: format!(
                        "the anchor at position {} (recorded {}) has {} events with digest {}; \
                         the log has {} events with digest {} through that position",
                        check.anchor.position,
                        check.anchor.recorded_at.to_rfc3339(),
                        check.anchor.event_count,
                        check.anchor.digest,
                        check.found_event_count,
                        check.found_digest,
                    ),
                }));
            }
        }
        Ok(None)
    }

    fn report(
        self,
        started_after: i64,
        full: bool,
        at: DateTime<Utc>,
        outcome: Option<Break>,
    ) -> VerificationReport {
        let (status, first_broken_position, reason, detail) = match outcome {
            None => (VerificationStatus::Ok, None, None, None),
            Some(broken) => (
                VerificationStatus::Broken,
                Some(broken.position),
                Some(broken.reason),
                Some(broken.detail),
            ),
        };
        VerificationReport {
            status,
            full,
            started_after_position: started_after,
            verified_through_position: self.log.cursor.position,
            events_checked: self.events_checked,
            event_count: self.log.count,
            digest: hex(&self.log.digest),
            first_broken_position,
            reason,
            detail,
            anchors_checked: self.anchors_checked,
            last_anchor: self.last_anchor,
            verified_at: at,
        }
    }
}

/// The stored hashes of a batch's stream predecessors: from the batch itself, or read in
/// one query for those before it.
struct Predecessors<'a> {
    hashes: HashMap<StreamKey<'a>, Option<ChainHash>>,
}

impl<'a> Predecessors<'a> {
    async fn of(client: &impl GenericClient, rows: &'a [ChainRow]) -> Result<Self, AuditError> {
        let mut hashes: HashMap<StreamKey<'a>, Option<ChainHash>> = rows
            .iter()
            .map(|row| {
                (
                    (
                        row.aggregate_type.as_str(),
                        row.aggregate_id.as_str(),
                        row.sequence,
                    ),
                    row.hash.as_deref().and_then(chain_hash),
                )
            })
            .collect();
        let outside: Vec<StreamKey<'a>> = rows
            .iter()
            .filter(|row| row.sequence > 1)
            .map(|row| {
                (
                    row.aggregate_type.as_str(),
                    row.aggregate_id.as_str(),
                    row.sequence - 1,
                )
            })
            .filter(|key| !hashes.contains_key(key))
            .collect();
        hashes.extend(stored_hashes(client, &outside).await?);
        Ok(Self { hashes })
    }

    /// The stored hash of `row`'s predecessor, or what is wrong with it.
    fn hash_before(&self, row: &ChainRow) -> Result<ChainHash, &'static str> {
        let key = (
            row.aggregate_type.as_str(),
            row.aggregate_id.as_str(),
            row.sequence - 1,
        );
        match self.hashes.get(&key) {
            Some(Some(hash)) => Ok(*hash),
            Some(None) => Err("has no hash"),
            None => Err("is not stored"),
        }
    }
}

/// An anchor with its place in the feed and its digest's bytes.
type QueuedAnchor = (FeedCursor, Anchor, Vec<u8>);

/// The anchors at or after a place in the feed, read a page at a time in feed order.
struct AnchorQueue {
    /// The next page starts after this anchor (inclusive of `start` before the first).
    after: FeedCursor,
    inclusive: bool,
    page: VecDeque<QueuedAnchor>,
    exhausted: bool,
}

impl AnchorQueue {
    /// Anchors at `start` and after.
    fn after(start: FeedCursor) -> Self {
        Self {
            after: start,
            inclusive: true,
            page: VecDeque::new(),
            exhausted: false,
        }
    }

    /// The next anchor, and its digest's bytes, if it is before `limit`.
    async fn next_before(
        &mut self,
        client: &impl GenericClient,
        limit: FeedCursor,
    ) -> Result<Option<(Anchor, Vec<u8>)>, AuditError> {
        if self.page.is_empty() && !self.exhausted {
            let rows = client
                .query_cached(
                    "SELECT transaction_id, position, digest, event_count, recorded_at
                     FROM audit_anchors
                     WHERE (transaction_id, position) > ($1, $2)
                        OR ($3 AND (transaction_id, position) = ($1, $2))
                     ORDER BY transaction_id, position LIMIT $4",
                    &[
                        &self.after.transaction_id,
                        &self.after.position,
                        &self.inclusive,
                        &ANCHOR_BATCH,
                    ],
                )
                .await?;
            self.exhausted = (rows.len() as i64) < ANCHOR_BATCH;
            for row in &rows {
                let cursor = FeedCursor::from_row(row, 0);
                let digest: Vec<u8> = row.get(2);
                let anchor = Anchor {
                    position: cursor.position,
                    digest: hex(&digest),
                    event_count: row.get(3),
                    recorded_at: row.get(4),
                };
                self.after = cursor;
                self.inclusive = false;
                self.page.push_back((cursor, anchor, digest));
            }
        }
        match self.page.front() {
            Some((cursor, _, _)) if *cursor < limit => Ok(self
                .page
                .pop_front()
                .map(|(_, anchor, digest)| (anchor, digest))),
            _ => Ok(None),
        }
    }
}

/// Where the last successful run ended.
async fn stored_state(client: &impl GenericClient) -> Result<Option<LogDigest>, AuditError> {
    let row = client
        .query_opt(
            "SELECT transaction_id, position, digest, event_count FROM audit_verification",
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

async fn save_state(
    client: &impl GenericClient,
    log: &LogDigest,
    at: DateTime<Utc>,
) -> Result<(), AuditError> {
    client
        .execute_cached(
            "INSERT INTO audit_verification (transaction_id, position, digest, event_count,
                                             verified_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET transaction_id = excluded.transaction_id,
                 position = excluded.position, digest = excluded.digest,
                 event_count = excluded.event_count, verified_at = excluded.verified_at",
            &[
                &log.cursor.transaction_id,
                &log.cursor.position,
                &&log.digest[..],
                &log.count,
                &at,
            ],
        )
        .await?;
    Ok(())
}
