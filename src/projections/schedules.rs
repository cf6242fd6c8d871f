//! The `backup_schedules` read model, including the indexed `next_run_at` the dispatcher
//! selects due schedules by. What each event changes is decided in `schedule_row.rs`; this
//! writes a batch's changes, folded per row, with one statement for every updated row and
//! one for every new row (a herd's claims move thousands of rows at once).

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use serde_json::Value;
use uuid::Uuid;

use super::consumer::ConsumerError;
use super::row_batch::RowChanges;
use super::schedule_row::{ScheduleRow, ScheduleUpdate, SCHEDULE_ROW_COLUMNS};
use crate::db::CachedStatements;

pub(super) type ScheduleChanges = RowChanges<ScheduleRow, ScheduleUpdate>;

/// `text[]` columns travel as JSON arrays (PostgreSQL has no arrays of arrays of different
/// lengths) and are unpacked in their order.
const TEXT_ARRAY: &str =
    "ARRAY(SELECT t.e FROM jsonb_array_elements_text({}) WITH ORDINALITY AS t(e, i) ORDER BY t.i)";

fn text_array(column: &str) -> String {
    TEXT_ARRAY.replace("{}", column)
}

pub(super) async fn write(
    transaction: &Transaction<'_>,
    changes: ScheduleChanges,
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

async fn insert(transaction: &Transaction<'_>, rows: &[ScheduleRow]) -> Result<(), ConsumerError> {
    let sql = format!(
        "INSERT INTO backup_schedules ({SCHEDULE_ROW_COLUMNS})
         SELECT r.id, r.tenant_id, r.name, r.enabled, r.cadence, r.timezone, {policy_types},
                r.include_foundations, r.retention_keep_last, r.next_run_at, r.last_run_at,
                r.last_run_status, r.version, r.created_at, r.updated_at, r.deleted_at,
                r.disabled_reason
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bool[], $5::jsonb[], $6::text[],
                     $7::jsonb[], $8::bool[], $9::int4[], $10::timestamptz[],
                     $11::timestamptz[], $12::text[], $13::int8[], $14::timestamptz[],
                     $15::timestamptz[], $16::timestamptz[], $17::text[])
              AS r(id, tenant_id, name, enabled, cadence, timezone, policy_types,
                   include_foundations, retention_keep_last, next_run_at, last_run_at,
                   last_run_status, version, created_at, updated_at, deleted_at,
                   disabled_reason)",
        policy_types = text_array("r.policy_types"),
    );
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let tenant_ids: Vec<Uuid> = rows.iter().map(|row| row.tenant_id).collect();
    let names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
    let enabled: Vec<bool> = rows.iter().map(|row| row.enabled).collect();
    let cadences: Vec<&Value> = rows.iter().map(|row| &row.cadence).collect();
    let timezones: Vec<&str> = rows.iter().map(|row| row.timezone.as_str()).collect();
    let policy_types: Vec<Value> = rows
        .iter()
        .map(|row| Value::from(row.policy_types.clone()))
        .collect();
    let foundations: Vec<bool> = rows.iter().map(|row| row.include_foundations).collect();
    let keep_last: Vec<i32> = rows.iter().map(|row| row.retention_keep_last).collect();
    let next_run_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.next_run_at).collect();
    let last_run_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.last_run_at).collect();
    let last_status: Vec<Option<&str>> = rows
        .iter()
        .map(|row| row.last_run_status.as_deref())
        .collect();
    let versions: Vec<i64> = rows.iter().map(|row| row.version).collect();
    let created_at: Vec<DateTime<Utc>> = rows.iter().map(|row| row.created_at).collect();
    let updated_at: Vec<DateTime<Utc>> = rows.iter().map(|row| row.updated_at).collect();
    let deleted_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.deleted_at).collect();
    let reasons: Vec<Option<&str>> = rows
        .iter()
        .map(|row| row.disabled_reason.as_deref())
        .collect();
    transaction
        .execute_cached(
            &sql,
            &[
                &ids,
                &tenant_ids,
                &names,
                &enabled,
                &cadences,
                &timezones,
                &policy_types,
                &foundations,
                &keep_last,
                &next_run_at,
                &last_run_at,
                &last_status,
                &versions,
                &created_at,
                &updated_at,
                &deleted_at,
                &reasons,
            ],
        )
        .await?;
    Ok(())
}

