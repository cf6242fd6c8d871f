//! How refused commands become problem documents.

use std::error::Error as StdError;

use super::error::{ApiError, ErrorCode};
use crate::domain::backup_set::BackupSetError;
use crate::domain::policy::PolicyError;
use crate::domain::run::RunError;
use crate::domain::schedule::ScheduleError;
use crate::domain::tenant::TenantError;
use crate::domain::token::TokenError;
use crate::domain::uniqueness::{
    AZURE_TENANT_SCOPE, LIVE_TENANT_SCOPE, SCHEDULE_NAME_SCOPE, TENANT_SCHEDULE_SCOPE,
};
use crate::store::CommandError;

/// A domain error's HTTP meaning.
pub trait Rejection {
    fn to_api_error(&self) -> ApiError;
}

impl Rejection for TenantError {
    fn to_api_error(&self) -> ApiError {
        match self {
            TenantError::NotFound | TenantError::Deleted => ApiError::NotFound("tenant"),
            TenantError::AlreadyRegistered => ApiError::Conflict {
                code: ErrorCode::TenantAlreadyExists,
                detail: self.to_string(),
            },
        }
    }
}

impl Rejection for BackupSetError {
    fn to_api_error(&self) -> ApiError {
        match self {
            BackupSetError::NotFound => ApiError::NotFound("backup set"),
            BackupSetError::Purged => ApiError::Conflict {
                code: ErrorCode::BackupSetPurged,
                detail: self.to_string(),
            },
            BackupSetError::NotDeleted => ApiError::Conflict {
                code: ErrorCode::BackupSetNotDeleted,
                detail: self.to_string(),
            },
        }
    }
}

impl Rejection for ScheduleError {
    fn to_api_error(&self) -> ApiError {
        match self {
            ScheduleError::NotFound | ScheduleError::Deleted => ApiError::NotFound("schedule"),
            ScheduleError::AlreadyExists => ApiError::Conflict {
                code: ErrorCode::ScheduleAlreadyExists,
                detail: self.to_string(),
            },
            ScheduleError::Disabled => ApiError::Conflict {
                code: ErrorCode::ScheduleDisabled,
                detail: self.to_string(),
            },
            ScheduleError::SlotAlreadyClaimed(_) => ApiError::Conflict {
                code: ErrorCode::SlotAlreadyClaimed,
                detail: self.to_string(),
            },
            ScheduleError::SlotNotDue(_) => ApiError::Conflict {
                code: ErrorCode::SlotNotDue,
                detail: self.to_string(),
            },
            ScheduleError::RunAlreadyActive(_) => ApiError::Conflict {
                code: ErrorCode::RunAlreadyActive,
                detail: self.to_string(),
            },
        }
    }
}

impl Rejection for RunError {
    fn to_api_error(&self) -> ApiError {
        match self {
            RunError::NotFound => ApiError::NotFound("run"),
            RunError::NotQueued(_)
            | RunError::NotRunning(_)
            | RunError::NotAFinalStatus(_)
            | RunError::BackupAlreadyCreated => ApiError::Conflict {
                code: ErrorCode::RunStateConflict,
                detail: self.to_string(),
            },
        }
    }
}

impl Rejection for PolicyError {
    fn to_api_error(&self) -> ApiError {
        match self {
            PolicyError::NotFound => ApiError::NotFound("policy"),
        }
    }
}

impl Rejection for TokenError {
    fn to_api_error(&self) -> ApiError {
        match self {
            TokenError::NotFound => ApiError::NotFound("token"),
            TokenError::AlreadyIssued => ApiError::Conflict {
                code: ErrorCode::TokenAlreadyExists,
                detail: self.to_string(),
            },
        }
    }
}

impl<E: StdError + Rejection> From<CommandError<E>> for ApiError {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(rejection) => rejection.to_api_error(),
            CommandError::StaleVersion { actual, .. } => {
                ApiError::PreconditionFailed { current: actual }
            }
            CommandError::Conflict => ApiError::Conflict {
                code: ErrorCode::ConcurrentModification,
                detail: "the resource was changed concurrently; retry the request".to_owned(),
            },
            CommandError::Claim(claim) if claim.scope == SCHEDULE_NAME_SCOPE => {
                ApiError::Conflict {
                    code: ErrorCode::ScheduleNameTaken,
                    detail: "another schedule of this tenant already has this name".to_owned(),
                }
            }
            CommandError::Claim(claim) if claim.scope == AZURE_TENANT_SCOPE => ApiError::Conflict {
                code: ErrorCode::AzureTenantAlreadyRegistered,
                detail: format!("Azure tenant {} is already registered", claim.key),
            },
            // the tenant was deleted while the schedule was being created
            CommandError::Claim(claim) if claim.scope == LIVE_TENANT_SCOPE => {
                ApiError::NotFound("tenant")
            }
            CommandError::Claim(claim) if claim.scope == TENANT_SCHEDULE_SCOPE => {
                ApiError::Conflict {
                    code: ErrorCode::TenantHasSchedules,
                    detail: "the tenant still has schedules; delete them first".to_owned(),
                }
            }
            CommandError::Claim(claim) => ApiError::Conflict {
                code: ErrorCode::AlreadyTaken,
                detail: claim.to_string(),
            },
            CommandError::Unavailable(cause) => ApiError::Unavailable(cause.to_string()),
            // not 503: the write may have happened, so the client must not simply retry it
            // (the idempotency layer keeps this answer for a retry with the same key)
            CommandError::OutcomeUnknown(cause) => ApiError::Internal(cause.to_string()),
            CommandError::Internal(cause) => ApiError::Internal(cause.to_string()),
        }
    }
}
