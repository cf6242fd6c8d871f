use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::values::{
    GroupMapping, GroupMatch, ItemFailure, ItemVerification, PlannedItem, RestoreSelection,
    RestoreStatus,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RestoreEvent {
    /// The dry run: what applying would write, item by item. Nothing was written to Graph.
    RestorePlanned {
        restore_id: Uuid,
        /// The tenant written into.
        tenant_id: Uuid,
        source_tenant_id: Uuid,
        source_backup_set_id: Uuid,
        selection: RestoreSelection,
        /// Explicit and matched by name: what the apply sends assignments to.
        #[serde(default)]
        group_mapping: GroupMapping,
        /// How groups were looked up by display name, matched or not.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        group_matches: Vec<GroupMatch>,
        /// (defaults: left out when the stream is loaded to decide, see `UNREAD_FIELDS`)
        #[serde(default)]
        items: Vec<PlannedItem>,
        planned_at: DateTime<Utc>,
    },
    /// A second admin agreed to the apply (when more than one approval is required).
    RestoreApproved {
        approver: String,
        approved_at: DateTime<Utc>,
    },
    /// An admin asked for the plan to be applied; a worker will take it.
    RestoreApplyRequested {
        applier: String,
        requested_at: DateTime<Utc>,
    },
    RestoreStarted {
        worker: String,
        started_at: DateTime<Utc>,
    },
    /// One item written: the object it created or changed, and what was sent.
    RestoreItemApplied {
        item_id: Uuid,
        target_id: String,
        /// The requests sent (method, path, body with secrets replaced by `[sealed]`).
        #[serde(default)]
        sent: Vec<Value>,
        /// Found after a lost worker: its POST had succeeded, its event had not been written.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        adopted: bool,
    },
    /// One item Graph refused; the others go on.
    RestoreItemFailed {
        item_id: Uuid,
        failure: ItemFailure,
        /// Set when the object was created but its assignments could not be written.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_id: Option<String>,
    },
    /// The worker stopped without finishing; another one resumes it.
    RestoreAbandoned {
        worker: String,
        reason: String,
        abandoned_at: DateTime<Utc>,
    },
    /// The target read back after writing, compared with the source.
    RestoreVerified {
        #[serde(default)]
        items: Vec<ItemVerification>,
        verified_at: DateTime<Utc>,
    },
    RestoreFinished {
        tenant_id: Uuid,
        source_backup_set_id: Uuid,
        /// `completed`, `partial` or `failed`.
        status: RestoreStatus,
        applied: u32,
        failed: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_message: Option<String>,
        finished_at: DateTime<Utc>,
    },
}

impl DomainEvent for RestoreEvent {
    fn event_type(&self) -> String {
        match self {
            Self::RestorePlanned { .. } => "RestorePlanned",
            Self::RestoreApproved { .. } => "RestoreApproved",
            Self::RestoreApplyRequested { .. } => "RestoreApplyRequested",
            Self::RestoreStarted { .. } => "RestoreStarted",
            Self::RestoreItemApplied { .. } => "RestoreItemApplied",
            Self::RestoreItemFailed { .. } => "RestoreItemFailed",
            Self::RestoreAbandoned { .. } => "RestoreAbandoned",
            Self::RestoreVerified { .. } => "RestoreVerified",
            Self::RestoreFinished { .. } => "RestoreFinished",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
