//! The `backup_schedules` read model, including the indexed `next_run_at` the dispatcher
//! selects due schedules by. What each event changes is decided in `schedule_row.rs`; this
//! writes that change to the table.

use crate::db::CachedStatements;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::consumer::ConsumerError;
use super::schedule_row::{
    schedule_change, ScheduleChange, ScheduleRow, ScheduleUpdate, SCHEDULE_ROW_COLUMNS,
};
use crate::store::StoredEvent;

pub(super) async fn apply(
    transaction: &Transaction<'_>,
    event: &StoredEvent,
    id: Uuid,
) -> Result<(), ConsumerError> {
    match schedule_change(event, id)? {
        ScheduleChange::Insert(row) => insert(transaction, &row).await,
        ScheduleChange::Update(update) => write_update(transaction, id, &update).await,
    }
}

async fn insert(transaction: &Transaction<'_>, row: &ScheduleRow) -> Result<(), ConsumerError> {
    let sql = format!(
        "INSERT INTO backup_schedules ({SCHEDULE_ROW_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    transaction
        .execute_cached(
            &sql,
            &[
                &row.id,
                &row.tenant_id,
                &row.name,
                &row.enabled,
                &row.cadence,
                &row.timezone,
                &row.policy_types,
                &row.include_foundations,
                &row.retention_keep_last,
                &row.next_run_at,
                &row.last_run_at,
                &row.last_run_status,
                &row.version,
                &row.created_at,
                &row.updated_at,
                &row.deleted_at,
                &row.disabled_reason,
            ],
        )
        .await?;
    Ok(())
}

/// One statement for every update: a column whose value is NULL here keeps its own
/// (`ScheduleUpdate::apply_to` is the same rule in memory).
async fn write_update(
    transaction: &Transaction<'_>,
    id: Uuid,
    update: &ScheduleUpdate,
) -> Result<(), ConsumerError> {
    let (last_run_at, last_run_status) = match &update.last_run {
        Some((finished_at, status)) => (Some(*finished_at), Some(status.as_str())),
        None => (None, None),
    };
    transaction
        .execute_cached(
            "UPDATE backup_schedules SET
                 name = coalesce($4, name),
                 enabled = coalesce($5, enabled),
                 cadence = coalesce($6, cadence),
                 timezone = coalesce($7, timezone),
                 policy_types = coalesce($8, policy_types),
                 include_foundations = coalesce($9, include_foundations),
                 retention_keep_last = coalesce($10, retention_keep_last),
                 next_run_at = CASE WHEN $11 THEN $12 ELSE next_run_at END,
                 last_run_at = coalesce($13, last_run_at),
                 last_run_status = coalesce($14, last_run_status),
                 deleted_at = coalesce($15, deleted_at),
                 disabled_reason = CASE WHEN $16 THEN $17 ELSE disabled_reason END,
                 version = $2, updated_at = $3
             WHERE id = $1",
            &[
                &id,
                &update.version,
                &update.updated_at,
                &update.name,
                &update.enabled,
                &update.cadence,
                &update.timezone,
                &update.policy_types,
                &update.include_foundations,
                &update.retention_keep_last,
                &update.next_run_at.is_some(),
                &update.next_run_at.flatten(),
                &last_run_at,
                &last_run_status,
                &update.deleted_at,
                &update.disabled_reason.is_some(),
                &update.disabled_reason.clone().flatten(),
            ],
        )
        .await?;
    Ok(())
}
