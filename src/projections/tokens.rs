//! The `api_tokens` read model.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, ConsumerError};
use crate::db::CachedStatements;
use crate::domain::token::TokenEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let at = event.occurred_at();
    let version = event.sequence;
    match payload::<TokenEvent>(event)? {
        TokenEvent::TokenIssued { name, grant, .. } => {
            let tenant_ids = grant.scope().tenant_ids().map(<[Uuid]>::to_vec);
            transaction
                .execute_cached(
                    "INSERT INTO api_tokens (id, name, role, tenant_ids, version, created_at,
                                             issued_transaction_id, issued_position)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &id,
                        &name.as_str(),
                        &grant.role().as_str(),
                        &tenant_ids,
                        &version,
                        &at,
                        // which events it is notified of (`notifications/recipients.rs`)
                        &event.transaction_id,
                        &event.position,
                    ],
                )
                .await?;
        }
        TokenEvent::TokenRevoked => {
            transaction
                .execute_cached(
                    "UPDATE api_tokens SET revoked_at = $3, version = $2 WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
    }
    Ok(())
}
