//! The `tenants` read model.

use crate::db::CachedStatements;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, ConsumerError};
use crate::domain::tenant::TenantEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let at = event.occurred_at();
    let version = event.sequence;
    match payload::<TenantEvent>(event)? {
        TenantEvent::TenantRegistered {
            display_name,
            azure_tenant_id,
            client_id,
            client_secret_id,
            ..
        } => {
            transaction
                .execute_cached(
                    "INSERT INTO tenants (id, display_name, azure_tenant_id, client_id,
                         client_secret_id, status, version, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7)",
                    &[
                        &id,
                        &display_name.as_str(),
                        &azure_tenant_id,
                        &client_id,
                        &client_secret_id,
                        &version,
                        &at,
                    ],
                )
                .await?;
        }
        TenantEvent::TenantRenamed { display_name } => {
            update(
                transaction,
                "display_name = $4",
                id,
                version,
                at,
                &display_name.as_str(),
            )
            .await?;
        }
        TenantEvent::TenantCredentialsChanged {
            client_id,
            client_secret_id,
            ..
        } => {
            transaction
                .execute_cached(
                    "UPDATE tenants SET client_id = $4, client_secret_id = $5,
                         version = $2, updated_at = $3 WHERE id = $1",
                    &[&id, &version, &at, &client_id, &client_secret_id],
                )
                .await?;
        }
        TenantEvent::TenantDeactivated => {
            update(transaction, "status = $4", id, version, at, &"inactive").await?;
        }
        TenantEvent::TenantReactivated => {
            update(transaction, "status = $4", id, version, at, &"active").await?;
        }
        TenantEvent::TenantDeleted => {
            update(
                transaction,
                "status = 'deleted', deleted_at = $4",
                id,
                version,
                at,
                &at,
            )
            .await?;
        }
    }
    Ok(())
}

/// Sets one column (`assignment` uses `$4`) and the row's version and update time.
async fn update(
    transaction: &Transaction<'_>,
    assignment: &str,
    id: Uuid,
    version: i64,
    at: chrono::DateTime<chrono::Utc>,
    value: &(dyn tokio_postgres::types::ToSql + Sync),
) -> Result<(), ConsumerError> {
    let sql =
        format!("UPDATE tenants SET {assignment}, version = $2, updated_at = $3 WHERE id = $1");
    transaction
        .execute_cached(&sql, &[&id, &version, &at, value])
        .await?;
    Ok(())
}