/// One statement for every updated row: a column whose value is NULL here keeps its own
/// (`ScheduleUpdate::apply_to` is the same rule in memory).
async fn update(
    transaction: &Transaction<'_>,
    updates: &[(Uuid, ScheduleUpdate)],
) -> Result<(), ConsumerError> {
    let sql = format!(
        "UPDATE backup_schedules s SET
             name = coalesce(u.name, s.name),
             enabled = coalesce(u.enabled, s.enabled),
             cadence = coalesce(u.cadence, s.cadence),
             timezone = coalesce(u.timezone, s.timezone),
             policy_types = CASE WHEN u.policy_types IS NULL THEN s.policy_types
                                 ELSE {policy_types} END,
             include_foundations = coalesce(u.include_foundations, s.include_foundations),
             retention_keep_last = coalesce(u.retention_keep_last, s.retention_keep_last),
             next_run_at = CASE WHEN u.sets_next_run_at THEN u.next_run_at
                                ELSE s.next_run_at END,
             last_run_at = coalesce(u.last_run_at, s.last_run_at),
             last_run_status = coalesce(u.last_run_status, s.last_run_status),
             deleted_at = coalesce(u.deleted_at, s.deleted_at),
             disabled_reason = CASE WHEN u.sets_disabled_reason THEN u.disabled_reason
                                    ELSE s.disabled_reason END,
             version = u.version, updated_at = u.updated_at
         FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::text[], $5::bool[],
                     $6::jsonb[], $7::text[], $8::jsonb[], $9::bool[], $10::int4[],
                     $11::bool[], $12::timestamptz[], $13::timestamptz[], $14::text[],
                     $15::timestamptz[], $16::bool[], $17::text[])
              AS u(id, version, updated_at, name, enabled, cadence, timezone, policy_types,
                   include_foundations, retention_keep_last, sets_next_run_at, next_run_at,
                   last_run_at, last_run_status, deleted_at, sets_disabled_reason,
                   disabled_reason)
         WHERE s.id = u.id",
        policy_types = text_array("u.policy_types"),
    );
    let ids: Vec<Uuid> = updates.iter().map(|(id, _)| *id).collect();
    let versions: Vec<i64> = updates.iter().map(|(_, update)| update.version).collect();
    let updated_at: Vec<DateTime<Utc>> = updates
        .iter()
        .map(|(_, update)| update.updated_at)
        .collect();
    let names: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.name.as_deref())
        .collect();
    let enabled: Vec<Option<bool>> = updates.iter().map(|(_, update)| update.enabled).collect();
    let cadences: Vec<Option<&Value>> = updates
        .iter()
        .map(|(_, update)| update.cadence.as_ref())
        .collect();
    let timezones: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.timezone.as_deref())
        .collect();
    let policy_types: Vec<Option<Value>> = updates
        .iter()
        .map(|(_, update)| update.policy_types.clone().map(Value::from))
        .collect();
    let foundations: Vec<Option<bool>> = updates
        .iter()
        .map(|(_, update)| update.include_foundations)
        .collect();
    let keep_last: Vec<Option<i32>> = updates
        .iter()
        .map(|(_, update)| update.retention_keep_last)
        .collect();
    let sets_next_run_at: Vec<bool> = updates
        .iter()
        .map(|(_, update)| update.next_run_at.is_some())
        .collect();
    let next_run_at: Vec<Option<DateTime<Utc>>> = updates
        .iter()
        .map(|(_, update)| update.next_run_at.flatten())
        .collect();
    let last_run_at: Vec<Option<DateTime<Utc>>> = updates
        .iter()
        .map(|(_, update)| {
            update
                .last_run
                .as_ref()
                .map(|(finished_at, _)| *finished_at)
        })
        .collect();
    let last_status: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.last_run.as_ref().map(|(_, status)| status.as_str()))
        .collect();
    let deleted_at: Vec<Option<DateTime<Utc>>> = updates
        .iter()
        .map(|(_, update)| update.deleted_at)
        .collect();
    let sets_reason: Vec<bool> = updates
        .iter()
        .map(|(_, update)| update.disabled_reason.is_some())
        .collect();
    let reasons: Vec<Option<&str>> = updates
        .iter()
        .map(|(_, update)| update.disabled_reason.as_ref().and_then(Option::as_deref))
        .collect();
    transaction
        .execute_cached(
            &sql,
            &[
                &ids,
                &versions,
                &updated_at,
                &names,
                &enabled,
                &cadences,
                &timezones,
                &policy_types,
                &foundations,
                &keep_last,
                &sets_next_run_at,
                &next_run_at,
                &last_run_at,
                &last_status,
                &deleted_at,
                &sets_reason,
                &reasons,
            ],
        )
        .await?;
    Ok(())
}
