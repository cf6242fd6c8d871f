//! The read-model projector: one consumer that keeps `tenants`, `backup_schedules` and
//! `backup_runs`.

use deadpool_postgres::Transaction;

use super::consumer::{ConsumerError, EventHandler};
use super::{runs, schedules, tenants, tokens};
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
        match event.aggregate_type.as_str() {
            "tenant" => tenants::apply(transaction, event).await,
            "schedule" => schedules::apply(transaction, event).await,
            "run" => runs::apply(transaction, event).await,
            "token" => tokens::apply(transaction, event).await,
            _ => Ok(()),
        }
    }

    async fn reset(&self, transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        transaction
            .batch_execute(
                "DELETE FROM tenants; DELETE FROM backup_schedules; DELETE FROM backup_runs; DELETE FROM api_tokens;",
            )
            .await?;
        Ok(())
    }
}
