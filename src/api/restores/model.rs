//! The restore resource: its plan (items with actions), its progress and its verification.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::backup_sets::ContentChange;
use crate::domain::restore::ItemAction;

/// Plan a restore (a dry run: nothing is written to Graph).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "source_backup_set_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "selection": {"types": ["settingsCatalog"]}
}))]
pub struct PlanRestoreRequest {
    /// The backup set to restore from: of this tenant, or of another tenant the caller may
    /// read (a baseline or a migration).
    pub source_backup_set_id: Uuid,
    /// What to restore; left out: the whole set.
    #[serde(default)]
    pub selection: Option<SelectionRequest>,
    /// Across tenants: source group id → target group id. Assignments to a group not in
    /// the mapping are listed in the plan and never sent. Not allowed within one tenant.
    #[serde(default)]
    pub group_mapping: Option<BTreeMap<String, String>>,
    /// Across tenants: map every source group that `group_mapping` leaves out (assigned,
    /// named by a Conditional Access condition or an Intune role assignment) to the one target group with its
    /// display name (read with `GET /groups` in both tenants, which needs `Group.Read.All`
    /// there). No group of that name, or several, and its assignments stay unsent (a
    /// Conditional Access policy naming it is not restorable); `group_matches` says which
    /// and why.
    #[serde(default)]
    pub match_groups_by_name: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectionRequest {
    /// Policy types (catalog keys) of the set to restore whole.
    #[serde(default)]
    pub types: Vec<String>,
    /// Items of the set (ids from `GET .../backup-sets/{id}/items`).
    #[serde(default)]
    pub item_ids: Vec<Uuid>,
}

/// A restore: what its plan decided, how far its apply got, how the target compared after.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e70", "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e71",
    "source_tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e71",
    "source_backup_set_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f", "status": "completed",
    "selection": {"types": ["settingsCatalog"], "item_ids": []}, "group_mapping": {}, "group_matches": [],
    "planned_at": "2026-12-07T09:00:00Z", "planned_by": "tok_1", "approvals": [],
    "applied_by": "tok_1", "apply_requested_at": "2026-12-07T09:01:00Z",
    "apply_started_at": "2026-12-07T09:01:01Z", "finished_at": "2026-12-07T09:01:09Z",
    "error_code": null, "error_message": null,
    "counts": {"items": 3, "to_write": 1, "applied": 1, "failed": 0, "verified": 1,
               "actions": {"create": 1, "update": 0, "unchanged": 2, "conflict": 0, "not_restorable": 0}},
    "version": 6
}))]
pub struct RestoreResponse {
    pub id: Uuid,
    /// The tenant written into.
    pub tenant_id: Uuid,
    pub source_tenant_id: Uuid,
    pub source_backup_set_id: Uuid,
    /// `planned`, `queued`, `applying`, `completed`, `partial` or `failed`.
    pub status: String,
    #[schema(value_type = Object)]
    pub selection: Value,
    /// Source group id → target group id: given, and matched by name.
    #[schema(value_type = Object)]
    pub group_mapping: Value,
    /// With `match_groups_by_name`: each source group looked up, matched or not.
    #[schema(value_type = Vec<GroupMatchResponse>)]
    pub group_matches: Value,
    pub planned_at: DateTime<Utc>,
    /// The token that planned it.
    pub planned_by: String,
    /// Approvals by other admins.
    #[schema(value_type = Vec<RestoreApproval>)]
    pub approvals: Value,
    pub applied_by: Option<String>,
    pub apply_requested_at: Option<DateTime<Utc>>,
    pub apply_started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it is not `completed`: `restore_items_failed`, `restore_not_verified`, a tenant
    /// or Graph code.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub counts: RestoreCounts,
    /// The ETag's version.
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreCounts {
    pub items: i32,
    /// Items to create or update.
    pub to_write: i32,
    pub applied: i32,
    pub failed: i32,
    /// Written items that compared equal to their source when read back (null until verified).
    pub verified: Option<i32>,
    /// The plan's items by action.
    pub actions: ActionCounts,
}

/// How many of a plan's items have each action.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActionCounts {
    pub create: i64,
    pub update: i64,
    pub unchanged: i64,
    pub conflict: i64,
    pub not_restorable: i64,
}

/// One item of a restore.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreItemResponse {
    /// The item's id in the source set.
    pub item_id: Uuid,
    pub policy_type: String,
    pub source_graph_id: String,
    pub display_name: String,
    /// `create`, `update`, `unchanged`, `conflict` or `not_restorable`.
    pub action: String,
    /// Why (conflict, not restorable).
    pub reason: Option<String>,
    /// The live object matched or written.
    pub target_id: Option<String>,
    /// For an update: RFC 6901 changes from the live object (`old`) to the source (`new`).
    #[schema(value_type = Vec<ContentChange>)]
    pub changes: Value,
    /// Assignments not sent: their group is not mapped.
    #[schema(value_type = Vec<UnmappedAssignmentResponse>)]
    pub unmapped_assignments: Value,
    /// `pending`, `applied` or `failed`; null for items nothing is written for.
    pub outcome: Option<String>,
    /// Found after a lost worker rather than created again.
    pub adopted: bool,
    /// The Graph requests sent (method, path, body; secret values `[sealed]`).
    #[schema(value_type = Option<Vec<Object>>)]
    pub sent: Option<Value>,
    /// Graph's refusal.
    #[schema(value_type = Option<RestoreItemFailure>)]
    pub failure: Option<Value>,
    /// After the apply: whether the target, read back, equals the source.
    #[schema(value_type = Option<RestoreItemVerification>)]
    pub verification: Option<Value>,
}

