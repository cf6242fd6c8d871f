//! The PostgreSQL event store: a cqrs-es repository with a global, commit-ordered position,
//! the feed consumers read, and command execution on top of cqrs-es' `EventStore`.

mod aggregates;
mod append;
mod batch;
mod claims;
mod errors;
mod feed;
mod group_commit;
mod history;
mod metadata;
mod repository;
mod signal;
mod transactional;
mod upcasting;

pub use aggregates::{AggregateStore, CommandError, Committed};
pub use append::{append_in_transaction, APPEND_LOCK};
pub use batch::{decide, load_many_in_transaction, Loaded};
pub use claims::ClaimConflict;
pub use errors::CommitOutcomeUnknown;
pub use feed::{
    explain_filtered, latest_position, read_all, read_filtered, FeedFilter, StoredEvent,
};
pub use history::{read_stream, stream_tenant, StreamBound};
pub use metadata::EventMetadata;
pub use repository::PgEventRepository;
pub use signal::AppendSignal;
pub use transactional::{execute_in_transaction, load_in_transaction};
pub use upcasting::{upcast, upcasters};
