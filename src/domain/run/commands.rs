use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::values::{RunStatus, RunTrigger};

#[derive(Debug, Clone, PartialEq)]
pub enum RunCommand {
    Queue(QueueRun),
    Start {
        worker: String,
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
