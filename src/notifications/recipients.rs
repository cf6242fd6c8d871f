//! Delivering a notice: one row per recipient, in one statement.
//!
//! Recipients are the bootstrap admin and every token that is live now and was issued
//! before the event in feed order (`api_tokens.issued_transaction_id, issued_position`):
//! for a tenant's notice, every role whose scope includes the tenant (viewers and auditors too: they can read the run or schedule
//! the notice points at); for a service-wide notice (a webhook), admin tokens only. A
//! replay of the event inserts nothing twice (unique per principal, event and kind).

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::notice::{Audience, Notice};
use crate::api::authentication::BOOTSTRAP_ADMIN;
use crate::db::CachedStatements;
use crate::projections::ConsumerError;
use crate::store::FeedCursor;

/// Inserts the notice for each of its recipients; returns how many rows were new.
pub async fn deliver(
    transaction: &Transaction<'_>,
    notice: &Notice,
    source: FeedCursor,
    occurred_at: DateTime<Utc>,
) -> Result<u64, ConsumerError> {
    let source_position = source.position;
    let (tenant, admins_only): (Option<Uuid>, bool) = match notice.audience {
        Audience::Tenant(tenant_id) => (Some(tenant_id), false),
        Audience::Admins => (None, true),
    };
    let links = serde_json::to_value(&notice.links).map_err(|source| ConsumerError::Payload {
        position: source_position,
        event_type: notice.kind.as_str().to_owned(),
        source,
    })?;
    let inserted = transaction
        .execute_cached(
            "INSERT INTO notifications (id, principal, kind, tenant_id, schedule_id, run_id,
                                        title, message, links, source_position, created_at)
             SELECT gen_random_uuid(), recipient, $1, $2, $3, $4, $5, $6, $7, $8, $9
             FROM (
                 SELECT id::text AS recipient FROM api_tokens
                 WHERE revoked_at IS NULL
                   AND (issued_position IS NULL
                        OR (issued_transaction_id, issued_position) < ($13, $8))
                   AND CASE WHEN $10 THEN role = 'admin'
                            ELSE tenant_ids IS NULL OR $11::uuid = ANY (tenant_ids) END
                 UNION ALL
                 SELECT $12::text
             ) recipients
             ON CONFLICT (principal, source_position, kind) DO NOTHING",
            &[
                &notice.kind.as_str(),
                &notice.tenant_id,
                &notice.schedule_id,
                &notice.run_id,
                &notice.title,
                &notice.message,
                &links,
                &source_position,
                &occurred_at,
                &admins_only,
                &tenant,
                &BOOTSTRAP_ADMIN,
                &source.transaction_id,
            ],
        )
        .await?;
    Ok(inserted)
}
