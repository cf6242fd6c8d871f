//! Many aggregates of one type loaded with one query and decided in memory, for callers that
//! command thousands of aggregates at once (the dispatcher's page of due schedules). The
//! caller appends every decision's events with [`super::append_in_transaction`] in the
//! transaction it loaded them in: the sequence checks and uniqueness claims of a single
//! command hold for each of them, and a concurrent writer of any one aggregate makes the
//! append fail as a whole.

use std::collections::HashMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{EventUpcaster, PersistenceError, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use deadpool_postgres::Transaction;

use super::aggregates::CommandError;
use super::errors::{classify, unknown};
use super::metadata::EventMetadata;
use super::upcasting::upcast;
use crate::db::CachedStatements;

const SELECT_STREAMS: &str = "
    SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata
    FROM events WHERE aggregate_type = $1 AND aggregate_id = ANY($2)
    ORDER BY aggregate_id, sequence";

/// An aggregate as loaded, and its version (its last sequence; 0 without events).
pub struct Loaded<A> {
    pub aggregate: A,
    pub version: usize,
}

/// Every aggregate in `aggregate_ids` as `transaction` sees it (one without events is the
/// default aggregate at version 0), folded from its upcast events like a single load.
pub async fn load_many_in_transaction<A: Aggregate>(
    transaction: &Transaction<'_>,
    upcasters: &[Box<dyn EventUpcaster>],
    aggregate_ids: &[String],
) -> Result<HashMap<String, Loaded<A>>, PersistenceError> {
    let rows = transaction
        .query_cached(SELECT_STREAMS, &[&A::TYPE, &aggregate_ids])
        .await
        .map_err(classify)?;
    let mut loaded: HashMap<String, Loaded<A>> = aggregate_ids
        .iter()
        .map(|id| {
            let empty = Loaded {
                aggregate: A::default(),
                version: 0,
            };
            (id.clone(), empty)
        })
        .collect();
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
        let entry = loaded
            .entry(current.aggregate_id)
            .or_insert_with(|| Loaded {
                aggregate: A::default(),
                version: 0,
            });
        entry.aggregate.apply(event);
        entry.version = current.sequence;
    }
    Ok(loaded)
}

/// One command decided against a loaded aggregate, in memory: the events it decided (also
/// applied to the aggregate) and the same events serialized at the sequences after the
/// aggregate's version, with `metadata`, ready for the append.
pub async fn decide<A: Aggregate>(
    aggregate_id: &str,
    loaded: &mut Loaded<A>,
    command: A::Command,
    services: &A::Services,
    metadata: &EventMetadata,
) -> Result<(Vec<A::Event>, Vec<SerializedEvent>), CommandError<A::Error>> {
    let sink = EventSink::default();
    loaded
        .aggregate
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
                loaded.version + index + 1,
                A::TYPE.to_owned(),
                event.event_type(),
                event.event_version(),
                serde_json::to_value(event).map_err(unknown)?,
                metadata.clone(),
            ))
        })
        .collect::<Result<Vec<_>, PersistenceError>>()?;
    loaded.version += events.len();
    Ok((events, serialized))
}
