//! Backup sets: immutable snapshots of a tenant's selected policies. A set points at a
//! tree (its item list, content-addressed), and the tree's items at content blobs, so 30
//! runs of an unchanged tenant store 30 small set rows and nothing else.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use deadpool_postgres::Transaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::canonical::{canonical_text, hash_text};
use crate::db::CachedStatements;
use crate::domain::run::{BackupSetStatus, BackupSummary};

/// One item of a set: a policy (or foundation object) and the address of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeItem {
    pub policy_type: String,
    pub graph_id: String,
    pub display_name: String,
    pub content_hash: String,
    pub is_foundation: bool,
    /// Graph's lastModifiedDateTime when it was read (metadata, not content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// What a run backs up: the inventory's live, not ignored policies of `types`.
pub async fn select_items(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    types: &[&str],
) -> Result<Vec<TreeItem>, tokio_postgres::Error> {
    let rows = transaction
        .query_cached(
            "SELECT policy_type, graph_id, display_name, content_hash, is_foundation,
                    last_modified
             FROM policies
             WHERE tenant_id = $1 AND policy_type = ANY($2) AND NOT ignored
               AND deleted_upstream_at IS NULL
             ORDER BY policy_type, graph_id",
            &[&tenant_id, &types],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| TreeItem {
            policy_type: row.get(0),
            graph_id: row.get(1),
            display_name: row.get(2),
            content_hash: row.get(3),
            is_foundation: row.get(4),
            last_modified: row.get(5),
        })
        .collect())
}

/// Stores the item list once per distinct list; returns its address.
pub async fn store_tree(
    transaction: &Transaction<'_>,
    items: &[TreeItem],
) -> Result<String, tokio_postgres::Error> {
    let json = serde_json::to_value(items).unwrap_or(serde_json::Value::Null);
    let hash = hash_text(&canonical_text(&json));
    transaction
        .execute_cached(
            "INSERT INTO backup_trees (hash, items) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
            &[&hash, &json],
        )
        .await?;
    Ok(hash)
}

/// `{schedule_name} - {Y-m-d H:i}` in the schedule's timezone.
pub fn set_name(schedule_name: &str, timezone: Tz, at: DateTime<Utc>) -> String {
    format!(
        "{schedule_name} - {}",
        at.with_timezone(&timezone).format("%Y-%m-%d %H:%M")
    )
}

/// Where a set comes from.
pub struct SetOrigin {
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    pub run_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Writes the tree and the set row; returns what `BackupCreated` records.
pub async fn create_set(
    transaction: &Transaction<'_>,
    origin: &SetOrigin,
    items: &[TreeItem],
    status: BackupSetStatus,
) -> Result<BackupSummary, tokio_postgres::Error> {
    // the purge must not collect a tree (or its blobs) this set is about to point at
    super::storage_lock::share_storage(transaction).await?;
    let tree_hash = store_tree(transaction, items).await?;
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.policy_type.clone()).or_insert(0u32) += 1;
    }
    let foundation_count = items.iter().filter(|item| item.is_foundation).count() as u32;
    let summary = BackupSummary {
        backup_set_id: Uuid::now_v7(),
        name: origin.name.clone(),
        status,
        item_count: items.len() as u32 - foundation_count,
        foundation_count,
        counts,
        tree_hash,
    };
    let counts = serde_json::to_value(&summary.counts).unwrap_or(serde_json::Value::Null);
    transaction
        .execute_cached(
            "INSERT INTO backup_sets (id, tenant_id, schedule_id, run_id, name, status,
                                      tree_hash, item_count, foundation_count, counts,
                                      created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &summary.backup_set_id,
                &origin.tenant_id,
                &origin.schedule_id,
                &origin.run_id,
                &summary.name,
                &summary.status.as_str(),
                &summary.tree_hash,
                &(summary.item_count as i32),
                &(summary.foundation_count as i32),
                &counts,
                &origin.created_at,
            ],
        )
        .await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_named_in_the_schedules_timezone() {
        let at = DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            set_name("Nightly", chrono_tz::Europe::Berlin, at),
            "Nightly - 2026-03-29 03:30"
        );
    }
}
