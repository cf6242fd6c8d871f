use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{QueueRun, RunCommand};
use super::errors::RunError;
use super::events::RunEvent;
use super::report::BackupSummary;
use super::values::RunStatus;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Run {
    status: Option<RunStatus>,
    schedule_id: Option<Uuid>,
    tenant_id: Option<Uuid>,
    /// The worker of the current attempt.
    #[serde(default)]
    worker: Option<String>,
    /// How often a worker lost the run; the second time it fails instead of requeuing.
    #[serde(default)]
    abandoned: u32,
    #[serde(default)]
    backup_created: bool,
}

/// A run is put back in the queue after its first lost worker only.
const REQUEUES: u32 = 1;

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

    fn running(&self) -> Result<(), RunError> {
        match self.current()? {
            RunStatus::Running => Ok(()),
            other => Err(RunError::NotRunning(other)),
        }
    }

    fn start(&self, worker: String, now: DateTime<Utc>) -> Result<Vec<RunEvent>, RunError> {
        match self.current()? {
            RunStatus::Queued => Ok(vec![RunEvent::RunStarted {
                worker,
                started_at: now,
            }]),
            other => Err(RunError::NotQueued(other)),
        }
    }

    fn record_backup(&self, backup: BackupSummary) -> Result<Vec<RunEvent>, RunError> {
        self.running()?;
        if self.backup_created {
            return Err(RunError::BackupAlreadyCreated);
        }
        Ok(vec![RunEvent::BackupCreated { backup }])
    }

    /// The worker is gone. The first time (and only when asked to) the run goes back to the
    /// queue; otherwise it fails: a run that keeps killing its workers must not loop.
    fn abandon(
        &self,
        worker: String,
        reason: String,
        requeue: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<RunEvent>, RunError> {
        self.running()?;
        let requeued = requeue && self.abandoned < REQUEUES && !self.backup_created;
        let mut events = vec![RunEvent::RunAbandoned {
            worker,
            reason: reason.clone(),
            requeued,
            abandoned_at: now,
        }];
        if !requeued {
            events.push(RunEvent::RunFinished {
                status: RunStatus::Failed,
                error_code: Some("internal".to_owned()),
                error_message: Some(format!("the run's worker stopped: {reason}")),
                finished_at: now,
            });
        }
        Ok(events)
    }

    fn finish(
        &self,
        status: RunStatus,
        error_code: Option<String>,
        error_message: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RunEvent>, RunError> {
        if !status.is_finished() {
            return Err(RunError::NotAFinalStatus(status));
        }
        self.running()?;
        Ok(vec![RunEvent::RunFinished {
            status,
            error_code,
            error_message,
            finished_at: now,
        }])
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
            RunCommand::Start { worker, now } => self.start(worker, now)?,
            RunCommand::RecordSync { report } => {
                self.running()?;
                vec![RunEvent::SyncCompleted { report }]
            }
            RunCommand::RecordBackup { backup } => self.record_backup(backup)?,
            RunCommand::Abandon {
                worker,
                reason,
                requeue,
                now,
            } => self.abandon(worker, reason, requeue, now)?,
            RunCommand::Finish {
                status,
                error_code,
                error_message,
                now,
            } => self.finish(status, error_code, error_message, now)?,
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
            RunEvent::RunStarted { worker, .. } => {
                self.status = Some(RunStatus::Running);
                self.worker = Some(worker);
            }
            RunEvent::SyncCompleted { .. } => {}
            RunEvent::BackupCreated { .. } => self.backup_created = true,
            RunEvent::RunAbandoned { requeued, .. } => {
                self.abandoned += 1;
                self.worker = None;
                if requeued {
                    self.status = Some(RunStatus::Queued);
                }
            }
            RunEvent::RunFinished { status, .. } => self.status = Some(status),
        }
    }
}
