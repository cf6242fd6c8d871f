//! The BackupSet aggregate: an admin's soft delete and undelete of a backup set, and the
//! purge that removes it for good. The set itself is bulk data (`backup_sets`, written with
//! the run's `BackupCreated`); this stream records what happened to it afterwards.

mod aggregate;
mod commands;
mod errors;
mod events;

#[cfg(test)]
mod tests;

pub use aggregate::BackupSet;
pub use commands::{BackupSetCommand, SetFacts};
pub use errors::BackupSetError;
pub use events::{BackupSetEvent, DeleteReason};
