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

/// Event fields neither `Restore::apply` nor any consumer of the feed reads: the plan's
/// items, the requests an item sent, the verification's items (the restore's rows are
/// written with its events, `rows.rs`). The store leaves them out of those reads
/// (`store::unread`); the audit API still serves them.
pub const UNREAD_FIELDS: &[(&str, &str)] = &[
    ("RestorePlanned", "items"),
    ("RestoreItemApplied", "sent"),
    ("RestoreVerified", "items"),
];
