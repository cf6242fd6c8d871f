use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::report::{BackupSummary, SyncReport};
use super::values::{RunStatus, RunTrigger};

#[derive(Debug, Clone, PartialEq)]
pub enum RunCommand {
    Queue(QueueRun),
    Start {
        worker: String,
        now: DateTime<Utc>,
    },
    RecordSync {
        report: SyncReport,
    },
    RecordBackup {
        backup: BackupSummary,
    },
    /// The run's worker is gone (`requeue`: put it back for another worker, once).
    Abandon {
        worker: String,
        reason: String,
        requeue: bool,
        now: DateTime<Utc>,
    },
    Finish {
        status: RunStatus,
        error_code: Option<String>,
        error_message: Option<String>,
        now: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueRun {
    pub run_id: Uuid,
    pub schedule_id: Uuid,
    pub tenant_id: Uuid,
    pub trigger: RunTrigger,
    pub scheduled_for: DateTime<Utc>,
    pub retry_of: Option<Uuid>,
}
