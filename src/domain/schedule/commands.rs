use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::retention::{RetentionCandidate, RetentionReason};
use super::values::{PolicyTypeSelection, RetentionKeepLast, ScheduleName};
use crate::domain::cadence::Cadence;
use crate::domain::run::{RunStatus, RunTrigger};
use crate::domain::timezone::Timezone;

/// Every command names the tenant it is meant for; a schedule of another tenant answers
/// "not found", so one tenant's request can never touch another tenant's schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleCommand {
    Create(CreateSchedule),
    Update {
        tenant_id: Uuid,
        changes: ScheduleChanges,
        now: DateTime<Utc>,
    },
    Enable {
        tenant_id: Uuid,
        now: DateTime<Utc>,
    },
    Disable {
        tenant_id: Uuid,
    },
    Delete {
        tenant_id: Uuid,
    },
    ClaimSlot(ClaimSlot),
    RequestRun(RequestRun),
    RecordRun(RecordRun),
    RecomputeNextRun {
        now: DateTime<Utc>,
    },
    ApplyRetention(ApplyRetention),
}

/// Retention over the schedule's live backup sets, which the caller read in the
/// transaction that appends the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyRetention {
    pub candidates: Vec<RetentionCandidate>,
    pub reason: RetentionReason,
}

/// The dispatcher's claim of the slot a schedule is due at.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimSlot {
    pub scheduled_for: DateTime<Utc>,
    /// The id the run gets if the slot is claimed.
    pub run_id: Uuid,
    /// The tick's instant.
    pub now: DateTime<Utc>,
    /// A slot older than this at `now` is skipped as missed.
    pub grace: Duration,
}

/// A manual run or a retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRun {
    pub tenant_id: Uuid,
    pub run_id: Uuid,
    pub trigger: RunTrigger,
    pub retry_of: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// A run of the schedule finished.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRun {
    pub run_id: Uuid,
    pub status: RunStatus,
    pub finished_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateSchedule {
    pub schedule_id: Uuid,
    pub tenant_id: Uuid,
    pub spec: ScheduleSpec,
    /// The first slot is computed strictly after this instant.
    pub now: DateTime<Utc>,
}

/// The writable fields of a schedule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSpec {
    pub name: ScheduleName,
    pub enabled: bool,
    pub cadence: Cadence,
    pub timezone: Timezone,
    pub policy_types: PolicyTypeSelection,
    pub include_foundations: bool,
    pub retention_keep_last: RetentionKeepLast,
}

/// Any subset of the writable fields. A change of `enabled` is recorded as
/// `ScheduleEnabled` / `ScheduleDisabled` after the field changes, in the same commit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleChanges {
    pub name: Option<ScheduleName>,
    pub enabled: Option<bool>,
    pub cadence: Option<Cadence>,
    pub timezone: Option<Timezone>,
    pub policy_types: Option<PolicyTypeSelection>,
    pub include_foundations: Option<bool>,
    pub retention_keep_last: Option<RetentionKeepLast>,
}
