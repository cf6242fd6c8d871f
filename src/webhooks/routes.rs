//! The fan-out's own view of the subscriptions (`webhook_routes`), kept from the webhook
//! events as the fan-out passes them, so each event goes to the webhooks subscribed when it
//! happened. Disabling cancels a webhook's pending messages; deleting removes its messages,
//! their attempts and its secrets.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::mapping::PublicMessage;
use crate::db::CachedStatements;
use crate::domain::token::TenantScope;
use crate::domain::webhook::{EventTypeFilter, WebhookEvent, ALL_EVENT_TYPES};
use crate::projections::{payload, ConsumerError};
use crate::secrets::rows::{self, Retire};
use crate::secrets::SealedKind;
use crate::store::StoredEvent;

/// An active subscription, as the fan-out matches messages against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub webhook_id: Uuid,
    /// Public names, or `*`.
    pub event_types: Vec<String>,
    /// `None`: every tenant.
    pub tenant_ids: Option<Vec<Uuid>>,
}

impl Route {
    pub fn receives(&self, message: &PublicMessage) -> bool {
        let type_matches = self
            .event_types
            .iter()
            .any(|name| name == ALL_EVENT_TYPES || name == message.event_type.as_str());
        let tenant_matches = self
            .tenant_ids
            .as_ref()
            .is_none_or(|tenants| tenants.contains(&message.tenant_id));
        type_matches && tenant_matches
    }
}

/// The active routes, as `transaction` sees them.
pub async fn active(transaction: &Transaction<'_>) -> Result<Vec<Route>, ConsumerError> {
    let rows = transaction
        .query_cached(
            "SELECT webhook_id, event_types, tenant_ids FROM webhook_routes WHERE active",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Route {
            webhook_id: row.get(0),
            event_types: row.get(1),
            tenant_ids: row.get(2),
        })
        .collect())
}

fn tenant_ids(scope: &TenantScope) -> Option<Vec<Uuid>> {
    scope.tenant_ids().map(<[Uuid]>::to_vec)
}

fn names(filter: &EventTypeFilter) -> Vec<String> {
    filter.names()
}

/// Applies one webhook event to the routes (and what it retires), in the fan-out's batch.
pub async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
) -> Result<(), ConsumerError> {
    let Ok(id) = Uuid::parse_str(&event.aggregate_id) else {
        tracing::error!(
            event.position = event.position,
            "webhook event skipped by the fan-out: its aggregate id is not a UUID"
        );
        return Ok(());
    };
    let at = event.occurred_at();
    match payload::<WebhookEvent>(event)? {
        WebhookEvent::WebhookCreated {
            url,
            event_types,
            tenants,
            enabled,
            secret_id,
            ..
        } => {
            transaction
                .execute_cached(
                    "INSERT INTO webhook_routes (webhook_id, url, event_types, tenant_ids,
                                                 active, secret_id)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (webhook_id) DO NOTHING",
                    &[
                        &id,
                        &url.as_str(),
                        &names(&event_types),
                        &tenant_ids(&tenants),
                        &enabled,
                        &secret_id,
                    ],
                )
                .await?;
        }
        WebhookEvent::WebhookUpdated {
            url,
            event_types,
            tenants,
            ..
        } => {
            transaction
                .execute_cached(
                    "UPDATE webhook_routes SET url = coalesce($2, url),
                            event_types = coalesce($3, event_types),
                            tenant_ids = CASE WHEN $4 THEN $5 ELSE tenant_ids END
                     WHERE webhook_id = $1",
                    &[
                        &id,
                        &url.as_ref().map(|url| url.as_str()),
                        &event_types.as_ref().map(names),
                        &tenants.is_some(),
                        &tenants.as_ref().and_then(tenant_ids),
                    ],
                )
                .await?;
        }
        WebhookEvent::WebhookSecretRotated {
            secret_id,
            previous_secret_id,
            previous_expires_at,
        } => {
            transaction
                .execute_cached(
                    "UPDATE webhook_routes SET secret_id = $2, previous_secret_id = $3,
                            previous_secret_expires_at = $4
                     WHERE webhook_id = $1",
                    &[&id, &secret_id, &previous_secret_id, &previous_expires_at],
                )
                .await?;
            // only the two secrets in force are kept: an older one signs nothing any more
            let in_force = [secret_id, previous_secret_id];
            rows::retire(
                transaction,
                SealedKind::WebhookSecret,
                id,
                Retire::AllBut(&in_force),
            )
            .await?;
        }
        WebhookEvent::WebhookEnabled => {
            transaction
                .execute_cached(
                    "UPDATE webhook_routes SET active = true, failing_since = NULL
                     WHERE webhook_id = $1",
                    &[&id],
                )
                .await?;
        }
        WebhookEvent::WebhookDisabled { .. } => deactivate(transaction, id, at).await?,
        // the message was put back in the queue in the transaction of this event
        WebhookEvent::WebhookRedeliveryRequested { .. } => {}
        WebhookEvent::WebhookDeleted => {
            for sql in [
                "DELETE FROM webhook_routes WHERE webhook_id = $1",
                "DELETE FROM webhook_messages WHERE webhook_id = $1",
            ] {
                transaction.execute_cached(sql, &[&id]).await?;
            }
            rows::retire(transaction, SealedKind::WebhookSecret, id, Retire::All).await?;
        }
    }
    Ok(())
}

/// Stops a route and cancels its pending messages (the sender's disable does it in the
/// transaction of its `WebhookDisabled`; the fan-out repeats it harmlessly).
pub async fn deactivate(
    transaction: &Transaction<'_>,
    webhook_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached(
            "UPDATE webhook_routes SET active = false WHERE webhook_id = $1",
            &[&webhook_id],
        )
        .await?;
    transaction
        .execute_cached(
            "UPDATE webhook_messages SET status = 'cancelled', next_attempt_at = NULL,
                    finished_at = $2
             WHERE webhook_id = $1 AND status = 'pending'",
            &[&webhook_id, &at],
        )
        .await?;
    Ok(())
}
