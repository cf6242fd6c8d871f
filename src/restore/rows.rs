//! The restore read model (`restores`, `restore_items`), written in the transaction that
//! appends the events it comes from: the worker that resumes a restore reads it, so it can
//! never lag behind its events (migration 0015).

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Transaction;
use serde_json::json;
use uuid::Uuid;

use crate::domain::restore::{Restore, RestoreCommand, RestoreError, RestoreEvent};
use crate::store::{execute_in_transaction, CommandError, EventMetadata};

/// Decides `command`, appends its events and updates the rows, all in `transaction`.
pub async fn execute(
    transaction: &Transaction<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
    restore_id: Uuid,
    command: RestoreCommand,
    metadata: &EventMetadata,
) -> Result<Vec<RestoreEvent>, CommandError<RestoreError>> {
    let events = execute_in_transaction::<Restore>(
        transaction,
        upcasters,
        &restore_id.to_string(),
        command,
        &(),
        metadata,
    )
    .await?;
    for event in &events {
        project(transaction, restore_id, event, &metadata.actor)
            .await
            .map_err(|error| CommandError::Internal(Box::new(error)))?;
    }
    if !events.is_empty() {
        transaction
            .execute(
                "UPDATE restores SET version = (SELECT max(sequence) FROM events
                   WHERE aggregate_type = 'restore' AND aggregate_id = $2)
                 WHERE id = $1",
                &[&restore_id, &restore_id.to_string()],
            )
            .await
            .map_err(|error| CommandError::Internal(Box::new(error)))?;
    }
    Ok(events)
}

async fn project(
    transaction: &Transaction<'_>,
    restore_id: Uuid,
    event: &RestoreEvent,
    actor: &str,
) -> Result<(), tokio_postgres::Error> {
    match event {
        RestoreEvent::RestorePlanned {
            tenant_id,
            source_tenant_id,
            source_backup_set_id,
            selection,
            group_mapping,
            group_matches,
            items,
            planned_at,
            ..
        } => {
            let to_write = items.iter().filter(|item| item.action.writes()).count() as i32;
            transaction
                .execute(
                    "INSERT INTO restores (id, tenant_id, source_tenant_id, source_backup_set_id,
                        status, selection, group_mapping, group_matches, planned_at, planned_by,
                        item_count, to_write, version)
                     VALUES ($1, $2, $3, $4, 'planned', $5, $6, $7, $8, $9, $10, $11, 0)",
                    &[
                        &restore_id,
                        tenant_id,
                        source_tenant_id,
                        source_backup_set_id,
                        &json!(selection),
                        &json!(group_mapping),
                        &json!(group_matches),
                        planned_at,
                        &actor,
                        &(items.len() as i32),
                        &to_write,
                    ],
                )
                .await?;
            // one statement for the whole plan: a 2,000-item plan is one round trip
            transaction
                .execute(
                    "INSERT INTO restore_items (restore_id, position, item_id, policy_type,
                        source_graph_id, display_name, action, plan, outcome, target_id)
                     SELECT $1, (e.ordinality - 1)::int, (e.item->>'item_id')::uuid,
                        e.item->>'policy_type', e.item->>'source_graph_id',
                        e.item->>'display_name', e.item->>'action', e.item,
                        CASE WHEN e.item->>'action' IN ('create', 'update') THEN 'pending' END,
                        e.item->>'target_id'
                     FROM jsonb_array_elements($2) WITH ORDINALITY AS e(item, ordinality)",
                    &[&restore_id, &json!(items)],
                )
                .await?;
        }
        RestoreEvent::RestoreApproved {
            approver,
            approved_at,
        } => {
            transaction
                .execute(
                    "UPDATE restores SET approvals = approvals || $2 WHERE id = $1",
                    &[
                        &restore_id,
                        &json!([{"approver": approver, "approved_at": approved_at}]),
                    ],
                )
                .await?;
        }
        RestoreEvent::RestoreApplyRequested {
            applier,
            requested_at,
        } => {
            transaction
                .execute(
                    "UPDATE restores SET status = 'queued', applied_by = $2,
                        apply_requested_at = $3 WHERE id = $1",
                    &[&restore_id, applier, requested_at],
                )
                .await?;
        }
        RestoreEvent::RestoreStarted { started_at, .. } => {
            transaction
                .execute(
                    "UPDATE restores SET status = 'applying',
                        apply_started_at = COALESCE(apply_started_at, $2) WHERE id = $1",
                    &[&restore_id, started_at],
                )
                .await?;
        }
        RestoreEvent::RestoreItemApplied {
            item_id,
            target_id,
            sent,
            adopted,
        } => {
            transaction
                .execute(
                    "UPDATE restore_items SET outcome = 'applied', target_id = $3, sent = $4,
                        adopted = $5 WHERE restore_id = $1 AND item_id = $2",
                    &[&restore_id, item_id, target_id, &json!(sent), adopted],
                )
                .await?;
            transaction
                .execute(
                    "UPDATE restores SET applied = applied + 1 WHERE id = $1",
                    &[&restore_id],
                )
                .await?;
        }
        RestoreEvent::RestoreItemFailed {
            item_id,
            failure,
            target_id,
        } => {
            transaction
                .execute(
                    "UPDATE restore_items SET outcome = 'failed', failure = $3,
                        target_id = COALESCE($4, target_id) WHERE restore_id = $1 AND item_id = $2",
                    &[&restore_id, item_id, &json!(failure), target_id],
                )
                .await?;
            transaction
                .execute(
                    "UPDATE restores SET failed = failed + 1 WHERE id = $1",
                    &[&restore_id],
                )
                .await?;
        }
        RestoreEvent::RestoreAbandoned { .. } => {
            transaction
                .execute(
                    "UPDATE restores SET status = 'queued' WHERE id = $1",
                    &[&restore_id],
                )
                .await?;
        }
        RestoreEvent::RestoreVerified { items, .. } => {
            transaction
                .execute(
                    "UPDATE restore_items r SET verification = v.item
                     FROM jsonb_array_elements($2) AS v(item)
                     WHERE r.restore_id = $1 AND r.item_id = (v.item->>'item_id')::uuid",
                    &[&restore_id, &json!(items)],
                )
                .await?;
            let verified = items.iter().filter(|item| item.verified).count() as i32;
            transaction
                .execute(
                    "UPDATE restores SET verified = $2 WHERE id = $1",
                    &[&restore_id, &verified],
                )
                .await?;
        }
        RestoreEvent::RestoreFinished {
            status,
            error_code,
            error_message,
            finished_at,
            ..
        } => {
            transaction
                .execute(
                    "UPDATE restores SET status = $2, error_code = $3, error_message = $4,
                        finished_at = $5 WHERE id = $1",
                    &[
                        &restore_id,
                        &status.as_str(),
                        error_code,
                        error_message,
                        finished_at,
                    ],
                )
                .await?;
        }
    }
    Ok(())
}
