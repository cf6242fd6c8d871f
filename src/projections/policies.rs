//! `policies.ignored`: the one column of the inventory decided by events. The inventory rows
//! themselves are bulk data written by runs.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, ConsumerError};
use crate::db::CachedStatements;
use crate::domain::policy::PolicyEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let ignored = match payload::<PolicyEvent>(event)? {
        PolicyEvent::PolicyIgnored { .. } => true,
        PolicyEvent::PolicyUnignored { .. } => false,
    };
    transaction
        .execute_cached(
            "UPDATE policies SET ignored = $2 WHERE id = $1",
            &[&id, &ignored],
        )
        .await?;
    Ok(())
}
