use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::ApplyRetention;
use super::commands::ScheduleCommand;
use super::errors::ScheduleError;
use super::events::ScheduleEvent;
use super::retention::decide_retention;
use super::values::{RetentionKeepLast, ScheduleName};
use crate::domain::cadence::Cadence;
use crate::domain::run::{RunStatus, RunTrigger};
use crate::domain::timezone::Timezone;

/// The Schedule aggregate. Its deciders live in `lifecycle.rs` (create, update, enable,
/// disable, delete) and `slots.rs` (claiming slots, manual runs, recording outcomes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schedule {
    pub(super) state: Option<State>,
}

/// The state of a created schedule: only what the rules need.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct State {
    pub tenant_id: Uuid,
    pub name: ScheduleName,
    pub enabled: bool,
    pub deleted: bool,
    pub cadence: Cadence,
    pub timezone: Timezone,
    pub retention_keep_last: RetentionKeepLast,
    pub next_run_at: Option<DateTime<Utc>>,
    /// The latest cadence slot claimed or skipped; no slot at or before it is claimed again.
    #[serde(default)]
    pub last_slot: Option<DateTime<Utc>>,
    /// The run queued or running for this schedule, if any (overlap protection).
    #[serde(default)]
    pub active_run: Option<Uuid>,
    #[serde(default)]
    pub last_recorded_run: Option<Uuid>,
    /// When the newest recorded run finished: an older run is never recorded over it.
    #[serde(default)]
    pub last_recorded_finished_at: Option<DateTime<Utc>>,
    /// Recorded runs that failed in a row since the last success or partial run, or since
    /// the schedule was last enabled (`slots.rs`: the auto-disable rule).
    #[serde(default)]
    pub consecutive_failures: u32,
}

impl State {
    pub fn next_slot(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cadence.next_slot_after(self.timezone.tz(), after)
    }
}

impl Schedule {
    pub fn tenant_id(&self) -> Option<Uuid> {
        self.state.as_ref().map(|state| state.tenant_id)
    }

    pub fn next_run_at(&self) -> Option<DateTime<Utc>> {
        self.state.as_ref().and_then(|state| state.next_run_at)
    }

    pub fn active_run(&self) -> Option<Uuid> {
        self.state.as_ref().and_then(|state| state.active_run)
    }

    /// Whether the schedule was deleted (its history stays readable; it takes no commands).
    pub fn is_deleted(&self) -> bool {
        self.state.as_ref().is_some_and(|state| state.deleted)
    }

    /// The schedule, whoever asks (the scheduler acts for every tenant).
    pub(super) fn existing(&self) -> Result<&State, ScheduleError> {
        match &self.state {
            Some(state) if state.deleted => Err(ScheduleError::Deleted),
            Some(state) => Ok(state),
            None => Err(ScheduleError::NotFound),
        }
    }

    /// The live schedule of `tenant_id`; another tenant's schedule is "not found".
    pub(super) fn live(&self, tenant_id: Uuid) -> Result<&State, ScheduleError> {
        match &self.state {
            Some(state) if state.tenant_id != tenant_id => Err(ScheduleError::NotFound),
            _ => self.existing(),
        }
    }
}

async fn write(sink: &EventSink<Schedule>, schedule: &mut Schedule, events: Vec<ScheduleEvent>) {
    for event in events {
        sink.write(event, schedule).await;
    }
}

impl Aggregate for Schedule {
    const TYPE: &'static str = "schedule";
    type Command = ScheduleCommand;
    type Event = ScheduleEvent;
    type Error = ScheduleError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            ScheduleCommand::Create(create) => self.create(create)?,
            ScheduleCommand::Update {
                tenant_id,
                changes,
                now,
            } => {
                let enabled = changes.enabled;
                let events = self.update(tenant_id, changes, now)?;
                write(sink, self, events).await;
                // decided after the field changes are applied, so enabling uses the new timing
                match enabled {
                    Some(true) => self.enable(tenant_id, now)?,
                    Some(false) => self.disable(tenant_id)?,
                    None => Vec::new(),
                }
            }
            ScheduleCommand::Enable { tenant_id, now } => self.enable(tenant_id, now)?,
            ScheduleCommand::Disable { tenant_id } => self.disable(tenant_id)?,
            ScheduleCommand::Delete { tenant_id } => self.delete(tenant_id)?,
            ScheduleCommand::ClaimSlot(claim) => self.claim_slot(claim)?,
            ScheduleCommand::RequestRun(request) => self.request_run(request)?,
            ScheduleCommand::RecordRun(record) => self.record_run(record)?,
            ScheduleCommand::RecomputeNextRun { now } => self.recompute_next_run(now)?,
            ScheduleCommand::ApplyRetention(apply) => self.apply_retention(apply)?,
        };
        write(sink, self, events).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        if let ScheduleEvent::ScheduleCreated {
            tenant_id,
            name,
            enabled,
            cadence,
            timezone,
            retention_keep_last,
            next_run_at,
            ..
        } = event
        {
            self.state = Some(State {
                tenant_id,
                name,
                enabled,
                deleted: false,
                cadence,
                timezone,
                retention_keep_last,
                next_run_at,
                last_slot: None,
                active_run: None,
                last_recorded_run: None,
                last_recorded_finished_at: None,
                consecutive_failures: 0,
            });
        } else if let Some(state) = self.state.as_mut() {
            apply_to_state(state, event);
        }
    }
}

