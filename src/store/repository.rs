//! `PgEventRepository`: the cqrs-es `PersistedEventRepository` on tokio-postgres.

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use deadpool_postgres::{Pool, Transaction};
use serde_json::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::claims;
use super::group_commit::GroupCommit;
use crate::db::CachedStatements;
use crate::domain::uniqueness::claim_changes;

/// The advisory lock every append takes before its events get positions. Holding it until
/// commit makes positions visible in commit order: a reader tailing "position > checkpoint"
/// can never pass over an event that is still being committed with a smaller position.
pub const APPEND_LOCK: i64 = 0x7465_6e61_6e74_0002;

const INSERT_EVENTS: &str = "
    INSERT INTO events (event_id, aggregate_type, aggregate_id, sequence, event_type,
                        event_version, tenant_id, payload, metadata)
    SELECT e.event_id, e.aggregate_type, e.aggregate_id, e.sequence, e.event_type,
           e.event_version, e.tenant_id, e.payload, e.metadata
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[],
                $7::uuid[], $8::jsonb[], $9::jsonb[])
         WITH ORDINALITY AS e(event_id, aggregate_type, aggregate_id, sequence, event_type,
                              event_version, tenant_id, payload, metadata, ordinal)
    ORDER BY e.ordinal";

const SELECT_EVENTS: &str = "
    SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata
    FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3
    ORDER BY sequence";

#[derive(Clone)]
pub struct PgEventRepository {
    pool: Pool,
    writer: GroupCommit,
}

