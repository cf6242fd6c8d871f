//! The Restore aggregate: a plan to write a backup set's items back into a tenant (its own
//! or another), approved and applied item by item by a worker, then verified.

mod aggregate;
mod commands;
mod errors;
mod events;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::Restore;
pub use commands::{PlanRestore, RestoreCommand};
pub use errors::RestoreError;
pub use events::RestoreEvent;
pub use values::{
    GroupMatch, ItemAction, ItemFailure, ItemVerification, PlannedItem, RestoreSelection,
    RestoreStatus, UnmappedAssignment,
};

/// Event fields `Restore::apply` never reads: the plan's items, the requests an item sent,
/// the verification's items. The store leaves them out when it loads the stream to decide a
/// command; a 2,000-item restore otherwise re-read every request body it had sent (tens of
/// megabytes) for each item it recorded, and its worker's memory grew with the restore.
pub const UNREAD_WHEN_DECIDING: &[(&str, &str)] = &[
    ("RestorePlanned", "items"),
    ("RestoreItemApplied", "sent"),
    ("RestoreVerified", "items"),
];
