//! The sender's own decisions about an endpoint: disabled when it answered 410 Gone, or
//! when every attempt failed for the failing window. Recorded through the Webhook aggregate
//! (`WebhookDisabled` with its reason), with the route stopped and its pending messages
//! cancelled in the same transaction, so no further attempt goes out after the commit.

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;
use uuid::Uuid;

use crate::domain::webhook::{DisableWebhook, Webhook, WebhookCommand, WebhookError};
use crate::store::{execute_in_transaction, CommandError, EventMetadata};
use crate::webhooks::routes::deactivate;

/// A concurrent write of the same webhook (an admin's) is retried this often.
const CONFLICT_RETRIES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum DisableError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("the webhook could not be disabled: {0}")]
    Command(String),
}

/// Disables `webhook_id` for `disable.reason`; true when this call recorded it (false: it
/// was disabled or deleted already).
pub async fn disable(
    pool: &Pool,
    upcasters: &[Box<dyn EventUpcaster>],
    webhook_id: Uuid,
    disable: DisableWebhook,
    now: DateTime<Utc>,
) -> Result<bool, DisableError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        let metadata = EventMetadata::system("webhooks", format!("webhook:{webhook_id}"), now);
        let outcome = execute_in_transaction::<Webhook>(
            &transaction,
            upcasters,
            &webhook_id.to_string(),
            WebhookCommand::Disable(disable.clone()),
            &(),
            &metadata,
        )
        .await;
        match outcome {
            Ok(events) if events.is_empty() => return Ok(false),
            Ok(_) => {
                deactivate(&transaction, webhook_id, now).await?;
                transaction.commit().await?;
                return Ok(true);
            }
            Err(CommandError::Rejected(WebhookError::NotFound | WebhookError::Deleted)) => {
                return Ok(false)
            }
            Err(CommandError::Conflict) if attempt <= CONFLICT_RETRIES => continue,
            Err(error) => return Err(DisableError::Command(error.to_string())),
        }
    }
}
