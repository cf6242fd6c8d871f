//! The PostgreSQL event store: a cqrs-es repository with a global, commit-ordered position,
//! the feed consumers read, and command execution on top of cqrs-es' `EventStore`.

mod aggregates;
mod claims;
mod feed;
mod group_commit;
mod metadata;
mod repository;
mod upcasting;

pub use aggregates::{AggregateStore, CommandError, Committed};
pub use claims::ClaimConflict;
pub use feed::{latest_position, read_all, StoredEvent};
pub use metadata::EventMetadata;
pub use repository::{append_in_transaction, PgEventRepository, APPEND_LOCK};
pub use upcasting::{upcast, upcasters};
