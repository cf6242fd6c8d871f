//! The PostgreSQL event store: a cqrs-es repository with a global feed order consumers
//! read without a lock (`cursor`, `feed`), and command execution on top of cqrs-es' `EventStore`.

mod aggregates;
mod append;
mod backfill;
mod batch;
mod chain;
mod chain_rows;
mod claims;
mod cursor;
mod errors;
mod feed;
mod group_commit;
mod history;
mod jsonb_text;
mod linking;
mod metadata;
mod repository;
mod signal;
mod stream_heads;
mod transactional;
mod unread;
mod upcasting;

pub use aggregates::{AggregateStore, CommandError, Committed};
pub use append::{append_in_transaction, HashChain};
pub use backfill::backfill_hashes;
pub use batch::{decide, load_many_in_transaction, Loaded};
pub use chain::{chain_hash, event_hash, hex, ChainHash, HashedEvent, GENESIS};
pub use chain_rows::{read_chain_rows, ChainRow};
pub use claims::ClaimConflict;
pub use cursor::FeedCursor;
pub use errors::CommitOutcomeUnknown;
pub use feed::{
    cursor_at, explain_filtered, feed_head, latest_committed, read_all, read_filtered, FeedFilter,
    StoredEvent,
};
pub use history::{read_stream, stream_tenant, StreamBound};
pub use jsonb_text::{jsonb_text, numeric_text};
pub use linking::BrokenPredecessor;
pub(crate) use linking::{stored_hashes, StreamKey};
pub use metadata::EventMetadata;
pub use repository::PgEventRepository;
pub use signal::AppendSignal;
pub use transactional::{execute_in_transaction, load_in_transaction};
pub use upcasting::{upcast, upcasters};