fn apply_to_state(state: &mut State, event: ScheduleEvent) {
    match event {
        ScheduleEvent::ScheduleCreated { .. } => {}
        ScheduleEvent::ScheduleUpdated {
            name,
            cadence,
            timezone,
            retention_keep_last,
            next_run_at,
            ..
        } => {
            state.name = name.unwrap_or_else(|| state.name.clone());
            state.retention_keep_last = retention_keep_last.unwrap_or(state.retention_keep_last);
            state.cadence = cadence.unwrap_or_else(|| state.cadence.clone());
            state.timezone = timezone.unwrap_or(state.timezone);
            state.next_run_at = next_run_at;
        }
        ScheduleEvent::ScheduleEnabled { next_run_at } => {
            state.enabled = true;
            state.next_run_at = next_run_at;
            // whoever enables it again gives it a fresh start
            state.consecutive_failures = 0;
        }
        ScheduleEvent::ScheduleDisabled | ScheduleEvent::ScheduleAutoDisabled { .. } => {
            state.enabled = false;
            state.next_run_at = None;
        }
        ScheduleEvent::ScheduleDeleted => {
            state.deleted = true;
            state.enabled = false;
            state.next_run_at = None;
        }
        ScheduleEvent::SlotClaimed {
            run_id,
            scheduled_for,
            trigger,
            next_run_at,
            ..
        } => {
            if trigger == RunTrigger::Scheduled {
                state.last_slot = Some(scheduled_for);
            }
            state.active_run = Some(run_id);
            state.next_run_at = next_run_at;
        }
        ScheduleEvent::SlotSkipped {
            scheduled_for,
            next_run_at,
            ..
        } => {
            state.last_slot = Some(scheduled_for);
            state.next_run_at = next_run_at;
        }
        ScheduleEvent::RunRecorded {
            run_id,
            status,
            finished_at,
        } => {
            state.consecutive_failures = consecutive_failures_after(state, status);
            if state.active_run == Some(run_id) {
                state.active_run = None;
            }
            state.last_recorded_run = Some(run_id);
            state.last_recorded_finished_at =
                state.last_recorded_finished_at.max(Some(finished_at));
        }
        ScheduleEvent::NextRunRecomputed { next_run_at } => state.next_run_at = next_run_at,
        ScheduleEvent::RetentionApplied { .. } => {}
    }
}

/// The failure streak once a run with `status` is recorded: a failure extends it, a run
/// that made a backup (success or partial) ends it.
pub(super) fn consecutive_failures_after(state: &State, status: RunStatus) -> u32 {
    match status {
        RunStatus::Failed => state.consecutive_failures.saturating_add(1),
        RunStatus::Success | RunStatus::Partial => 0,
        RunStatus::Queued | RunStatus::Running => state.consecutive_failures,
    }
}

impl Schedule {
    /// Soft-deletes what retention does not keep; records nothing when nothing goes.
    /// Retention is the scheduler's, so it acts for a disabled schedule too, but not for a
    /// deleted one: its sets stay until an admin removes them.
    fn apply_retention(&self, apply: ApplyRetention) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.existing()?;
        let decision = decide_retention(state.retention_keep_last, &apply.candidates);
        if decision.deleted.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![ScheduleEvent::RetentionApplied {
            kept: u32::try_from(decision.kept.len()).unwrap_or(u32::MAX),
            deleted_backup_set_ids: decision.deleted,
            reason: apply.reason,
        }])
    }
}
