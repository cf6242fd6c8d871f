//! The `tenants` read model. What each event changes is decided in `tenant_row.rs`; this
//! writes that change to the table.

use crate::db::CachedStatements;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::ConsumerError;
use super::tenant_row::{tenant_change, TenantChange, TenantRow, TenantUpdate, TENANT_ROW_COLUMNS};
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    match tenant_change(event, id)? {
        TenantChange::Insert(row) => insert(transaction, &row).await,
        TenantChange::Update(update) => write_update(transaction, id, &update).await,
    }
}

async fn insert(transaction: &Transaction<'_>, row: &TenantRow) -> Result<(), ConsumerError> {
    let sql = format!(
        "INSERT INTO tenants ({TENANT_ROW_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    transaction
        .execute_cached(
            &sql,
            &[
                &row.id,
                &row.display_name,
                &row.azure_tenant_id,
                &row.client_id,
                &row.client_secret_id,
                &row.status,
                &row.version,
                &row.created_at,
                &row.updated_at,
                &row.deleted_at,
            ],
        )
        .await?;
    Ok(())
}

/// One statement for every update: a column whose value is NULL here keeps its own
/// (`TenantUpdate::apply_to` is the same rule in memory).
async fn write_update(
    transaction: &Transaction<'_>,
    id: Uuid,
    update: &TenantUpdate,
) -> Result<(), ConsumerError> {
    let (client_id, client_secret_id) = match update.credentials {
        Some((client_id, secret_id)) => (Some(client_id), secret_id),
        None => (None, None),
    };
    transaction
        .execute_cached(
            "UPDATE tenants SET
                 display_name = coalesce($4, display_name),
                 client_id = coalesce($5, client_id),
                 client_secret_id = CASE WHEN $6 THEN $7 ELSE client_secret_id END,
                 status = coalesce($8, status),
                 deleted_at = coalesce($9, deleted_at),
                 version = $2, updated_at = $3
             WHERE id = $1",
            &[
                &id,
                &update.version,
                &update.updated_at,
                &update.display_name,
                &client_id,
                &update.credentials.is_some(),
                &client_secret_id,
                &update.status,
                &update.deleted_at,
            ],
        )
        .await?;
    Ok(())
}
