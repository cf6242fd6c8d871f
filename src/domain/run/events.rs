use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::report::{BackupSummary, SyncReport};
use super::values::{RunStatus, RunTrigger};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RunEvent {
    RunQueued {
        run_id: Uuid,
        schedule_id: Uuid,
        tenant_id: Uuid,
        trigger: RunTrigger,
        scheduled_for: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_of: Option<Uuid>,
    },
    RunStarted {
        worker: String,
        started_at: DateTime<Utc>,
    },
    /// What the sync of the selected types found (per type; failed types carry their code).
    SyncCompleted { report: SyncReport },
    /// The immutable backup set the run made.
    BackupCreated { backup: BackupSummary },
    /// The worker running it stopped without finishing (its lease expired, or it shut
    /// down): put back in the queue once, or failed the second time.
    RunAbandoned {
        worker: String,
        reason: String,
        requeued: bool,
        abandoned_at: DateTime<Utc>,
    },
    RunFinished {
        /// `success`, `partial` or `failed`.
        status: RunStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_message: Option<String>,
        finished_at: DateTime<Utc>,
    },
}

impl DomainEvent for RunEvent {
    fn event_type(&self) -> String {
        match self {
            Self::RunQueued { .. } => "RunQueued",
            Self::RunStarted { .. } => "RunStarted",
            Self::SyncCompleted { .. } => "SyncCompleted",
            Self::BackupCreated { .. } => "BackupCreated",
            Self::RunAbandoned { .. } => "RunAbandoned",
            Self::RunFinished { .. } => "RunFinished",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
