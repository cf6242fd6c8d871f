//! The dispatcher: `tick(now)` claims the slot of every schedule due at `now`. Due schedules
//! are found through the indexed `next_run_at` (never by evaluating every schedule); the
//! Schedule aggregate decides each claim, so any number of dispatchers may tick at once and
//! each slot still gets exactly one run.
//!
//! A herd of schedules due in the same minute is claimed a page at a time: the page's rows
//! are locked (`due_page.rs`), their streams loaded with one query, each claim decided in
//! memory by the aggregate, and the page's events appended in the same transaction through
//! the store's append path, with the optimistic sequence check and the slot's uniqueness
//! claim of every single claim. A page that cannot be committed as one (another writer got
//! to one of its schedules first) is claimed again one schedule at a time, as a lone claim
//! would be, so each schedule gets the answer it would have got alone.

use std::collections::HashSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::{Pool, Transaction};
use futures_util::StreamExt;
use serde::Serialize;
use uuid::Uuid;

use super::due_page::{any_due, lock_due_page, DueSchedule, DUE_PAGE};
use crate::domain::schedule::{
    ClaimSlot, Schedule, ScheduleCommand, ScheduleError, ScheduleEvent, SkipReason,
};
use crate::store::{
    append_in_transaction, decide, load_many_in_transaction, upcasters, AggregateStore,
    AppendSignal, CommandError, EventMetadata, PgEventRepository,
};

/// Claims of a refused page decided at once: enough for group commit to batch their
/// appends, few enough to leave the pool to the API.
const CONCURRENT_CLAIMS: usize = 16;
/// Pages one dispatcher claims at once, each in its own transaction on its own connection
/// (the row locks keep them disjoint): one page's round trips overlap another's work.
const PAGE_WORKERS: usize = 4;

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
    /// Wakes this process's consumers after a page commits outside the group-commit writer.
    appends: AppendSignal,
    upcasters: Vec<Box<dyn EventUpcaster>>,
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

impl Outcome {
    /// What the events a claim decided mean for the tick.
    fn of(schedule: &DueSchedule, events: &[ScheduleEvent]) -> Self {
        let slot = |run_id, reason| SlotOutcome {
            schedule_id: schedule.id,
            tenant_id: schedule.tenant_id,
            scheduled_for: schedule.scheduled_for,
            run_id,
            reason,
        };
        match events.first() {
            Some(ScheduleEvent::SlotClaimed { run_id, .. }) => {
                Self::Claimed(slot(Some(*run_id), None))
            }
            Some(ScheduleEvent::SlotSkipped { reason, .. }) => {
                Self::Skipped(slot(None, Some(*reason)))
            }
            _ => Self::AlreadyHandled,
        }
    }
}

impl TickSummary {
    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Claimed(slot) => self.claimed.push(slot),
            Outcome::Skipped(slot) => self.skipped.push(slot),
            Outcome::AlreadyHandled => self.already_handled += 1,
            Outcome::Failed => self.failed += 1,
        }
    }

    fn merge(&mut self, other: TickSummary) {
        self.due += other.due;
        self.claimed.extend(other.claimed);
        self.skipped.extend(other.skipped);
        self.already_handled += other.already_handled;
        self.failed += other.failed;
    }
}

