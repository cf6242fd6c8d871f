//! The read-model projector: one consumer that keeps `tenants`, `backup_schedules` and
//! `backup_runs`.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{ConsumerError, EventHandler};
use super::{policies, runs, schedules, tenants, tokens, webhooks};
use crate::store::StoredEvent;

/// The checkpoint name of the read-model projector.
pub const READ_MODELS: &str = "read_models";

pub struct ReadModels;

impl EventHandler for ReadModels {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        let Ok(id) = Uuid::parse_str(&event.aggregate_id) else {
            // immutable, so unfixable: logged once as the projector passes it, never
            // projected under a made-up id
            tracing::error!(
                event.position = event.position,
                event.aggregate_id = %event.aggregate_id,
                "event skipped by the read models: its aggregate id is not a UUID"
            );
            return Ok(());
        };
        match event.aggregate_type.as_str() {
            "tenant" => tenants::apply(transaction, event, id).await,
            "schedule" => schedules::apply(transaction, event, id).await,
            "run" => runs::apply(transaction, event, id).await,
            "token" => tokens::apply(transaction, event, id).await,
            "policy" => policies::apply(transaction, event, id).await,
            "webhook" => webhooks::apply(transaction, event, id).await,
            _ => Ok(()),
        }
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
