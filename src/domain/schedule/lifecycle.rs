//! Deciders for a schedule's life: create, update, enable, disable, delete.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::aggregate::{Schedule, State};
use super::commands::{CreateSchedule, ScheduleChanges};
use super::errors::ScheduleError;
use super::events::ScheduleEvent;

impl Schedule {
    pub(super) fn create(
        &self,
        command: CreateSchedule,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        if self.state.is_some() {
            return Err(ScheduleError::AlreadyExists);
        }
        let spec = command.spec;
        let next_run_at = spec
            .enabled
            .then(|| {
                spec.cadence
                    .next_slot_after(spec.timezone.tz(), command.now)
            })
            .flatten();
        Ok(vec![ScheduleEvent::ScheduleCreated {
            schedule_id: command.schedule_id,
            tenant_id: command.tenant_id,
            name: spec.name,
            enabled: spec.enabled,
            cadence: spec.cadence,
            timezone: spec.timezone,
            policy_types: spec.policy_types,
            include_foundations: spec.include_foundations,
            retention_keep_last: spec.retention_keep_last,
            next_run_at,
        }])
    }

    pub(super) fn update(
        &self,
        tenant_id: Uuid,
        changes: ScheduleChanges,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.live(tenant_id)?;
        // Keep only what really changes, so a repeated PATCH records nothing.
        let name = changes.name.filter(|name| *name != state.name);
        let cadence = changes.cadence.filter(|cadence| *cadence != state.cadence);
        let timezone = changes
            .timezone
            .filter(|timezone| *timezone != state.timezone);
        let timing_changed = cadence.is_some() || timezone.is_some();
        let others_changed = changes.policy_types.is_some()
            || changes.include_foundations.is_some()
            || changes.retention_keep_last.is_some();
        if name.is_none() && !timing_changed && !others_changed {
            return Ok(Vec::new());
        }
        // A new timing recomputes the next slot from now; a slot already claimed under the
        // old timing keeps its run.
        let next_run_at = if timing_changed && state.enabled {
            let timing = State {
                cadence: cadence.clone().unwrap_or_else(|| state.cadence.clone()),
                timezone: timezone.unwrap_or(state.timezone),
                ..state.clone()
            };
            timing.next_slot(now)
        } else {
            state.next_run_at
        };
        Ok(vec![ScheduleEvent::ScheduleUpdated {
            name,
            cadence,
            timezone,
            policy_types: changes.policy_types,
            include_foundations: changes.include_foundations,
            retention_keep_last: changes.retention_keep_last,
            next_run_at,
        }])
    }

    pub(super) fn enable(
        &self,
        tenant_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.live(tenant_id)?;
        if state.enabled {
            return Ok(Vec::new());
        }
        // No catch-up: the next slot is computed from now, not from when it was disabled.
        Ok(vec![ScheduleEvent::ScheduleEnabled {
            next_run_at: state.next_slot(now),
        }])
    }

    pub(super) fn disable(&self, tenant_id: Uuid) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.live(tenant_id)?;
        Ok(if state.enabled {
            vec![ScheduleEvent::ScheduleDisabled]
        } else {
            Vec::new()
        })
    }

    pub(super) fn delete(&self, tenant_id: Uuid) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        self.live(tenant_id)?;
        Ok(vec![ScheduleEvent::ScheduleDeleted])
    }
}
