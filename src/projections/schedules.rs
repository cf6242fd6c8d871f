//! The `backup_schedules` read model, including the indexed `next_run_at` the dispatcher
//! selects due schedules by.

use crate::db::CachedStatements;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::{payload, unreadable, ConsumerError};
use crate::domain::schedule::ScheduleEvent;
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    let at = event.occurred_at();
    let version = event.sequence;
    match payload::<ScheduleEvent>(event)? {
        ScheduleEvent::ScheduleCreated {
            tenant_id,
            name,
            enabled,
            cadence,
            timezone,
            policy_types,
            include_foundations,
            retention_keep_last,
            next_run_at,
            ..
        } => {
            let cadence =
                serde_json::to_value(&cadence).map_err(|error| unreadable(event, error))?;
            transaction
                .execute_cached(
                    "INSERT INTO backup_schedules (id, tenant_id, name, enabled, cadence,
                         timezone, policy_types, include_foundations, retention_keep_last,
                         next_run_at, version, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                    &[
                        &id,
                        &tenant_id,
                        &name.as_str(),
                        &enabled,
                        &cadence,
                        &timezone.name(),
                        &policy_types.keys(),
                        &include_foundations,
                        &i32::from(retention_keep_last.get()),
                        &next_run_at,
                        &version,
                        &at,
                    ],
                )
                .await?;
        }
        ScheduleEvent::ScheduleUpdated {
            name,
            cadence,
            timezone,
            policy_types,
            include_foundations,
            retention_keep_last,
            next_run_at,
        } => {
            let name = name.as_ref().map(|name| name.as_str());
            let cadence = cadence
                .map(|cadence| serde_json::to_value(&cadence))
                .transpose()
                .map_err(|error| unreadable(event, error))?;
            let timezone = timezone.map(|timezone| timezone.name());
            let policy_types = policy_types.as_ref().map(|selection| selection.keys());
            let retention = retention_keep_last.map(|keep| i32::from(keep.get()));
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET
                         name = coalesce($4, name),
                         cadence = coalesce($5, cadence),
                         timezone = coalesce($6, timezone),
                         policy_types = coalesce($7, policy_types),
                         include_foundations = coalesce($8, include_foundations),
                         retention_keep_last = coalesce($9, retention_keep_last),
                         next_run_at = $10,
                         version = $2, updated_at = $3
                     WHERE id = $1",
                    &[
                        &id,
                        &version,
                        &at,
                        &name,
                        &cadence,
                        &timezone,
                        &policy_types,
                        &include_foundations,
                        &retention,
                        &next_run_at,
                    ],
                )
                .await?;
        }
        ScheduleEvent::ScheduleEnabled { next_run_at } => {
            set_enabled(transaction, id, version, at, true, next_run_at).await?;
        }
        ScheduleEvent::ScheduleDisabled => {
            set_enabled(transaction, id, version, at, false, None).await?;
        }
        // disabled like ScheduleDisabled, and says why
        ScheduleEvent::ScheduleAutoDisabled { .. } => {
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET enabled = false, next_run_at = NULL,
                         disabled_reason = 'consecutive_failures', version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
        ScheduleEvent::SlotClaimed { next_run_at, .. }
        | ScheduleEvent::SlotSkipped { next_run_at, .. }
        | ScheduleEvent::NextRunRecomputed { next_run_at } => {
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET next_run_at = $4, version = $2, updated_at = $3
                     WHERE id = $1",
                    &[&id, &version, &at, &next_run_at],
                )
                .await?;
        }
        ScheduleEvent::RunRecorded {
            status,
            finished_at,
            ..
        } => {
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET last_run_at = $4, last_run_status = $5,
                         version = $2, updated_at = $3 WHERE id = $1",
                    &[&id, &version, &at, &finished_at, &status.as_str()],
                )
                .await?;
        }
        // the sets' deleted_at was written with the event; the schedule only moves on a version
        ScheduleEvent::RetentionApplied { .. } => {
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET version = $2, updated_at = $3 WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
        ScheduleEvent::ScheduleDeleted => {
            transaction
                .execute_cached(
                    "UPDATE backup_schedules SET enabled = false, next_run_at = NULL,
                         deleted_at = $3, version = $2, updated_at = $3 WHERE id = $1",
                    &[&id, &version, &at],
                )
                .await?;
        }
    }
    Ok(())
}

async fn set_enabled(
    transaction: &Transaction<'_>,
    id: Uuid,
    version: i64,
    at: chrono::DateTime<chrono::Utc>,
    enabled: bool,
    next_run_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ConsumerError> {
    transaction
        .execute_cached(
            "UPDATE backup_schedules SET enabled = $4, next_run_at = $5,
                 disabled_reason = NULL, version = $2, updated_at = $3 WHERE id = $1",
            &[&id, &version, &at, &enabled, &next_run_at],
        )
        .await?;
    Ok(())
}