pub const RESTORE_COLUMNS: &str = "id, tenant_id, source_tenant_id, source_backup_set_id, status,
    selection, group_mapping, planned_at, planned_by, approvals, applied_by, apply_requested_at,
    apply_started_at, finished_at, error_code, error_message, item_count, to_write, applied,
    failed, verified, version, group_matches,
    (SELECT coalesce(jsonb_object_agg(action, n), '{}') FROM (
        SELECT action, count(*) AS n FROM restore_items WHERE restore_id = restores.id
        GROUP BY action) AS by_action)";

impl RestoreResponse {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get(0),
            tenant_id: row.get(1),
            source_tenant_id: row.get(2),
            source_backup_set_id: row.get(3),
            status: row.get(4),
            selection: row.get(5),
            group_mapping: row.get(6),
            planned_at: row.get(7),
            planned_by: row.get(8),
            approvals: row.get(9),
            applied_by: row.get(10),
            apply_requested_at: row.get(11),
            apply_started_at: row.get(12),
            finished_at: row.get(13),
            error_code: row.get(14),
            error_message: row.get(15),
            counts: RestoreCounts {
                items: row.get(16),
                to_write: row.get(17),
                applied: row.get(18),
                failed: row.get(19),
                verified: row.get(20),
                actions: serde_json::from_value(row.get(23)).unwrap_or_default(),
            },
            version: row.get(21),
            group_matches: row.get(22),
        }
    }
}

pub const ITEM_COLUMNS: &str = "plan, outcome, target_id, adopted, sent, failure, verification";

impl RestoreItemResponse {
    pub fn from_row(row: &Row) -> Self {
        let plan: Value = row.get(0);
        let text = |key: &str| plan.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            item_id: plan
                .get("item_id")
                .and_then(Value::as_str)
                .and_then(|id| id.parse().ok())
                .unwrap_or_default(),
            policy_type: text("policy_type").unwrap_or_default(),
            source_graph_id: text("source_graph_id").unwrap_or_default(),
            display_name: text("display_name").unwrap_or_default(),
            action: text("action").unwrap_or_default(),
            reason: text("reason"),
            target_id: row
                .get::<_, Option<String>>(2)
                .or_else(|| text("target_id")),
            changes: plan.get("changes").cloned().unwrap_or_else(|| json!([])),
            unmapped_assignments: plan
                .get("unmapped_assignments")
                .cloned()
                .unwrap_or_else(|| json!([])),
            outcome: row.get(1),
            adopted: row.get(3),
            sent: row.get(4),
            failure: row.get(5),
            verification: row.get(6),
        }
    }
}

// The shapes of the JSON columns above, for the document only: the restore engine writes
// them (src/restore/rows.rs) and the API passes them through, so these are never built.

/// An admin's approval of a planned restore.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct RestoreApproval {
    /// The approving token's id.
    pub approver: String,
    pub approved_at: DateTime<Utc>,
}

/// An assignment of the source left out of the restore: its group is not mapped.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UnmappedAssignmentResponse {
    /// The source tenant's group id.
    pub group_id: String,
    /// The assignment target's `@odata.type` (an include or an exclusion).
    pub target_type: String,
}

/// A source group looked up by display name in the target.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct GroupMatchResponse {
    /// The source tenant's group id.
    pub source_group_id: String,
    /// Its display name in the source tenant; absent when the source no longer has it.
    pub display_name: Option<String>,
    /// The one target group with that name; absent when there is none or several.
    pub target_group_id: Option<String>,
    /// Why no target group was taken.
    pub reason: Option<String>,
}

/// Graph's refusal of one item's write.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct RestoreItemFailure {
    pub code: String,
    pub message: String,
    pub http_status: Option<u16>,
    /// What Microsoft's support asks for (request-id, client-request-id, date).
    pub support: Option<String>,
}

/// How one written item compared with its source when the target was read back.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct RestoreItemVerification {
    pub item_id: Uuid,
    pub verified: bool,
    /// What still differs (server-computed fields aside): `old` is the target as read
    /// back, `new` the source; absent when nothing does.
    #[schema(value_type = Option<Vec<ContentChange>>)]
    pub differences: Vec<ContentChange>,
    /// Why it could not be compared.
    pub reason: Option<String>,
}

/// Filters and pages of a restore's items.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RestoreItemQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (an item id).
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Only items with this planned action.
    #[param(inline, value_type = Option<ItemActionKey>)]
    pub action: Option<ItemAction>,
    /// Only items with this outcome of the apply.
    #[param(inline)]
    pub outcome: Option<ItemOutcomeFilter>,
}

/// A plan's action for an item (the document's name for `ItemAction`, which reads it).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ItemActionKey {
    Create,
    Update,
    Unchanged,
    Conflict,
    NotRestorable,
}

/// How the apply went for an item it writes.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcomeFilter {
    Pending,
    Applied,
    Failed,
}

impl ItemOutcomeFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Failed => "failed",
        }
    }
}
