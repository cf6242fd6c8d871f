/// Why the Schedule aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the schedule already exists")]
    AlreadyExists,
    #[error("the schedule does not exist")]
    NotFound,
    #[error("the schedule was deleted")]
    Deleted,
}
