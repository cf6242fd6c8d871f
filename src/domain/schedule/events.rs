use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::retention::RetentionReason;
use super::values::{PolicyTypeSelection, RetentionKeepLast, ScheduleName};
use crate::domain::cadence::Cadence;
use crate::domain::run::{RunStatus, RunTrigger};
use crate::domain::timezone::Timezone;

/// Schedule events. `next_run_at` is decided by the aggregate and recorded, so read models
/// rebuilt from the log reproduce it without consulting a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ScheduleEvent {
    ScheduleCreated {
        schedule_id: Uuid,
        tenant_id: Uuid,
        name: ScheduleName,
        enabled: bool,
        cadence: Cadence,
        timezone: Timezone,
        policy_types: PolicyTypeSelection,
        include_foundations: bool,
        retention_keep_last: RetentionKeepLast,
        next_run_at: Option<DateTime<Utc>>,
    },
    /// Only the fields that changed are present; `next_run_at` is the value after the change.
    ScheduleUpdated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<ScheduleName>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cadence: Option<Cadence>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<Timezone>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        policy_types: Option<PolicyTypeSelection>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        include_foundations: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retention_keep_last: Option<RetentionKeepLast>,
        next_run_at: Option<DateTime<Utc>>,
    },
    ScheduleEnabled {
        next_run_at: Option<DateTime<Utc>>,
    },
    ScheduleDisabled,
    ScheduleDeleted,
    /// A run was queued for the schedule: a cadence slot, a manual run or a retry.
    SlotClaimed {
        run_id: Uuid,
        scheduled_for: DateTime<Utc>,
        trigger: RunTrigger,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_of: Option<Uuid>,
        next_run_at: Option<DateTime<Utc>>,
    },
    /// A cadence slot that got no run, and why.
    SlotSkipped {
        scheduled_for: DateTime<Utc>,
        reason: SkipReason,
        next_run_at: Option<DateTime<Utc>>,
    },
    /// A run of the schedule finished (its last-run status).
    RunRecorded {
        run_id: Uuid,
        status: RunStatus,
        finished_at: DateTime<Utc>,
    },
    /// The next slot moved without a change of the schedule (new timezone rules).
    NextRunRecomputed {
        next_run_at: Option<DateTime<Utc>>,
    },
    /// Retention soft-deleted these backup sets of the schedule; `kept` live sets remain.
    /// `backup_sets.deleted_at` is written in the transaction that appends this event.
    RetentionApplied {
        kept: u32,
        deleted_backup_set_ids: Vec<Uuid>,
        reason: RetentionReason,
    },
    /// The system disabled the schedule: its last `consecutive_failures` runs failed, the
    /// last of them `last_run_id`. Recorded right after that run's `RunRecorded`; it stops
    /// the slots as `ScheduleDisabled` does, but nobody chose it (notifications tell them).
    ScheduleAutoDisabled {
        consecutive_failures: u32,
        last_run_id: Uuid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The slot was older than the grace period when the dispatcher got to it.
    Missed,
    /// The previous run of the schedule was still queued or running.
    Overlap,
}

impl DomainEvent for ScheduleEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ScheduleCreated { .. } => "ScheduleCreated",
            Self::ScheduleUpdated { .. } => "ScheduleUpdated",
            Self::ScheduleEnabled { .. } => "ScheduleEnabled",
            Self::ScheduleDisabled => "ScheduleDisabled",
            Self::ScheduleDeleted => "ScheduleDeleted",
            Self::SlotClaimed { .. } => "SlotClaimed",
            Self::SlotSkipped { .. } => "SlotSkipped",
            Self::RunRecorded { .. } => "RunRecorded",
            Self::NextRunRecomputed { .. } => "NextRunRecomputed",
            Self::RetentionApplied { .. } => "RetentionApplied",
            Self::ScheduleAutoDisabled { .. } => "ScheduleAutoDisabled",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
