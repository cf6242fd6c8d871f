//! Cross-aggregate uniqueness (a schedule name per tenant, one run per slot, an Azure tenant
//! registered once), claimed in `unique_claims` inside the append transaction of the event
//! that needs it, so that concurrent commands cannot both win.

use crate::db::CachedStatements;
use cqrs_es::persist::PersistenceError;
use deadpool_postgres::Transaction;

use super::errors::classify;
use crate::domain::uniqueness::ClaimChange;

/// Another aggregate already holds this key. Surfaces through
/// `AggregateError::UnexpectedError` and is recovered by [`super::CommandError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key:?} is already taken in {scope}")]
pub struct ClaimConflict {
    pub scope: String,
    pub key: String,
}

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    change: &ClaimChange,
) -> Result<(), PersistenceError> {
    match change {
        ClaimChange::Claim {
            scope,
            key,
            owner,
            replaces_previous,
        } => {
            if *replaces_previous {
                transaction
                    .execute_cached(
                        "DELETE FROM unique_claims WHERE scope = $1 AND owner_id = $2 AND key <> $3",
                        &[scope, owner, key],
                    )
                    .await
                    .map_err(classify)?;
            }
            // DO NOTHING waits for a concurrent claimer of the same key to finish; the check
            // below then sees its committed row.
            let inserted = transaction
                .execute_cached(
                    "INSERT INTO unique_claims (scope, key, owner_id) VALUES ($1, $2, $3)
                     ON CONFLICT (scope, key) DO NOTHING",
                    &[scope, key, owner],
                )
                .await
                .map_err(classify)?;
            if inserted == 0 {
                let holder: String = transaction
                    .query_one_cached(
                        "SELECT owner_id FROM unique_claims WHERE scope = $1 AND key = $2",
                        &[scope, key],
                    )
                    .await
                    .map_err(classify)?
                    .get(0);
                if &holder != owner {
                    return Err(conflict(scope, key));
                }
            }
        }
        ClaimChange::Require { scope, key } => {
            // KEY SHARE: a concurrent release of the key (a FOR UPDATE lock) waits for
            // this transaction, and this one waits for a release under way, then sees it
            let held = transaction
                .query_opt(
                    "SELECT 1 FROM unique_claims WHERE scope = $1 AND key = $2 FOR KEY SHARE",
                    &[scope, key],
                )
                .await
                .map_err(classify)?;
            if held.is_none() {
                return Err(conflict(scope, key));
            }
        }
        ClaimChange::RequireNone { scope, owner } => {
            let held = transaction
                .query_opt(
                    "SELECT key FROM unique_claims WHERE scope = $1 AND owner_id = $2 LIMIT 1",
                    &[scope, owner],
                )
                .await
                .map_err(classify)?;
            if let Some(row) = held {
                return Err(conflict(scope, &row.get::<_, String>(0)));
            }
        }
        ClaimChange::Release { scope, key } => {
            transaction
                .execute_cached(
                    "DELETE FROM unique_claims WHERE scope = $1 AND key = $2",
                    &[scope, key],
                )
                .await
                .map_err(classify)?;
        }
        ClaimChange::ReleaseAll { scope, owner } => {
            transaction
                .execute_cached(
                    "DELETE FROM unique_claims WHERE scope = $1 AND owner_id = $2",
                    &[scope, owner],
                )
                .await
                .map_err(classify)?;
        }
    }
    Ok(())
}

fn conflict(scope: &str, key: &str) -> PersistenceError {
    PersistenceError::UnknownError(Box::new(ClaimConflict {
        scope: scope.to_owned(),
        key: key.to_owned(),
    }))
}
