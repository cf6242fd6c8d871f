use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{QueueRun, RunCommand};
use super::errors::RunError;
use super::events::RunEvent;
use super::values::RunStatus;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Run {
    status: Option<RunStatus>,
    schedule_id: Option<Uuid>,
    tenant_id: Option<Uuid>,
}

impl Run {
    pub fn status(&self) -> Option<RunStatus> {
        self.status
    }

    pub fn schedule_id(&self) -> Option<Uuid> {
        self.schedule_id
    }

    pub fn tenant_id(&self) -> Option<Uuid> {
        self.tenant_id
    }

    /// Queuing is idempotent: the run creator may see its `SlotClaimed` twice after a crash.
    fn queue(&self, command: QueueRun) -> Vec<RunEvent> {
        if self.status.is_some() {
            return Vec::new();
        }
        vec![RunEvent::RunQueued {
            run_id: command.run_id,
            schedule_id: command.schedule_id,
            tenant_id: command.tenant_id,
            trigger: command.trigger,
            scheduled_for: command.scheduled_for,
            retry_of: command.retry_of,
        }]
    }

    fn current(&self) -> Result<RunStatus, RunError> {
        self.status.ok_or(RunError::NotFound)
    }
}

impl Aggregate for Run {
    const TYPE: &'static str = "run";
    type Command = RunCommand;
    type Event = RunEvent;
    type Error = RunError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            RunCommand::Queue(queue) => self.queue(queue),
            RunCommand::Start { worker, now } => match self.current()? {
                RunStatus::Queued => vec![RunEvent::RunStarted {
                    worker,
                    started_at: now,
                }],
                other => return Err(RunError::NotQueued(other)),
            },
            RunCommand::Finish {
                status,
                error_code,
                error_message,
                now,
            } => {
                if !status.is_finished() {
                    return Err(RunError::NotAFinalStatus(status));
                }
                match self.current()? {
                    RunStatus::Running => vec![RunEvent::RunFinished {
                        status,
                        error_code,
                        error_message,
                        finished_at: now,
                    }],
                    other => return Err(RunError::NotRunning(other)),
                }
            }
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            RunEvent::RunQueued {
                schedule_id,
                tenant_id,
                ..
            } => {
                self.status = Some(RunStatus::Queued);
                self.schedule_id = Some(schedule_id);
                self.tenant_id = Some(tenant_id);
            }
            RunEvent::RunStarted { .. } => self.status = Some(RunStatus::Running),
            RunEvent::RunFinished { status, .. } => self.status = Some(status),
        }
    }
}
