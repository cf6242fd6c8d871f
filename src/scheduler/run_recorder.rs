//! Tells a schedule when one of its runs finished (`RunRecorded`): its last-run status, and
//! the end of the overlap that kept its next slots from running. Recording is idempotent in
//! the Schedule aggregate, so a crash that replays a `RunFinished` records nothing twice.

use deadpool_postgres::Transaction;

use crate::domain::run::{Run, RunEvent};
use crate::domain::schedule::{RecordRun, Schedule, ScheduleCommand, ScheduleError};
use crate::projections::{payload, ConsumerError, EventHandler};
use crate::store::{AggregateStore, CommandError, EventMetadata, PgEventRepository, StoredEvent};

pub const RUN_RECORDER: &str = "run_recorder";

pub struct RunRecorder {
    runs: AggregateStore<Run>,
    schedules: AggregateStore<Schedule>,
}

impl RunRecorder {
    pub fn new(repository: PgEventRepository) -> Self {
        Self {
            runs: AggregateStore::new(repository.clone(), ()),
            schedules: AggregateStore::new(repository, ()),
        }
    }
}

impl EventHandler for RunRecorder {
    async fn handle(
        &self,
        _transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        if event.aggregate_type != "run" || event.event_type != "RunFinished" {
            return Ok(());
        }
        let RunEvent::RunFinished {
            status,
            finished_at,
            ..
        } = payload::<RunEvent>(event)?
        else {
            return Ok(());
        };
        let (run, _) = self
            .runs
            .load(&event.aggregate_id)
            .await
            .map_err(|error| ConsumerError::Command(error.to_string()))?;
        let Some(schedule_id) = run.schedule_id() else {
            return Ok(());
        };
        let command = ScheduleCommand::RecordRun(RecordRun {
            run_id: uuid::Uuid::parse_str(&event.aggregate_id).unwrap_or_default(),
            status,
            finished_at,
        });
        let correlation = event
            .metadata
            .get("correlation_id")
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned();
        let mut metadata = EventMetadata::system("run-recorder", correlation, event.occurred_at())
            .caused_by(event.event_id.to_string());
        metadata.tenant_id = event.tenant_id;
        match self
            .schedules
            .execute(&schedule_id.to_string(), command, &metadata, None)
            .await
        {
            // a deleted schedule keeps no last-run status
            Ok(_) | Err(CommandError::Rejected(ScheduleError::Deleted)) => Ok(()),
            Err(error) => Err(ConsumerError::Command(error.to_string())),
        }
    }

    /// Its effects are events on schedules, which a rebuild must not repeat.
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(RUN_RECORDER))
    }
}
