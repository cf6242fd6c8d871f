use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::values::{
    GroupMapping, GroupMatch, ItemFailure, ItemVerification, PlannedItem, RestoreSelection,
    RestoreStatus,
};

#[derive(Debug, Clone, PartialEq)]
pub enum RestoreCommand {
    Plan(Box<PlanRestore>),
    Approve {
        approver: String,
        now: DateTime<Utc>,
    },
    /// `required_approvals` counts the applier: 1 means the applier alone.
    Apply {
        applier: String,
        required_approvals: u32,
        now: DateTime<Utc>,
    },
    Start {
        worker: String,
        now: DateTime<Utc>,
    },
    RecordApplied {
        item_id: Uuid,
        target_id: String,
        sent: Vec<Value>,
        adopted: bool,
    },
    RecordFailed {
        item_id: Uuid,
        failure: ItemFailure,
        target_id: Option<String>,
    },
    Abandon {
        worker: String,
        reason: String,
        now: DateTime<Utc>,
    },
    RecordVerification {
        items: Vec<ItemVerification>,
        now: DateTime<Utc>,
    },
    Finish {
        status: RestoreStatus,
        error_code: Option<String>,
        error_message: Option<String>,
        now: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRestore {
    pub restore_id: Uuid,
    pub tenant_id: Uuid,
    pub source_tenant_id: Uuid,
    pub source_backup_set_id: Uuid,
    pub selection: RestoreSelection,
    pub group_mapping: GroupMapping,
    pub group_matches: Vec<GroupMatch>,
    pub items: Vec<PlannedItem>,
    pub now: DateTime<Utc>,
}
