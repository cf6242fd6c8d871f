//! What a run read and what it kept: the per-type sync report and the backup it created.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One policy type's sync: what Graph gave and how the local inventory changed. A type
/// that failed has an error code (and keeps its inventory as it was).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSyncReport {
    pub fetched: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub deleted_upstream: u32,
    /// Listed, then gone before their detail could be read (skipped, not a failure).
    #[serde(default)]
    pub skipped_deleted: u32,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// For `permission_missing`: the scope Graph asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Graph's request id of the failure, for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The `client-request-id` the client sent with the failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    /// When Graph answered the failed request (its `innerError.date` or `Date` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How many objects Graph listed for the type (absent in reports recorded before
    /// completeness was reported; absent for a type that failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<u32>,
    /// How many of them were captured whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole: Option<u32>,
    /// The objects captured with something missing, and why: kept with what was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<IncompleteItem>,
}

/// One object a run captured incompletely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteItem {
    pub graph_id: String,
    pub display_name: String,
    pub reason: String,
}

impl TypeSyncReport {
    pub fn failed(&self) -> bool {
        self.error_code.is_some()
    }

    /// Read, but not everything of it: some object lacks something.
    pub fn incomplete(&self) -> bool {
        !self.incomplete.is_empty()
    }

    /// `request-id X, client-request-id Y, date Z` of the failure (those known).
    pub fn support_details(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
            ("date", &self.date),
        ]
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name} {value}")))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The sync of every selected type (and foundation), by catalog key.
pub type SyncReport = BTreeMap<String, TypeSyncReport>;

/// Whether a backup set holds everything that was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupSetStatus {
    Completed,
    /// Some selected type could not be read: its items are missing from the set.
    Partial,
}

impl BackupSetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Partial => "partial",
        }
    }
}

/// What `BackupCreated` records about the set (the set and its items are bulk data in
/// their own tables, referenced by `backup_set_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    pub backup_set_id: Uuid,
    pub name: String,
    pub status: BackupSetStatus,
    /// Policy items (foundations not included).
    pub item_count: u32,
    pub foundation_count: u32,
    /// Items per catalog key.
    pub counts: BTreeMap<String, u32>,
    /// The content address of the set's item list.
    pub tree_hash: String,
}
