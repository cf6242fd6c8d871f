//! Creates a Run for every claimed slot. It reacts to `SlotClaimed` on the global feed and
//! appends `RunQueued` in the same transaction that advances its checkpoint: a crash between
//! the claim and the queuing loses nothing (the claim is re-read after restart) and queues
//! nothing twice.

use cqrs_es::persist::SerializedEvent;
use cqrs_es::DomainEvent;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::reaction::{correlation_of, malformed};
use crate::domain::run::RunEvent;
use crate::domain::schedule::ScheduleEvent;
use crate::projections::{ConsumerError, EventHandler};
use crate::store::{append_in_transaction, EventMetadata, StoredEvent};

pub const RUN_CREATOR: &str = "run_creator";

pub struct RunCreator;

impl RunCreator {
    /// The `RunQueued` a `SlotClaimed` calls for, or none for any other event.
    fn queued_run(event: &StoredEvent) -> Result<Option<SerializedEvent>, ConsumerError> {
        if event.aggregate_type != "schedule" || event.event_type != "SlotClaimed" {
            return Ok(None);
        }
        let ScheduleEvent::SlotClaimed {
            run_id,
            scheduled_for,
            trigger,
            retry_of,
            ..
        } = crate::projections::payload::<ScheduleEvent>(event)?
        else {
            return Ok(None);
        };
        let (Ok(schedule_id), Some(tenant_id)) =
            (Uuid::parse_str(&event.aggregate_id), event.tenant_id)
        else {
            malformed(event, "the claim names no valid schedule id or tenant");
            return Ok(None);
        };
        let queued = RunEvent::RunQueued {
            run_id,
            schedule_id,
            tenant_id,
            trigger,
            scheduled_for,
            retry_of,
        };
        let metadata =
            EventMetadata::system("run-creator", correlation_of(event), event.occurred_at())
                .caused_by(event.event_id.to_string())
                .for_tenant(tenant_id);
        let unreadable = |source| ConsumerError::Payload {
            position: event.position,
            event_type: event.event_type.clone(),
            source,
        };
        let payload = serde_json::to_value(&queued).map_err(unreadable)?;
        let metadata = serde_json::to_value(metadata.to_map()).map_err(unreadable)?;
        Ok(Some(SerializedEvent::new(
            run_id.to_string(),
            1,
            "run".to_owned(),
            queued.event_type(),
            queued.event_version(),
            payload,
            metadata,
        )))
    }
}

impl EventHandler for RunCreator {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        self.handle_batch(transaction, std::slice::from_ref(event))
            .await
    }

    /// All runs of a batch in one append (a midnight herd queues thousands at once).
    async fn handle_batch(
        &self,
        transaction: &Transaction<'_>,
        events: &[StoredEvent],
    ) -> Result<(), ConsumerError> {
        let mut runs = Vec::new();
        for event in events {
            runs.extend(Self::queued_run(event)?);
        }
        append_in_transaction(transaction, &runs)
            .await
            .map(|_| ())
            .map_err(|error| ConsumerError::Append(error.to_string()))
    }

    /// Queued runs are events, not a read model: a rebuild must not queue them again.
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(RUN_CREATOR))
    }
}
