//! What the backup-set endpoints answer, and how a set is found: tenant-scoped, and hidden
//! from all but admins once soft-deleted.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::api::state::AppState;
use crate::auth::Principal;
use crate::backup::items::parse_tree;
use crate::backup::TreeItem;
use crate::domain::token::Role;

/// `completed`: everything selected was read; `partial`: some type could not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetStatus {
    Completed,
    Partial,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c6-5f6a-7b7c-8d9e-4f5a6b7c8d9e", "tenant_id": "0192f0c6-0000-7000-8000-000000000001",
    "schedule_id": "0192f0c6-0000-7000-8000-000000000002", "run_id": "0192f0c6-0000-7000-8000-000000000003",
    "name": "Nightly - 2026-11-26 03:30", "status": "completed", "tree_hash": "9f2c…",
    "item_count": 12, "foundation_count": 3,
    "counts": {"settingsCatalog": 10, "deviceConfigurations": 2, "scopeTags": 3},
    "created_at": "2026-11-26T02:30:05Z", "deleted_at": null,
    "completeness": {"settingsCatalog": {"listed": 10, "whole": 10, "error_code": null, "incomplete": []},
        "deviceConfigurations": {"listed": 2, "whole": 2, "error_code": null, "incomplete": []},
        "scopeTags": {"listed": 3, "whole": 3, "error_code": null, "incomplete": []}}
}))]
pub struct BackupSetResponse {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    /// The run that made it.
    pub run_id: Uuid,
    /// `{schedule name} - {Y-m-d H:i}` in the schedule's timezone.
    pub name: String,
    pub status: SetStatus,
    /// The content address of its item list (equal for sets of an unchanged tenant).
    pub tree_hash: String,
    /// Policies (foundations not included).
    pub item_count: i32,
    /// Foundation objects (scope tags, assignment filters, ...).
    pub foundation_count: i32,
    /// Items per policy type (foundations included).
    pub counts: BTreeMap<String, u32>,
    pub created_at: DateTime<Utc>,
    /// When it was soft-deleted (only admins see deleted sets).
    pub deleted_at: Option<DateTime<Utc>>,
    /// Per type (set detail only): how many objects Graph listed, how many were captured
    /// whole, and which were captured incompletely and why, as the set's run recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completeness: Option<BTreeMap<String, super::completeness::TypeCompleteness>>,
}

pub const SET_COLUMNS: &str = "id, tenant_id, schedule_id, run_id, name, status, tree_hash, \
     item_count, foundation_count, counts, created_at, deleted_at";

impl BackupSetResponse {
    pub fn from_row(row: &Row) -> Self {
        let status: String = row.get(5);
        let counts: serde_json::Value = row.get(9);
        Self {
            id: row.get(0),
            tenant_id: row.get(1),
            schedule_id: row.get(2),
            run_id: row.get(3),
            name: row.get(4),
            status: if status == "partial" {
                SetStatus::Partial
            } else {
                SetStatus::Completed
            },
            tree_hash: row.get(6),
            item_count: row.get(7),
            foundation_count: row.get(8),
            counts: serde_json::from_value(counts).unwrap_or_default(),
            created_at: row.get(10),
            deleted_at: row.get(11),
            completeness: None,
        }
    }
}

/// One item of a set (what the tree records; `content` only on the item itself).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5b0d3c1e-8a4f-8e2b-9c7d-1f2e3a4b5c6d", "policy_type": "settingsCatalog",
    "graph_id": "5c1e2b3a-9d8c-4b7a-8e6f-1a2b3c4d5e6f", "display_name": "Windows baseline",
    "content_hash": "9f2c…", "is_foundation": false, "last_modified": "2026-11-20T10:15:00Z"
}))]
pub struct BackupItemResponse {
    /// Stable across sets: derived from `policy_type` and `graph_id` only, so the same
    /// policy has this id in every set.
    pub id: Uuid,
    pub policy_type: String,
    /// The object's id in Microsoft Graph.
    pub graph_id: String,
    pub display_name: String,
    /// SHA-256 of the canonical content (volatile fields removed).
    pub content_hash: String,
    pub is_foundation: bool,
    /// Graph's `lastModifiedDateTime` when it was read.
    pub last_modified: Option<String>,
}

impl From<&TreeItem> for BackupItemResponse {
    fn from(item: &TreeItem) -> Self {
        Self {
            id: item.id(),
            policy_type: item.policy_type.clone(),
            graph_id: item.graph_id.clone(),
            display_name: item.display_name.clone(),
            content_hash: item.content_hash.clone(),
            is_foundation: item.is_foundation,
            last_modified: item.last_modified.clone(),
        }
    }
}

/// An item with its full content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupItemDetail {
    #[serde(flatten)]
    pub item: BackupItemResponse,
    /// The policy's JSON as Graph served it (the stored blob). Secret settings keep Graph's
    /// masked value here; `secrets` says where they are.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The item's secret settings (encrypted custom OMA-URI values): where each is in
    /// `content` and whether its plain value was captured, sealed, with this set. The value
    /// itself is never shown. Empty for items without secret settings.
    pub secrets: Vec<ItemSecret>,
}

/// One secret setting of a backup item.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"path": "/omaSettings/1/value", "captured": true}))]
pub struct ItemSecret {
    /// RFC 6901 pointer of the setting's (masked) value in the item's `content`.
    pub path: String,
    /// Whether the plain value was read from Graph and stored sealed with the set; false
    /// when it could not be read (the run's report names the setting and why).
    pub captured: bool,
}

pub fn is_admin(principal: &Principal) -> bool {
    principal.role == Role::Admin
}

/// The set of that tenant, or 404: also for another tenant's set, and for a soft-deleted
/// set unless the caller is an admin.
pub async fn find_set(
    state: &AppState,
    principal: &Principal,
    tenant_id: Uuid,
    set_id: Uuid,
) -> Result<BackupSetResponse, ApiError> {
    let sql = format!("SELECT {SET_COLUMNS} FROM backup_sets WHERE id = $1 AND tenant_id = $2");
    let set = state
        .pool
        .get()
        .await?
        .query_opt(&sql, &[&set_id, &tenant_id])
        .await?
        .map(|row| BackupSetResponse::from_row(&row))
        .ok_or(ApiError::NotFound("backup set"))?;
    if set.deleted_at.is_some() && !is_admin(principal) {
        return Err(ApiError::NotFound("backup set"));
    }
    Ok(set)
}

/// The set's items, in tree order (policy type, then Graph id).
pub async fn load_items(state: &AppState, tree_hash: &str) -> Result<Vec<TreeItem>, ApiError> {
    let items: serde_json::Value = state
        .pool
        .get()
        .await?
        .query_one(
            "SELECT items FROM backup_trees WHERE hash = $1",
            &[&tree_hash],
        )
        .await?
        .get(0);
    parse_tree(items).map_err(|error| ApiError::Internal(format!("unreadable tree: {error}")))
}

/// The stored content of each hash (missing hashes are left out).
pub async fn load_contents(
    state: &AppState,
    hashes: &[&str],
) -> Result<BTreeMap<String, serde_json::Value>, ApiError> {
    let rows = state
        .pool
        .get()
        .await?
        .query(
            "SELECT hash, content FROM content_blobs WHERE hash = ANY($1)",
            &[&hashes],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}