impl PgEventRepository {
    /// A repository over `pool`. Clones share one group-commit writer; separately created
    /// repositories each have their own (correct either way, batching better when shared).
    /// Must be called inside a Tokio runtime: it starts the writer task.
    pub fn new(pool: Pool) -> Self {
        Self {
            writer: GroupCommit::start(pool.clone()),
            pool,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn select(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query_cached(
                SELECT_EVENTS,
                &[&aggregate_type, &aggregate_id, &after_sequence],
            )
            .await
            .map_err(classify)?;
        rows.iter().map(serialized_event).collect()
    }

    async fn append(&self, events: &[SerializedEvent]) -> Result<(), PersistenceError> {
        self.writer.append(events.to_vec()).await
    }
}

/// Appends events inside the caller's transaction: its uniqueness claims, then the events
/// under the append lock. Consumers that turn events into new events use this with the
/// transaction that also advances their checkpoint, so each reaction happens exactly once.
pub async fn append_in_transaction(
    transaction: &Transaction<'_>,
    events: &[SerializedEvent],
) -> Result<(), PersistenceError> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = EventColumns::from_events(events)?;
    for event in events {
        for change in claim_changes(event) {
            claims::apply(transaction, &change).await?;
        }
    }
    // Take the lock as late as possible: it is held until commit, so it serialises only
    // the insert and the commit of concurrent appenders. Both statements are prepared
    // once per connection and pipelined: the server runs them in the order sent, so the
    // lock is always held before `nextval` hands out positions, at one round trip.
    let lock = transaction
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await
        .map_err(classify)?;
    let insert = transaction
        .prepare_cached(INSERT_EVENTS)
        .await
        .map_err(classify)?;
    let insert_params: [&(dyn ToSql + Sync); 9] = [
        &rows.event_ids,
        &rows.aggregate_types,
        &rows.aggregate_ids,
        &rows.sequences,
        &rows.event_types,
        &rows.event_versions,
        &rows.tenant_ids,
        &rows.payloads,
        &rows.metadata,
    ];
    let (locked, inserted) = futures_util::future::join(
        transaction.execute(&lock, &[&APPEND_LOCK]),
        transaction.execute(&insert, &insert_params),
    )
    .await;
    locked.map_err(classify)?;
    inserted.map_err(classify)?;
    Ok(())
}

/// The events of one append, as column arrays for a single `INSERT ... SELECT FROM unnest`.
struct EventColumns {
    event_ids: Vec<Uuid>,
    aggregate_types: Vec<String>,
    aggregate_ids: Vec<String>,
    sequences: Vec<i64>,
    event_types: Vec<String>,
    event_versions: Vec<String>,
    tenant_ids: Vec<Option<Uuid>>,
    payloads: Vec<Value>,
    metadata: Vec<Value>,
}

impl EventColumns {
    fn from_events(events: &[SerializedEvent]) -> Result<Self, PersistenceError> {
        let mut columns = Self {
            event_ids: Vec::with_capacity(events.len()),
            aggregate_types: Vec::with_capacity(events.len()),
            aggregate_ids: Vec::with_capacity(events.len()),
            sequences: Vec::with_capacity(events.len()),
            event_types: Vec::with_capacity(events.len()),
            event_versions: Vec::with_capacity(events.len()),
            tenant_ids: Vec::with_capacity(events.len()),
            payloads: Vec::with_capacity(events.len()),
            metadata: Vec::with_capacity(events.len()),
        };
        for event in events {
            columns.event_ids.push(Uuid::now_v7());
            columns.aggregate_types.push(event.aggregate_type.clone());
            columns.aggregate_ids.push(event.aggregate_id.clone());
            columns
                .sequences
                .push(i64::try_from(event.sequence).map_err(unknown)?);
            columns.event_types.push(event.event_type.clone());
            columns.event_versions.push(event.event_version.clone());
            columns.tenant_ids.push(tenant_of(&event.metadata));
            columns.payloads.push(event.payload.clone());
            columns.metadata.push(event.metadata.clone());
        }
        Ok(columns)
    }
}

/// Reads a row selected as (aggregate_type, aggregate_id, sequence, event_type,
/// event_version, payload, metadata).
fn serialized_event(row: &tokio_postgres::Row) -> Result<SerializedEvent, PersistenceError> {
    let sequence: i64 = row.get(2);
    Ok(SerializedEvent {
        aggregate_type: row.get(0),
        aggregate_id: row.get(1),
        sequence: usize::try_from(sequence).map_err(unknown)?,
        event_type: row.get(3),
        event_version: row.get(4),
        payload: row.get(5),
        metadata: row.get(6),
    })
}

fn tenant_of(metadata: &Value) -> Option<Uuid> {
    metadata
        .get("tenant_id")
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
}

/// Maps driver errors onto cqrs-es' categories: a second writer of the same aggregate
/// sequence is an optimistic-lock conflict, a lost connection is a connection error.
pub(super) fn classify(error: tokio_postgres::Error) -> PersistenceError {
    if let Some(db_error) = error.as_db_error() {
        if db_error.code() == &SqlState::UNIQUE_VIOLATION
            && db_error.constraint() == Some("events_aggregate_sequence")
        {
            return PersistenceError::OptimisticLockError;
        }
        return PersistenceError::UnknownError(Box::new(error));
    }
    PersistenceError::ConnectionError(Box::new(error))
}

fn pool_error(error: deadpool_postgres::PoolError) -> PersistenceError {
    PersistenceError::ConnectionError(Box::new(error))
}

fn unknown(error: impl std::error::Error + Send + Sync + 'static) -> PersistenceError {
    PersistenceError::UnknownError(Box::new(error))
}

impl PersistedEventRepository for PgEventRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.select(A::TYPE, aggregate_id, 0).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let after = i64::try_from(last_sequence).map_err(unknown)?;
        self.select(A::TYPE, aggregate_id, after).await
    }

    /// Aggregates are rebuilt from their events; their streams are short (a schedule's
    /// slots are bounded by its cadence), so no snapshots are kept.
    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        _snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if events.is_empty() {
            return Ok(());
        }
        self.append(events).await
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.select(A::TYPE, aggregate_id, 0).await?;
        Ok(replay(events).await)
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query(
                "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version,
                        payload, metadata
                 FROM events WHERE aggregate_type = $1 ORDER BY position",
                &[&A::TYPE],
            )
            .await
            .map_err(classify)?;
        let events = rows
            .iter()
            .map(serialized_event)
            .collect::<Result<Vec<_>, PersistenceError>>()?;
        Ok(replay(events).await)
    }
}

async fn replay(events: Vec<SerializedEvent>) -> ReplayStream {
    let (mut feed, stream) = ReplayStream::new(events.len().max(1));
    for event in events {
        // the queue holds every event, so pushing never waits for a reader
        if feed.push(Ok(event)).await.is_err() {
            break;
        }
    }
    stream
}
