//! The Schedule aggregate: when and what to back up for one tenant, and which slots it has
//! claimed.

mod aggregate;
mod commands;
mod errors;
mod events;
mod lifecycle;
mod retention;
mod slots;
mod values;

#[cfg(test)]
mod auto_disable_tests;
#[cfg(test)]
mod retention_tests;
#[cfg(test)]
mod slot_tests;
#[cfg(test)]
mod tests;

pub use aggregate::Schedule;
pub use commands::{
    ApplyRetention, ClaimSlot, CreateSchedule, RecordRun, RequestRun, ScheduleChanges,
    ScheduleCommand, ScheduleSpec,
};
pub use errors::ScheduleError;
pub use events::{ScheduleEvent, SkipReason};
pub use retention::{decide_retention, RetentionCandidate, RetentionDecision, RetentionReason};
pub use slots::AUTO_DISABLE_AFTER_FAILURES;
pub use values::{
    InvalidPolicyTypes, InvalidRetention, InvalidScheduleName, PolicyTypeSelection,
    RetentionKeepLast, ScheduleName,
};
