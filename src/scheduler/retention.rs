//! Retention after every run: when a schedule records a finished run (`RunRecorded`) or
//! changes `retention_keep_last`, its live backup sets beyond what it keeps are
//! soft-deleted (`RetentionApplied` on the schedule). Decided and appended inside the
//! transaction that advances this consumer's checkpoint, with `backup_sets.deleted_at`
//! written in that same transaction: a crash between a run and its retention applies it
//! once after the restart, and a replayed batch decides again against committed state.

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::reaction::{correlation_of, malformed};
use crate::db::CachedStatements;
use crate::domain::schedule::{
    ApplyRetention, RetentionCandidate, RetentionReason, Schedule, ScheduleCommand, ScheduleError,
    ScheduleEvent,
};
use crate::projections::{payload, ConsumerError, EventHandler};
use crate::store::{
    execute_in_transaction, load_in_transaction, upcasters, CommandError, EventMetadata,
    StoredEvent,
};

pub const RETENTION: &str = "retention";

pub struct Retention {
    upcasters: Vec<Box<dyn EventUpcaster>>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            upcasters: upcasters(),
        }
    }
}

/// What of a schedule event starts retention.
fn reason_of(event: &StoredEvent) -> Result<Option<RetentionReason>, ConsumerError> {
    if event.aggregate_type != "schedule" {
        return Ok(None);
    }
    Ok(match event.event_type.as_str() {
        "RunRecorded" => Some(RetentionReason::RunRecorded),
        // only a lower value deletes anything; the decision tells
        "ScheduleUpdated" => match payload::<ScheduleEvent>(event)? {
            ScheduleEvent::ScheduleUpdated {
                retention_keep_last: Some(_),
                ..
            } => Some(RetentionReason::RetentionChanged),
            _ => None,
        },
        _ => None,
    })
}

impl EventHandler for Retention {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        let Some(reason) = reason_of(event)? else {
            return Ok(());
        };
        let Ok(schedule_id) = Uuid::parse_str(&event.aggregate_id) else {
            malformed(event, "the schedule id is not a UUID");
            return Ok(());
        };
        let (schedule, _) =
            load_in_transaction::<Schedule>(transaction, &self.upcasters, &event.aggregate_id)
                .await
                .map_err(|error| ConsumerError::Command(error.to_string()))?;
        let Some(tenant_id) = schedule.tenant_id() else {
            malformed(event, "the schedule was never created");
            return Ok(());
        };
        let candidates = live_sets(transaction, tenant_id, schedule_id).await?;
        let at = event.occurred_at();
        let metadata = EventMetadata::system("retention", correlation_of(event), at)
            .caused_by(event.event_id.to_string())
            .for_tenant(tenant_id);
        let command = ScheduleCommand::ApplyRetention(ApplyRetention { candidates, reason });
        let outcome = execute_in_transaction::<Schedule>(
            transaction,
            &self.upcasters,
            &event.aggregate_id,
            command,
            &(),
            &metadata,
        )
        .await;
        let events = match outcome {
            Ok(events) => events,
            // a deleted schedule's sets stay until an admin removes them
            Err(CommandError::Rejected(ScheduleError::Deleted)) => return Ok(()),
            Err(CommandError::Conflict) => return Err(ConsumerError::Conflict),
            Err(error) => return Err(ConsumerError::Command(error.to_string())),
        };
        for event in events {
            if let ScheduleEvent::RetentionApplied {
                deleted_backup_set_ids,
                ..
            } = event
            {
                soft_delete(transaction, tenant_id, &deleted_backup_set_ids, at).await?;
            }
        }
        Ok(())
    }

    /// Its effects are events on schedules, which a rebuild must not repeat.
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(RETENTION))
    }
}

/// The schedule's live sets, locked: an admin's delete or undelete of one of them waits
/// for this decision, and is then decided against it.
async fn live_sets(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    schedule_id: Uuid,
) -> Result<Vec<RetentionCandidate>, ConsumerError> {
    let rows = transaction
        .query_cached(
            "SELECT id, created_at, status FROM backup_sets
             WHERE tenant_id = $1 AND schedule_id = $2 AND deleted_at IS NULL
             ORDER BY id FOR UPDATE",
            &[&tenant_id, &schedule_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| RetentionCandidate {
            backup_set_id: row.get(0),
            created_at: row.get(1),
            completed: row.get::<_, &str>(2) == "completed",
        })
        .collect())
}

async fn soft_delete(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<(), ConsumerError> {
    transaction
        .execute_cached(
            "UPDATE backup_sets SET deleted_at = $3
             WHERE tenant_id = $1 AND id = ANY($2) AND deleted_at IS NULL",
            &[&tenant_id, &ids, &at],
        )
        .await?;
    Ok(())
}
