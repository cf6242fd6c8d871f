//! The Run aggregate: one execution for one claimed slot (or a manual run or retry).

mod aggregate;
mod commands;
mod errors;
mod events;
mod report;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::Run;
pub use commands::{QueueRun, RunCommand};
pub use errors::RunError;
pub use events::RunEvent;
pub use report::{BackupSetStatus, BackupSummary, IncompleteItem, SyncReport, TypeSyncReport};
pub use values::{RunStatus, RunTrigger};
