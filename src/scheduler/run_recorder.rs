//! Tells a schedule when one of its runs finished (`RunRecorded`): its last-run status, and
//! the end of the overlap that kept its next slots from running. The decision is made and
//! appended inside the transaction that advances this consumer's checkpoint, so a crash
//! replays the batch against exactly the state that was committed, and nothing is recorded
//! twice or out of order.

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::reaction::{correlation_of, malformed};
use crate::domain::run::{Run, RunEvent};
use crate::domain::schedule::{RecordRun, Schedule, ScheduleCommand, ScheduleError};
use crate::projections::{payload, ConsumerError, EventHandler};
use crate::store::{
    execute_in_transaction, load_in_transaction, upcasters, CommandError, EventMetadata,
    StoredEvent,
};

pub const RUN_RECORDER: &str = "run_recorder";

pub struct RunRecorder {
    upcasters: Vec<Box<dyn EventUpcaster>>,
}

impl Default for RunRecorder {
    fn default() -> Self {
        Self {
            upcasters: upcasters(),
        }
    }
}

impl EventHandler for RunRecorder {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
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
        let Ok(run_id) = Uuid::parse_str(&event.aggregate_id) else {
            malformed(event, "the run id is not a UUID");
            return Ok(());
        };
        let (run, _) =
            load_in_transaction::<Run>(transaction, &self.upcasters, &event.aggregate_id)
                .await
                .map_err(|error| ConsumerError::Command(error.to_string()))?;
        let (Some(schedule_id), Some(tenant_id)) = (run.schedule_id(), run.tenant_id()) else {
            malformed(event, "the run names no schedule or tenant");
            return Ok(());
        };
        let command = ScheduleCommand::RecordRun(RecordRun {
            run_id,
            status,
            finished_at,
        });
        let metadata =
            EventMetadata::system("run-recorder", correlation_of(event), event.occurred_at())
                .caused_by(event.event_id.to_string())
                .for_tenant(tenant_id);
        let outcome = execute_in_transaction::<Schedule>(
            transaction,
            &self.upcasters,
            &schedule_id.to_string(),
            command,
            &(),
            &metadata,
        )
        .await;
        match outcome {
            // a deleted schedule keeps no last-run status
            Ok(_) | Err(CommandError::Rejected(ScheduleError::Deleted)) => Ok(()),
            Err(CommandError::Conflict) => Err(ConsumerError::Conflict),
            Err(error) => Err(ConsumerError::Command(error.to_string())),
        }
    }

    /// Its effects are events on schedules, which a rebuild must not repeat.
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(RUN_RECORDER))
    }
}
