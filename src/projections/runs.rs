//! The `backup_runs` read model.

use crate::db::CachedStatements;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, unreadable, ConsumerError};
use crate::domain::run::RunEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let at = event.occurred_at();
    let version = event.sequence;
    match payload::<RunEvent>(event)? {
        RunEvent::RunQueued {
            schedule_id,
            tenant_id,
            trigger,
            scheduled_for,
            retry_of,
            ..
        } => {
            transaction
                .execute_cached(
                    "INSERT INTO backup_runs (id, schedule_id, tenant_id, trigger, scheduled_for,
                         status, retry_of, queued_at, version)
                     VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8)",
                    &[
                        &id,
                        &schedule_id,
                        &tenant_id,
                        &trigger.as_str(),
                        &scheduled_for,
                        &retry_of,
                        &at,
                        &version,
                    ],
                )
                .await?;
        }
        RunEvent::RunStarted { worker, started_at } => {
            transaction
                .execute_cached(
                    "UPDATE backup_runs SET status = 'running', worker = $3, started_at = $4,
                         version = $2 WHERE id = $1",
                    &[&id, &version, &worker, &started_at],
                )
                .await?;
        }
        RunEvent::SyncCompleted { report } => {
            let report = serde_json::to_value(&report).map_err(|error| unreadable(event, error))?;
            transaction
                .execute_cached(
                    "UPDATE backup_runs SET sync_report = $3, version = $2 WHERE id = $1",
                    &[&id, &version, &report],
                )
                .await?;
        }
        RunEvent::BackupCreated { backup } => {
            transaction
                .execute_cached(
                    "UPDATE backup_runs SET backup_set_id = $3, version = $2 WHERE id = $1",
                    &[&id, &version, &backup.backup_set_id],
                )
                .await?;
        }
        RunEvent::RunAbandoned { requeued, .. } => {
            // requeued: waiting for another worker again; otherwise RunFinished follows
            let status = if requeued { "queued" } else { "running" };
            transaction
                .execute_cached(
                    "UPDATE backup_runs SET status = $3, worker = NULL, version = $2
                     WHERE id = $1",
                    &[&id, &version, &status],
                )
                .await?;
        }
        RunEvent::RunFinished {
            status,
            error_code,
            error_message,
            finished_at,
        } => {
            transaction
                .execute_cached(
                    "UPDATE backup_runs SET status = $3, error_code = $4, error_message = $5,
                         finished_at = $6, version = $2 WHERE id = $1",
                    &[
                        &id,
                        &version,
                        &status.as_str(),
                        &error_code,
                        &error_message,
                        &finished_at,
                    ],
                )
                .await?;
        }
    }
    Ok(())
}
