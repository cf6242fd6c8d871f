//! Reading a page of due schedules for the dispatcher, inside the transaction that will
//! append the page's claims.
//!
//! The rows are locked `FOR UPDATE SKIP LOCKED`: dispatchers ticking at once (three
//! instances, or the page workers of one) take disjoint pages instead of all deciding the
//! same schedules, and none waits for another. The lock only divides the work: the Schedule
//! aggregate still decides every claim, so a row read twice is claimed once. A row locked by
//! the projector at that instant is skipped too; the tick's closing sweep reads it again,
//! and failing that the next tick does, as it would a row the read model had not shown yet.

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use crate::db::CachedStatements;

/// Due schedules read (and claimed together) per page: one transaction's worth of claims.
pub(super) const DUE_PAGE: i64 = 1_000;

/// Where a pass over the due schedules stands: the `(next_run_at, id)` of the last row of
/// its previous page, `None` before the first.
pub(super) type Cursor = Option<(DateTime<Utc>, Uuid)>;

#[derive(Debug, Clone)]
pub(super) struct DueSchedule {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub scheduled_for: DateTime<Utc>,
}

/// Due, in `(next_run_at, id)` order, which the partial index `backup_schedules_due_keyset`
/// serves (a page is read off the index, never sorted out of the whole herd).
///
/// A row whose slot has already been decided by an event the read model has not applied
/// yet (a claim or a skip of that slot or a later one, by any dispatcher) is left out: the
/// aggregate would refuse it anyway (`SlotAlreadyClaimed`), and without this, concurrent
/// dispatchers would each read every row the others claimed until it is projected. The
/// look-up is a scalar subquery on purpose: it stays one probe of the stream's unapplied
/// events per row (the `(aggregate_type, aggregate_id, sequence)` index), whatever the
/// statistics say about how many claims the log holds (a herd adds them faster than
/// `ANALYZE` counts them).
const DUE_CONDITIONS: &str = "
    s.enabled AND s.deleted_at IS NULL AND s.next_run_at IS NOT NULL AND s.next_run_at <= $1
    AND coalesce((
        SELECT max((e.payload ->> 'scheduled_for')::timestamptz) FILTER (
                   WHERE e.event_type = 'SlotSkipped'
                      OR (e.event_type = 'SlotClaimed' AND e.payload ->> 'trigger' = 'scheduled'))
        FROM events e
        WHERE e.aggregate_type = 'schedule' AND e.aggregate_id = s.id::text
          AND e.sequence > s.version), '-infinity') < s.next_run_at";

/// The next page after `after`, its rows locked until `transaction` ends.
pub(super) async fn lock_due_page(
    transaction: &Transaction<'_>,
    now: DateTime<Utc>,
    after: Cursor,
) -> Result<Vec<DueSchedule>, tokio_postgres::Error> {
    // two statements rather than one with `$n IS NULL OR ...`: each keeps a plan that
    // walks the index from where the page starts
    let rows = match after {
        None => {
            let sql = format!(
                "SELECT s.id, s.tenant_id, s.next_run_at FROM backup_schedules s
                 WHERE {DUE_CONDITIONS}
                 ORDER BY s.next_run_at, s.id LIMIT $2 FOR UPDATE OF s SKIP LOCKED"
            );
            transaction.query_cached(&sql, &[&now, &DUE_PAGE]).await?
        }
        Some((after_time, after_id)) => {
            let sql = format!(
                "SELECT s.id, s.tenant_id, s.next_run_at FROM backup_schedules s
                 WHERE {DUE_CONDITIONS} AND (s.next_run_at, s.id) > ($3, $4)
                 ORDER BY s.next_run_at, s.id LIMIT $2 FOR UPDATE OF s SKIP LOCKED"
            );
            transaction
                .query_cached(&sql, &[&now, &DUE_PAGE, &after_time, &after_id])
                .await?
        }
    };
    Ok(rows
        .iter()
        .map(|row| DueSchedule {
            id: row.get(0),
            tenant_id: row.get(1),
            scheduled_for: row.get(2),
        })
        .collect())
}

/// Whether any schedule is due and undecided at `now`, read without locking anything: a
/// tick with nothing to do (most minutes) ends after this one probe of the index.
pub(super) async fn any_due(
    client: &impl GenericClient,
    now: DateTime<Utc>,
) -> Result<bool, tokio_postgres::Error> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM backup_schedules s WHERE {DUE_CONDITIONS})");
    Ok(client.query_one_cached(&sql, &[&now]).await?.get(0))
}
