//! The dispatcher: `tick(now)` claims the slot of every schedule due at `now`. Due schedules
//! are found through the indexed `next_run_at` (never by evaluating every schedule); the
//! Schedule aggregate decides each claim, so any number of dispatchers may tick at once and
//! each slot still gets exactly one run.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use serde::Serialize;
use uuid::Uuid;

use crate::db::CachedStatements;
use crate::domain::schedule::{ClaimSlot, Schedule, ScheduleCommand, ScheduleEvent, SkipReason};
use crate::store::{AggregateStore, CommandError, EventMetadata, PgEventRepository};

/// Claims decided at once: enough for group commit to batch their appends, few enough to
/// leave the pool to the API.
const CONCURRENT_CLAIMS: usize = 16;
/// Due schedules read per query: bounds what a tick holds in memory at once.
const DUE_PAGE: i64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

pub struct Dispatcher {
    pool: Pool,
    schedules: AggregateStore<Schedule>,
    grace: Duration,
}

/// What one tick did, printed by `tenantpilot dispatch`.
#[derive(Debug, Default, Serialize)]
pub struct TickSummary {
    pub at: Option<DateTime<Utc>>,
    pub due: usize,
    pub claimed: Vec<SlotOutcome>,
    pub skipped: Vec<SlotOutcome>,
    /// Due rows another dispatcher handled first (or a stale read model row).
    pub already_handled: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotOutcome {
    pub schedule_id: Uuid,
    pub tenant_id: Uuid,
    pub scheduled_for: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<SkipReason>,
}

enum Outcome {
    Claimed(SlotOutcome),
    Skipped(SlotOutcome),
    AlreadyHandled,
    Failed,
}

struct DueSchedule {
    id: Uuid,
    tenant_id: Uuid,
    scheduled_for: DateTime<Utc>,
}

impl Dispatcher {
    pub fn new(pool: Pool, repository: PgEventRepository, grace: std::time::Duration) -> Self {
        Self {
            pool,
            schedules: AggregateStore::new(repository, ()),
            grace: Duration::from_std(grace).unwrap_or(Duration::minutes(5)),
        }
    }

    /// One dispatcher tick at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickSummary, DispatchError> {
        let tick_id = format!("tick:{}", now.to_rfc3339_opts(SecondsFormat::Secs, true));
        let mut summary = TickSummary {
            at: Some(now),
            ..TickSummary::default()
        };
        // Due schedules a page at a time (a herd of 100,000 is never read in one go), in
        // (next_run_at, id) order, each page after the last one's final row.
        let mut after = None;
        loop {
            let due = self.due_schedules(now, after).await?;
            let Some(last) = due.last() else { break };
            after = Some((last.scheduled_for, last.id));
            let full = due.len() as i64 == DUE_PAGE;
            summary.due += due.len();
            let mut outcomes = futures_util::stream::iter(due)
                .map(|schedule| self.claim(schedule, now, &tick_id))
                .buffer_unordered(CONCURRENT_CLAIMS);
            while let Some(outcome) = outcomes.next().await {
                match outcome {
                    Outcome::Claimed(slot) => summary.claimed.push(slot),
                    Outcome::Skipped(slot) => summary.skipped.push(slot),
                    Outcome::AlreadyHandled => summary.already_handled += 1,
                    Outcome::Failed => summary.failed += 1,
                }
            }
            if !full {
                break;
            }
        }
        tracing::info!(
            tick = %tick_id,
            due = summary.due,
            claimed = summary.claimed.len(),
            skipped = summary.skipped.len(),
            already_handled = summary.already_handled,
            failed = summary.failed,
            "dispatcher tick"
        );
        Ok(summary)
    }

    /// One page of due schedules after `after` (`(next_run_at, id)` of the previous page's
    /// last row). Served by the partial index `backup_schedules_due`.
    async fn due_schedules(
        &self,
        now: DateTime<Utc>,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<Vec<DueSchedule>, DispatchError> {
        let client = self.pool.get().await?;
        let (after_time, after_id) = after.unzip();
        let rows = client
            .query_cached(
                "SELECT id, tenant_id, next_run_at FROM backup_schedules
                 WHERE enabled AND deleted_at IS NULL AND next_run_at IS NOT NULL
                   AND next_run_at <= $1
                   AND ($2::timestamptz IS NULL OR (next_run_at, id) > ($2, $3))
                 ORDER BY next_run_at, id LIMIT $4",
                &[&now, &after_time, &after_id, &DUE_PAGE],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| DueSchedule {
                id: row.get(0),
                tenant_id: row.get(1),
                scheduled_for: row.get(2),
            })
            .collect())
    }

    async fn claim(&self, schedule: DueSchedule, now: DateTime<Utc>, tick_id: &str) -> Outcome {
        let command = ScheduleCommand::ClaimSlot(ClaimSlot {
            scheduled_for: schedule.scheduled_for,
            run_id: Uuid::now_v7(),
            now,
            grace: self.grace,
        });
        let metadata =
            EventMetadata::system("dispatcher", tick_id, now).for_tenant(schedule.tenant_id);
        let result = self
            .schedules
            .execute(&schedule.id.to_string(), command, &metadata, None)
            .await;
        let slot = |run_id, reason| SlotOutcome {
            schedule_id: schedule.id,
            tenant_id: schedule.tenant_id,
            scheduled_for: schedule.scheduled_for,
            run_id,
            reason,
        };
        match result {
            Ok(committed) => match committed.events.first() {
                Some(ScheduleEvent::SlotClaimed { run_id, .. }) => {
                    Outcome::Claimed(slot(Some(*run_id), None))
                }
                Some(ScheduleEvent::SlotSkipped { reason, .. }) => {
                    Outcome::Skipped(slot(None, Some(*reason)))
                }
                _ => Outcome::AlreadyHandled,
            },
            // another dispatcher got there first, or the row was stale: nothing to do
            Err(CommandError::Rejected(_) | CommandError::Claim(_) | CommandError::Conflict) => {
                Outcome::AlreadyHandled
            }
            Err(error) => {
                tracing::error!(schedule.id = %schedule.id, %error, "claiming a slot failed");
                Outcome::Failed
            }
        }
    }
}
