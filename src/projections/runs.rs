//! The `backup_runs` read model. What each event changes is decided in `run_row.rs`; this
//! writes a batch's changes, folded per row, with one statement for every updated row and
//! one for every new row (a herd queues thousands of runs at once).

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use serde_json::Value;
use uuid::Uuid;

use super::consumer::ConsumerError;
use super::row_batch::RowChanges;
use super::run_row::{RunRow, RunUpdate, RUN_ROW_COLUMNS};
use crate::db::CachedStatements;

pub(super) type RunChanges = RowChanges<RunRow, RunUpdate>;

pub(super) async fn write(
    transaction: &Transaction<'_>,
    changes: RunChanges,
) -> Result<(), ConsumerError> {
    let (updates, inserts) = changes.into_writes();
    if !updates.is_empty() {
        update(transaction, &updates).await?;
    }
    if !inserts.is_empty() {
        insert(transaction, &inserts).await?;
    }
    Ok(())
}

async fn insert(transaction: &Transaction<'_>, rows: &[RunRow]) -> Result<(), ConsumerError> {
    let sql = format!(
        "INSERT INTO backup_runs ({RUN_ROW_COLUMNS})
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[],
                              $5::timestamptz[], $6::text[], $7::uuid[], $8::timestamptz[],
                              $9::int8[], $10::text[], $11::timestamptz[], $12::jsonb[],
                              $13::uuid[], $14::text[], $15::text[], $16::timestamptz[])"
    );
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let schedule_ids: Vec<Uuid> = rows.iter().map(|row| row.schedule_id).collect();
    let tenant_ids: Vec<Uuid> = rows.iter().map(|row| row.tenant_id).collect();
    let triggers: Vec<&str> = rows.iter().map(|row| row.trigger.as_str()).collect();
    let scheduled_for: Vec<DateTime<Utc>> = rows.iter().map(|row| row.scheduled_for).collect();
    let statuses: Vec<&str> = rows.iter().map(|row| row.status.as_str()).collect();
    let retry_of: Vec<Option<Uuid>> = rows.iter().map(|row| row.retry_of).collect();
    let queued_at: Vec<DateTime<Utc>> = rows.iter().map(|row| row.queued_at).collect();
    let versions: Vec<i64> = rows.iter().map(|row| row.version).collect();
    let workers: Vec<Option<&str>> = rows.iter().map(|row| row.worker.as_deref()).collect();
    let started_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.started_at).collect();
    let reports: Vec<Option<&Value>> = rows.iter().map(|row| row.sync_report.as_ref()).collect();
    let sets: Vec<Option<Uuid>> = rows.iter().map(|row| row.backup_set_id).collect();
    let codes: Vec<Option<&str>> = rows.iter().map(|row| row.error_code.as_deref()).collect();
    let messages: Vec<Option<&str>> = rows
        .iter()
        .map(|row| row.error_message.as_deref())
        .collect();
    let finished_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.finished_at).collect();
    transaction
        .execute_cached(
            &sql,
            &[
                &ids,
                &schedule_ids,
                &tenant_ids,
                &triggers,
                &scheduled_for,
                &statuses,
                &retry_of,
                &queued_at,
                &versions,
                &workers,
                &started_at,
                &reports,
                &sets,
                &codes,
                &messages,
                &finished_at,
            ],
        )
        .await?;
    Ok(())
}

/// One statement for every updated row: a column whose value is NULL here keeps its own
/// (`RunUpdate::apply_to` is the same rule in memory).
async fn update(
    transaction: &Transaction<'_>,
    updates: &[(Uuid, RunUpdate)],
) -> Result<(), ConsumerError> {
    let ids: Vec<Uuid> = updates.iter().map(|(id, _)| *id).collect();
    let versions: Vec<i64> = updates.iter().map(|(_, update)| update.version).collect();
    let statuses: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.status.as_deref())
        .collect();
    let sets_worker: Vec<bool> = updates
        .iter()
        .map(|(_, update)| update.worker.is_some())
        .collect();
    let workers: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.worker.as_ref().and_then(Option::as_deref))
        .collect();
    let started_at: Vec<Option<DateTime<Utc>>> = updates
        .iter()
        .map(|(_, update)| update.started_at)
        .collect();
    let reports: Vec<Option<&Value>> = updates
        .iter()
        .map(|(_, update)| update.sync_report.as_ref())
        .collect();
    let sets: Vec<Option<Uuid>> = updates
        .iter()
        .map(|(_, update)| update.backup_set_id)
        .collect();
    let sets_error: Vec<bool> = updates
        .iter()
        .map(|(_, update)| update.error.is_some())
        .collect();
    let codes: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.error.as_ref().and_then(|(code, _)| code.as_deref()))
        .collect();
    let messages: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| {
            update
                .error
                .as_ref()
                .and_then(|(_, message)| message.as_deref())
        })
        .collect();
    let finished_at: Vec<Option<DateTime<Utc>>> = updates
        .iter()
        .map(|(_, update)| update.finished_at)
        .collect();
    transaction
        .execute_cached(
            "UPDATE backup_runs r SET
                 status = coalesce(u.status, r.status),
                 worker = CASE WHEN u.sets_worker THEN u.worker ELSE r.worker END,
                 started_at = coalesce(u.started_at, r.started_at),
                 sync_report = coalesce(u.sync_report, r.sync_report),
                 backup_set_id = coalesce(u.backup_set_id, r.backup_set_id),
                 error_code = CASE WHEN u.sets_error THEN u.error_code ELSE r.error_code END,
                 error_message = CASE WHEN u.sets_error THEN u.error_message
                                      ELSE r.error_message END,
                 finished_at = coalesce(u.finished_at, r.finished_at),
                 version = u.version
             FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::bool[], $5::text[],
                         $6::timestamptz[], $7::jsonb[], $8::uuid[], $9::bool[], $10::text[],
                         $11::text[], $12::timestamptz[])
                  AS u(id, version, status, sets_worker, worker, started_at, sync_report,
                       backup_set_id, sets_error, error_code, error_message, finished_at)
             WHERE r.id = u.id",
            &[
                &ids,
                &versions,
                &statuses,
                &sets_worker,
                &workers,
                &started_at,
                &reports,
                &sets,
                &sets_error,
                &codes,
                &messages,
                &finished_at,
            ],
        )
        .await?;
    Ok(())
}
