use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{CreateSchedule, ScheduleChanges, ScheduleCommand};
use super::errors::ScheduleError;
use super::events::ScheduleEvent;
use super::values::ScheduleName;
use crate::domain::cadence::Cadence;
use crate::domain::timezone::Timezone;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schedule {
    state: Option<State>,
}

/// The state of a created schedule: only what the rules need.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    tenant_id: Uuid,
    name: ScheduleName,
    enabled: bool,
    deleted: bool,
    cadence: Cadence,
    timezone: Timezone,
    next_run_at: Option<DateTime<Utc>>,
}

impl State {
    fn next_slot(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
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

    /// The live schedule of `tenant_id`; another tenant's schedule is "not found".
    fn live(&self, tenant_id: Uuid) -> Result<&State, ScheduleError> {
        match &self.state {
            Some(state) if state.tenant_id == tenant_id && state.deleted => {
                Err(ScheduleError::Deleted)
            }
            Some(state) if state.tenant_id == tenant_id => Ok(state),
            _ => Err(ScheduleError::NotFound),
        }
    }

    fn create(&self, command: CreateSchedule) -> Result<Vec<ScheduleEvent>, ScheduleError> {
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

    fn update(
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

    fn enable(
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

    fn disable(&self, tenant_id: Uuid) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        let state = self.live(tenant_id)?;
        Ok(if state.enabled {
            vec![ScheduleEvent::ScheduleDisabled]
        } else {
            Vec::new()
        })
    }

    fn delete(&self, tenant_id: Uuid) -> Result<Vec<ScheduleEvent>, ScheduleError> {
        self.live(tenant_id)?;
        Ok(vec![ScheduleEvent::ScheduleDeleted])
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
        match command {
            ScheduleCommand::Create(create) => {
                let events = self.create(create)?;
                write(sink, self, events).await
            }
            ScheduleCommand::Update {
                tenant_id,
                changes,
                now,
            } => {
                let enabled = changes.enabled;
                {
                    let events = self.update(tenant_id, changes, now)?;
                    write(sink, self, events).await
                };
                // decided after the field changes are applied, so enabling uses the new timing
                match enabled {
                    Some(true) => {
                        let events = self.enable(tenant_id, now)?;
                        write(sink, self, events).await
                    }
                    Some(false) => {
                        let events = self.disable(tenant_id)?;
                        write(sink, self, events).await
                    }
                    None => {}
                }
            }
            ScheduleCommand::Enable { tenant_id, now } => {
                let events = self.enable(tenant_id, now)?;
                write(sink, self, events).await
            }
            ScheduleCommand::Disable { tenant_id } => {
                let events = self.disable(tenant_id)?;
                write(sink, self, events).await
            }
            ScheduleCommand::Delete { tenant_id } => {
                let events = self.delete(tenant_id)?;
                write(sink, self, events).await
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ScheduleEvent::ScheduleCreated {
                tenant_id,
                name,
                enabled,
                cadence,
                timezone,
                next_run_at,
                ..
            } => {
                self.state = Some(State {
                    tenant_id,
                    name,
                    enabled,
                    deleted: false,
                    cadence,
                    timezone,
                    next_run_at,
                });
            }
            event => {
                if let Some(state) = self.state.as_mut() {
                    apply_to_state(state, event);
                }
            }
        }
    }
}

async fn write(sink: &EventSink<Schedule>, schedule: &mut Schedule, events: Vec<ScheduleEvent>) {
    for event in events {
        sink.write(event, schedule).await;
    }
}

fn apply_to_state(state: &mut State, event: ScheduleEvent) {
    match event {
        ScheduleEvent::ScheduleCreated { .. } => {}
        ScheduleEvent::ScheduleUpdated {
            name,
            cadence,
            timezone,
            next_run_at,
            ..
        } => {
            if let Some(name) = name {
                state.name = name;
            }
            if let Some(cadence) = cadence {
                state.cadence = cadence;
            }
            if let Some(timezone) = timezone {
                state.timezone = timezone;
            }
            state.next_run_at = next_run_at;
        }
        ScheduleEvent::ScheduleEnabled { next_run_at } => {
            state.enabled = true;
            state.next_run_at = next_run_at;
        }
        ScheduleEvent::ScheduleDisabled => {
            state.enabled = false;
            state.next_run_at = None;
        }
        ScheduleEvent::ScheduleDeleted => {
            state.deleted = true;
            state.enabled = false;
            state.next_run_at = None;
        }
    }
}
