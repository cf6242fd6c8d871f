use super::values::RunStatus;

/// Why the Run aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("the run does not exist")]
    NotFound,
    #[error("the run is {0:?}; it can only be started while queued")]
    NotQueued(RunStatus),
    #[error("the run is {0:?}; only a running run can finish")]
    NotRunning(RunStatus),
    #[error("a run finishes as success, partial or failed, not {0:?}")]
    NotAFinalStatus(RunStatus),
    #[error("the run already has a backup set")]
    BackupAlreadyCreated,
}
