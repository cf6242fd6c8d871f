use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Why the Schedule aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the schedule already exists")]
    AlreadyExists,
    #[error("the schedule does not exist")]
    NotFound,
    #[error("the schedule was deleted")]
    Deleted,
    #[error("the schedule is disabled")]
    Disabled,
    #[error("the slot {0} was already claimed or skipped")]
    SlotAlreadyClaimed(DateTime<Utc>),
    #[error("the schedule is not due at {0}")]
    SlotNotDue(DateTime<Utc>),
    #[error("run {0} of this schedule is still queued or running")]
    RunAlreadyActive(Uuid),
}
