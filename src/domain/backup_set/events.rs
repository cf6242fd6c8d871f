use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Events of a backup set after its creation. Each names the tenant and schedule, so a
/// purged set (no row left) still answers "gone" to its own tenant only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BackupSetEvent {
    BackupSetDeleted {
        tenant_id: Uuid,
        schedule_id: Uuid,
        reason: DeleteReason,
    },
    /// An undelete (`POST .../undelete`): the soft delete undone, nothing written to the
    /// tenant. The stored type keeps its first name: events are history, never renamed.
    BackupSetRestored { tenant_id: Uuid, schedule_id: Uuid },
    /// The set, and whatever content no other set shares, is gone for good.
    BackupSetPurged {
        tenant_id: Uuid,
        schedule_id: Uuid,
        deleted_at: DateTime<Utc>,
    },
}

/// Why a set was soft-deleted through this aggregate (retention records its deletes on the
/// schedule, as `RetentionApplied`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteReason {
    Admin,
}

impl DomainEvent for BackupSetEvent {
    fn event_type(&self) -> String {
        match self {
            Self::BackupSetDeleted { .. } => "BackupSetDeleted",
            Self::BackupSetRestored { .. } => "BackupSetRestored",
            Self::BackupSetPurged { .. } => "BackupSetPurged",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