impl Dispatcher {
    pub fn new(pool: Pool, repository: PgEventRepository, grace: std::time::Duration) -> Self {
        Self {
            pool,
            appends: repository.appends().clone(),
            schedules: AggregateStore::new(repository, ()),
            upcasters: upcasters(),
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
        // most minutes nothing is due: one probe of the index, and the tick is done (its
        // connection back in the pool before the page workers take theirs)
        let anything_due = any_due(&self.pool.get().await?, now).await?;
        if anything_due {
            self.claim_due(now, &tick_id, &mut summary).await?;
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

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        tick_id: &str,
        summary: &mut TickSummary,
    ) -> Result<(), DispatchError> {
        // The page workers each walk the due rows from the start, taking the pages no other
        // worker (of this dispatcher or another) holds, until the rows run out.
        let nothing = HashSet::new();
        let passes = (0..PAGE_WORKERS).map(|_| self.pass(now, tick_id, &nothing));
        let mut read = HashSet::new();
        for pass in futures_util::future::join_all(passes).await {
            let (worked, ids) = pass?;
            summary.merge(worked);
            read.extend(ids);
        }
        // The closing sweep: a row that was locked when the workers passed it (by the
        // projector writing it, or by a dispatcher that then gave its page up) is read
        // again. Rows claimed in this tick are left out by the page query itself, rows
        // this tick read and found refused are passed over.
        summary.merge(self.pass(now, tick_id, &read).await?.0);
        Ok(())
    }

    /// Claims page after page from the first due row until the rows run out, passing over
    /// the rows in `skip`; returns what it did and the ids it read.
    async fn pass(
        &self,
        now: DateTime<Utc>,
        tick_id: &str,
        skip: &HashSet<Uuid>,
    ) -> Result<(TickSummary, HashSet<Uuid>), DispatchError> {
        let mut summary = TickSummary::default();
        let mut read = HashSet::new();
        let mut after = None;
        loop {
            let (rows, last, refused) = {
                let mut client = self.pool.get().await?;
                let transaction = client.transaction().await?;
                let page = lock_due_page(&transaction, now, after).await?;
                let (rows, last) = (
                    page.len(),
                    page.last().map(|row| (row.scheduled_for, row.id)),
                );
                let due: Vec<DueSchedule> = page
                    .into_iter()
                    .filter(|row| !skip.contains(&row.id))
                    .collect();
                read.extend(due.iter().map(|row| row.id));
                summary.due += due.len();
                let refused = self
                    .claim_page(transaction, &due, now, tick_id, &mut summary)
                    .await;
                (rows, last, refused)
            };
            // the page's transaction and connection are released before its claims are made
            // again one by one: those take connections of their own
            self.claim_one_by_one(refused, now, tick_id, &mut summary)
                .await;
            // a short page: every row after the cursor was read, locked or left out
            if (rows as i64) < DUE_PAGE {
                return Ok((summary, read));
            }
            after = last;
        }
    }

    /// Claims a locked page in its transaction; returns the schedules to claim one by one
    /// instead (none when the page committed).
    async fn claim_page(
        &self,
        transaction: Transaction<'_>,
        due: &[DueSchedule],
        now: DateTime<Utc>,
        tick_id: &str,
        summary: &mut TickSummary,
    ) -> Vec<DueSchedule> {
        if due.is_empty() {
            return Vec::new();
        }
        match self.claim_together(&transaction, due, now, tick_id).await {
            Ok(outcomes) => match transaction.commit().await {
                Ok(()) => {
                    self.appends.wake();
                    for outcome in outcomes {
                        summary.record(outcome);
                    }
                    return Vec::new();
                }
                // whether it committed or not, the aggregates know: each claim is decided
                // again, and a claim that did commit is refused
                Err(error) => {
                    tracing::warn!(%error, "committing a page of claims failed; claiming them one by one")
                }
            },
            Err(CommandError::Conflict | CommandError::Claim(_)) => {
                tracing::debug!(
                    "another writer changed a schedule of the page; claiming it one by one"
                )
            }
            Err(error) => {
                tracing::warn!(%error, "claiming a page at once failed; claiming it one by one")
            }
        }
        due.to_vec()
    }

    async fn claim_one_by_one(
        &self,
        due: Vec<DueSchedule>,
        now: DateTime<Utc>,
        tick_id: &str,
        summary: &mut TickSummary,
    ) {
        let mut outcomes = futures_util::stream::iter(due)
            .map(|schedule| self.claim(schedule, now, tick_id))
            .buffer_unordered(CONCURRENT_CLAIMS);
        while let Some(outcome) = outcomes.next().await {
            summary.record(outcome);
        }
    }

    /// Loads the page's schedules, decides each claim in memory and appends every event of
    /// the page in `transaction`.
    async fn claim_together(
        &self,
        transaction: &Transaction<'_>,
        due: &[DueSchedule],
        now: DateTime<Utc>,
        tick_id: &str,
    ) -> Result<Vec<Outcome>, CommandError<ScheduleError>> {
        let ids: Vec<String> = due.iter().map(|schedule| schedule.id.to_string()).collect();
        let mut streams =
            load_many_in_transaction::<Schedule>(transaction, &self.upcasters, &ids).await?;
        let mut outcomes = Vec::with_capacity(due.len());
        let mut events = Vec::with_capacity(due.len());
        for (schedule, id) in due.iter().zip(&ids) {
            let Some(loaded) = streams.get_mut(id) else {
                continue; // every id asked for is loaded, with or without events
            };
            let (command, metadata) = self.claim_command(schedule, now, tick_id);
            match decide(id, loaded, command, &(), &metadata).await {
                Ok((decided, serialized)) => {
                    outcomes.push(Outcome::of(schedule, &decided));
                    events.extend(serialized);
                }
                // claimed by another dispatcher first, or the row was stale: nothing to do
                Err(CommandError::Rejected(_)) => outcomes.push(Outcome::AlreadyHandled),
                Err(error) => return Err(error),
            }
        }
        append_in_transaction(transaction, &events).await?;
        Ok(outcomes)
    }

    fn claim_command(
        &self,
        schedule: &DueSchedule,
        now: DateTime<Utc>,
        tick_id: &str,
    ) -> (ScheduleCommand, EventMetadata) {
        let command = ScheduleCommand::ClaimSlot(ClaimSlot {
            scheduled_for: schedule.scheduled_for,
            run_id: Uuid::now_v7(),
            now,
            grace: self.grace,
        });
        let metadata =
            EventMetadata::system("dispatcher", tick_id, now).for_tenant(schedule.tenant_id);
        (command, metadata)
    }

    /// One schedule's claim on its own, through the aggregate store (load, decide, commit
    /// via the group-commit writer, retried on a concurrent write).
    async fn claim(&self, schedule: DueSchedule, now: DateTime<Utc>, tick_id: &str) -> Outcome {
        let (command, metadata) = self.claim_command(&schedule, now, tick_id);
        let result = self
            .schedules
            .execute(&schedule.id.to_string(), command, &metadata, None)
            .await;
        match result {
            Ok(committed) => Outcome::of(&schedule, &committed.events),
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
