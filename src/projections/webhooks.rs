//! The `webhooks` read model (what `/api/v1/webhooks` lists). Never holds a secret: only
//! when it was rotated and until when the previous one still signs.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, ConsumerError};
use crate::db::CachedStatements;
use crate::domain::webhook::WebhookEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let at = event.occurred_at();
    let version = event.sequence;
    match payload::<WebhookEvent>(event)? {
        WebhookEvent::WebhookCreated {
            url,
            event_types,
            tenants,
            description,
            enabled,
            ..
        } => {
            let tenant_ids = tenants.tenant_ids().map(<[Uuid]>::to_vec);
            transaction
                .execute_cached(
                    "INSERT INTO webhooks (id, url, event_types, tenant_ids, description,
                                           enabled, version, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                    &[
                        &id,
                        &url.as_str(),
                        &event_types.names(),
                        &tenant_ids,
                        &description.as_ref().map(|d| d.as_str()),
                        &enabled,
                        &version,
                        &at,
                    ],
                )
                .await?;
        }
        WebhookEvent::WebhookUpdated {
            url,
            event_types,
            tenants,
            description,
        } => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET url = coalesce($4, url),
                            event_types = coalesce($5, event_types),
                            tenant_ids = CASE WHEN $6 THEN $7 ELSE tenant_ids END,
                            description = CASE WHEN $8 THEN $9 ELSE description END,
                            version = $2, updated_at = $3
                     WHERE id = $1",
                    &[
                        &id,
                        &version,
                        &at,
                        &url.as_ref().map(|url| url.as_str()),
                        &event_types.as_ref().map(|types| types.names()),
                        &tenants.is_some(),
                        &tenants
                            .as_ref()
                            .and_then(|scope| scope.tenant_ids().map(<[Uuid]>::to_vec)),
                        &description.is_some(),
                        &description
                            .as_ref()
                            .and_then(|d| d.as_ref().map(|d| d.as_str())),
                    ],
                )
                .await?;
        }
        WebhookEvent::WebhookSecretRotated {
            previous_expires_at,
            ..
        } => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET secret_rotated_at = $3,
                            previous_secret_expires_at = $4, version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at, &previous_expires_at],
                )
                .await?;
        }
        WebhookEvent::WebhookEnabled => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET enabled = true, disabled_reason = NULL,
                            disabled_at = NULL, version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
        WebhookEvent::WebhookDisabled { reason, .. } => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET enabled = false, disabled_reason = $4,
                            disabled_at = $3, version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at, &reason.as_str()],
                )
                .await?;
        }
        WebhookEvent::WebhookRedeliveryRequested { .. } => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET version = $2, updated_at = $3 WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
        WebhookEvent::WebhookDeleted => {
            transaction
                .execute_cached(
                    "UPDATE webhooks SET deleted_at = $3, version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
    }
    Ok(())
}
