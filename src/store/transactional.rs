//! Commands decided and appended inside a caller's transaction. Consumers that react to
//! events with commands (the run recorder) use it with the transaction that advances their
//! checkpoint: the decision, its events and the checkpoint commit together or not at all,
//! so a replayed batch decides again against the state that really was committed.

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{EventUpcaster, PersistenceError, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use deadpool_postgres::Transaction;

use super::aggregates::CommandError;
use super::append::{append_with, HashChain};
use super::chain::{chain_hash, ChainHash};
use super::errors::{classify, unknown};
use super::metadata::EventMetadata;
use super::stream_heads::StreamHeads;
use super::unread::{payload_without, unread_fields};
use super::upcasting::upcast;
use crate::db::CachedStatements;

/// With the hash: the last one is the predecessor of the command's next event.
/// The stream, each payload without the fields nothing deciding reads (`store::unread`).
fn select_stream() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version,
                    {}, e.metadata, e.hash
             FROM events e WHERE e.aggregate_type = $1 AND e.aggregate_id = $2
             ORDER BY e.sequence",
            payload_without("e", 3)
        )
    })
}

/// The aggregate as `transaction` sees it, and its version.
pub async fn load_in_transaction<A: Aggregate>(
    transaction: &Transaction<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
    aggregate_id: &str,
) -> Result<(A, usize), PersistenceError> {
    let (aggregate, version, _) = load_with_head::<A>(transaction, upcasters, aggregate_id).await?;
    Ok((aggregate, version))
}

/// [`load_in_transaction`], and the chain hash of the stream's last event (when it has one).
async fn load_with_head<A: Aggregate>(
    transaction: &Transaction<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
    aggregate_id: &str,
) -> Result<(A, usize, Option<ChainHash>), PersistenceError> {
    let unread = unread_fields();
    let rows = transaction
        .query_cached(
            select_stream(),
            &[
                &A::TYPE,
                &aggregate_id,
                &unread.aggregate_types,
                &unread.event_types,
                &unread.fields,
            ],
        )
        .await
        .map_err(classify)?;
    let head = rows
        .last()
        .and_then(|row| row.get::<_, Option<&[u8]>>(7))
        .and_then(chain_hash);
    let mut aggregate = A::default();
    let mut version = 0;
    for row in &rows {
        let sequence: i64 = row.get(2);
        let stored = SerializedEvent::new(
            row.get(1),
            usize::try_from(sequence).map_err(unknown)?,
            row.get(0),
            row.get(3),
            row.get(4),
            row.get(5),
            row.get(6),
        );
        let current = upcast(upcasters, stored);
        let event: A::Event = serde_json::from_value(current.payload)
            .map_err(|error| PersistenceError::DeserializationError(Box::new(error)))?;
        aggregate.apply(event);
        version = current.sequence;
    }
    Ok((aggregate, version, head))
}

/// Loads, decides and appends in `transaction`; returns the events written (possibly none).
/// A concurrent writer of the same aggregate makes the append fail with
/// [`CommandError::Conflict`], which aborts the transaction: the caller retries it whole.
pub async fn execute_in_transaction<A: Aggregate>(
    transaction: &Transaction<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
    aggregate_id: &str,
    command: A::Command,
    services: &A::Services,
    metadata: &EventMetadata,
) -> Result<Vec<A::Event>, CommandError<A::Error>> {
    let (mut aggregate, version, head) =
        load_with_head::<A>(transaction, upcasters, aggregate_id).await?;
    let sink = EventSink::default();
    aggregate
        .handle(command, services, &sink)
        .await
        .map_err(CommandError::Rejected)?;
    let events = sink.collect().await;
    let metadata = serde_json::to_value(metadata.to_map()).map_err(unknown)?;
    let serialized = events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            Ok(SerializedEvent::new(
                aggregate_id.to_owned(),
                version + index + 1,
                A::TYPE.to_owned(),
                event.event_type(),
                event.event_version(),
                serde_json::to_value(event).map_err(unknown)?,
                metadata.clone(),
            ))
        })
        .collect::<Result<Vec<_>, PersistenceError>>()?;
    // the stream's last event was just read: its hash needs no second look
    let known = StreamHeads::default();
    if let (Some(hash), Ok(sequence)) = (head, i64::try_from(version)) {
        known.record([(A::TYPE, aggregate_id, sequence, hash)]);
    }
    append_with(transaction, &serialized, HashChain::On, Some(&known)).await?;
    Ok(events)
}
