use serde::{Deserialize, Serialize};

/// Why a run exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// The dispatcher claimed a slot of the schedule's cadence.
    Scheduled,
    /// Someone asked for a run now.
    Manual,
    /// A new attempt of a failed or partial run.
    Retry,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
            Self::Retry => "retry",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Success,
    Partial,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Success | Self::Partial | Self::Failed)
    }

    /// Only runs that went wrong can be retried.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Partial | Self::Failed)
    }
}
