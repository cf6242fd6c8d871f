//! Deciders for runs: claiming cadence slots, manual runs and retries, recording outcomes.

use chrono::{DateTime, Utc};

use super::aggregate::{consecutive_failures_after, Schedule};
use super::commands::{ClaimSlot, RecordRun, RequestRun};
use super::errors::ScheduleError;
use super::events::{ScheduleEvent, SkipReason};
use crate::domain::run::RunTrigger;

/// Failed runs in a row after which the system disables a schedule. A run fails only when
/// nothing was backed up (a partial run made a backup and does not count), and the Graph
/// client has already retried throttling and transient errors inside each run; so five
/// failures in a row (most of a working week for a nightly schedule) mean the tenant is
/// broken (secret expired, consent revoked, licence gone) rather than unlucky. Running on
/// would only hammer Graph and fill the run history; someone has to fix the tenant and
/// enable the schedule again, and the notification tells them so. Every run of the
/// schedule counts, manual runs and retries included: they fail for the same reasons.
pub const AUTO_DISABLE_AFTER_FAILURES: u32 = 5;

impl Schedule {
    /// The dispatcher claims the slot the schedule is due at. Exactly one claim per slot:
    /// a slot at or before the last claimed or skipped one is refused, and so is a slot that
    /// is not the schedule's current `next_run_at` (the dispatcher read a stale row).
    pub(super) fn claim_slot(&self, claim: ClaimSlot) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.existing()?;
        if !state.enabled {
            return Err(ScheduleError::Disabled);
        }
        if state
            .last_slot
            .is_some_and(|last| claim.scheduled_for <= last)
        {
            return Err(ScheduleError::SlotAlreadyClaimed(claim.scheduled_for));
        }
        if state.next_run_at != Some(claim.scheduled_for) || claim.scheduled_for > claim.now {
            return Err(ScheduleError::SlotNotDue(claim.scheduled_for));
        }
        if claim.now - claim.scheduled_for > claim.grace {
            // no catch-up: the service was down or behind; continue from now
            return Ok(vec![ScheduleEvent::SlotSkipped {
                scheduled_for: claim.scheduled_for,
                reason: SkipReason::Missed,
                next_run_at: state.next_slot(claim.now),
            }]);
        }
        let next_run_at = state.next_slot(claim.scheduled_for);
        if state.active_run.is_some() {
            return Ok(vec![ScheduleEvent::SlotSkipped {
                scheduled_for: claim.scheduled_for,
                reason: SkipReason::Overlap,
                next_run_at,
            }]);
        }
        Ok(vec![ScheduleEvent::SlotClaimed {
            run_id: claim.run_id,
            scheduled_for: claim.scheduled_for,
            trigger: RunTrigger::Scheduled,
            retry_of: None,
            next_run_at,
        }])
    }

    /// A manual run or a retry: queued at once, `next_run_at` untouched. Refused while
    /// another run of the schedule is queued or running, so one schedule never runs twice
    /// at the same time. Disabled schedules may still be run by hand.
    pub(super) fn request_run(
        &self,
        request: RequestRun,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.live(request.tenant_id)?;
        if let Some(active) = state.active_run {
            return Err(ScheduleError::RunAlreadyActive(active));
        }
        Ok(vec![ScheduleEvent::SlotClaimed {
            run_id: request.run_id,
            scheduled_for: request.now,
            trigger: request.trigger,
            retry_of: request.retry_of,
            next_run_at: state.next_run_at,
        }])
    }

    /// A run of this schedule finished. Recording the same run twice records nothing, and
    /// neither does a run older than the newest one recorded (unless it is the active run):
    /// the last-run status never moves backwards, whatever order outcomes arrive in.
    pub(super) fn record_run(
        &self,
        record: RecordRun,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.existing()?;
        if state.last_recorded_run == Some(record.run_id) {
            return Ok(Vec::new());
        }
        let older = state
            .last_recorded_finished_at
            .is_some_and(|newest| record.finished_at <= newest);
        if older && state.active_run != Some(record.run_id) {
            return Ok(Vec::new());
        }
        let mut events = vec![ScheduleEvent::RunRecorded {
            run_id: record.run_id,
            status: record.status,
            finished_at: record.finished_at,
        }];
        let consecutive_failures = consecutive_failures_after(state, record.status);
        // once, when the streak reaches the limit on an enabled schedule (a disabled one
        // claims no slots anyway; enabling it again resets the streak)
        if state.enabled && consecutive_failures >= AUTO_DISABLE_AFTER_FAILURES {
            events.push(ScheduleEvent::ScheduleAutoDisabled {
                consecutive_failures,
                last_run_id: record.run_id,
            });
        }
        Ok(events)
    }

    /// Re-evaluates a future `next_run_at` (a new build may carry new tz rules). A slot
    /// already due is left for the dispatcher, which claims it or records it as missed.
    pub(super) fn recompute_next_run(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.existing()?;
        let Some(current) = state
            .next_run_at
            .filter(|next| *next > now && state.enabled)
        else {
            return Ok(Vec::new());
        };
        let recomputed = state.next_slot(now);
        Ok(if recomputed == Some(current) {
            Vec::new()
        } else {
            vec![ScheduleEvent::NextRunRecomputed {
                next_run_at: recomputed,
            }]
        })
    }
}
