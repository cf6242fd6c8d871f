use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::backup::diff::Change;

/// Where a restore is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreStatus {
    /// Planned (a dry run): nothing written to Graph; waiting to be applied.
    Planned,
    /// Applied by an admin; waiting for a worker.
    Queued,
    /// A worker is writing its items.
    Applying,
    /// Every item to write was written and verified as the source.
    Completed,
    /// Some items were written, some failed or differ after writing.
    Partial,
    /// Nothing could be written.
    Failed,
}

impl RestoreStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Queued => "queued",
            Self::Applying => "applying",
            Self::Completed => "completed",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Partial | Self::Failed)
    }
}

/// What the plan decided for one item of the source set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// No live object matches: it is created.
    Create,
    /// A live object matches and differs: it is changed to the source.
    Update,
    /// A live object matches and is the same: nothing is written.
    Unchanged,
    /// It cannot be matched safely (several live objects of that type and name): skipped.
    Conflict,
    /// Its type or the object cannot be written back (built-in, Microsoft's own, ...).
    NotRestorable,
}

impl ItemAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Conflict => "conflict",
            Self::NotRestorable => "not_restorable",
        }
    }

    /// Whether applying writes to Graph for it.
    pub fn writes(self) -> bool {
        matches!(self, Self::Create | Self::Update)
    }
}

/// What a restore takes from its source set: the whole set, some types, or some items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreSelection {
    /// Policy types (catalog keys); empty with no items: the whole set.
    #[serde(default)]
    pub types: Vec<String>,
    /// Item ids of the set (the ids the backup-set API lists).
    #[serde(default)]
    pub item_ids: Vec<Uuid>,
}

/// An assignment of the source that is not sent: its group has no target in the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedAssignment {
    pub group_id: String,
    /// The assignment target's `@odata.type` (include or exclusion).
    pub target_type: String,
}

/// One item of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedItem {
    /// The item's id in the source set.
    pub item_id: Uuid,
    pub policy_type: String,
    pub source_graph_id: String,
    pub display_name: String,
    pub action: ItemAction,
    /// Why (conflict, not restorable), or a note on the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The live object it matched (update, unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The content hash of the live object as planned (None: none matched): the apply
    /// re-reads the target and refuses a plan whose live objects changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_hash: Option<String>,
    /// For an update: what differs, RFC 6901 pointers from the live to the source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Assignments left out: their group is not mapped into the target tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped_assignments: Vec<UnmappedAssignment>,
}

/// Graph's refusal of one item's write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFailure {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// What Microsoft's support asks for (request-id, client-request-id, date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<String>,
}

/// How one written item compares with its source after the apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemVerification {
    pub item_id: Uuid,
    pub verified: bool,
    /// What still differs (server-computed fields aside).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Source group id → target group id.
pub type GroupMapping = BTreeMap<String, String>;

/// A source group looked up by display name in the target (`match_groups_by_name`): the
/// one target group of that name, or why none was taken (never a guess among several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMatch {
    pub source_group_id: String,
    /// Its name in the source tenant; None when the source tenant no longer has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The target group of that name, when there is exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_id: Option<String>,
    /// Why no target group was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
