//! The read-model projector: one consumer that keeps `tenants`, `backup_schedules`,
//! `backup_runs`, `api_tokens` and `policies.ignored`.
//!
//! Each table is written from its own aggregate's events only, so a batch may write the
//! tables one after the other: only the order of each table's own events matters. Schedule
//! and run events (nearly every event, and thousands at once in a herd) are folded per row
//! and written with a statement per table; the rare tenant, token and policy events are
//! written one statement each, in order.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{ConsumerError, EventHandler};
use super::run_row::{run_change, RunChange};
use super::runs::RunChanges;
use super::schedule_row::{schedule_change, ScheduleChange};
use super::schedules::ScheduleChanges;
use super::{policies, runs, schedules, tenants, tokens, webhooks};
use crate::store::StoredEvent;

/// The checkpoint name of the read-model projector.
pub const READ_MODELS: &str = "read_models";

pub struct ReadModels;

/// The event's aggregate id, or none for an id that is not a UUID: stored events are
/// immutable, so it is logged once as the projector passes it, never projected under a
/// made-up id.
fn aggregate_uuid(event: &StoredEvent) -> Option<Uuid> {
    let id = Uuid::parse_str(&event.aggregate_id).ok();
    if id.is_none() {
        tracing::error!(
            event.position = event.position,
            event.aggregate_id = %event.aggregate_id,
            "event skipped by the read models: its aggregate id is not a UUID"
        );
    }
    id
}

impl EventHandler for ReadModels {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        self.handle_batch(transaction, std::slice::from_ref(event))
            .await
    }

    async fn handle_batch(
        &self,
        transaction: &Transaction<'_>,
        events: &[StoredEvent],
    ) -> Result<(), ConsumerError> {
        let mut schedule_changes = ScheduleChanges::default();
        let mut run_changes = RunChanges::default();
        for event in events {
            let Some(id) = aggregate_uuid(event) else {
                continue;
            };
            match event.aggregate_type.as_str() {
                "schedule" => match schedule_change(event, id)? {
                    ScheduleChange::Insert(row) => schedule_changes.insert(id, row),
                    ScheduleChange::Update(update) => schedule_changes.update(id, update),
                },
                "run" => match run_change(event, id)? {
                    RunChange::Insert(row) => run_changes.insert(id, row),
                    RunChange::Update(update) => run_changes.update(id, update),
                },
                "tenant" => tenants::apply(transaction, event, id).await?,
                "token" => tokens::apply(transaction, event, id).await?,
                "policy" => policies::apply(transaction, event, id).await?,
                "webhook" => webhooks::apply(transaction, event, id).await?,
                _ => {}
            }
        }
        schedules::write(transaction, schedule_changes).await?;
        runs::write(transaction, run_changes).await
    }

    async fn reset(&self, transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        transaction
            .batch_execute(
                "DELETE FROM tenants; DELETE FROM backup_schedules; DELETE FROM backup_runs;
                 DELETE FROM api_tokens; UPDATE policies SET ignored = false WHERE ignored;
                 DELETE FROM webhooks;",
            )
            .await?;
        Ok(())
    }
}
