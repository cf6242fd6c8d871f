//! `PgEventRepository`: the cqrs-es `PersistedEventRepository` on tokio-postgres.

use std::sync::Arc;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use deadpool_postgres::Pool;
use serde_json::Value;

use super::append::HashChain;
use super::chain::chain_hash;
use super::errors::{classify, pool_error, unknown};
use super::group_commit::GroupCommit;
use super::signal::AppendSignal;
use super::stream_heads::StreamHeads;
use crate::db::CachedStatements;

/// With the hash: the last one loaded is the predecessor of the command's next event.
const SELECT_EVENTS: &str = "
    SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata,
           hash
    FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3
    ORDER BY sequence";

/// Events of one aggregate type after a position, for `stream_all_events`, a page at a time.
const SELECT_TYPE_PAGE: &str = "
    SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
           metadata, position
    FROM events WHERE aggregate_type = $1 AND position > $2 ORDER BY position LIMIT $3";
const STREAM_PAGE: i64 = 500;

#[derive(Clone)]
pub struct PgEventRepository {
    pool: Pool,
    writer: GroupCommit,
    signal: AppendSignal,
    /// The last chain hash loaded or written in each stream (shared with the writer).
    heads: Arc<StreamHeads>,
}

impl PgEventRepository {
    /// A repository over `pool`. Clones share one group-commit writer; separately created
    /// repositories each have their own (correct either way, batching better when shared).
    /// Must be called inside a Tokio runtime: it starts the writer task.
    pub fn new(pool: Pool) -> Self {
        Self::with_chain(pool, HashChain::On)
    }

    /// A repository whose appends write the hash chain differently (see [`HashChain`]):
    /// only for the benchmark that measures what the chain costs.
    #[doc(hidden)]
    pub fn with_chain(pool: Pool, chain: HashChain) -> Self {
        let signal = AppendSignal::default();
        let heads = Arc::new(StreamHeads::default());
        Self {
            writer: GroupCommit::start(pool.clone(), signal.clone(), chain, heads.clone()),
            signal,
            heads,
            pool,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Commits made through this repository's writer (shared by its clones).
    pub fn appends(&self) -> &AppendSignal {
        &self.signal
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
        if let Some(last) = rows.last() {
            let hash = last.get::<_, Option<&[u8]>>(7).and_then(chain_hash);
            if let Some(hash) = hash {
                let sequence: i64 = last.get(2);
                self.heads
                    .record([(aggregate_type, aggregate_id, sequence, hash)]);
            }
        }
        rows.iter().map(serialized_event).collect()
    }

    async fn append(&self, events: &[SerializedEvent]) -> Result<(), PersistenceError> {
        self.writer.append(events.to_vec()).await
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

    /// Every event of the aggregate type, read a page at a time while the stream is
    /// consumed (never the whole type in memory); a slow reader holds no connection.
    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let (mut feed, stream) = ReplayStream::new(STREAM_PAGE as usize);
        let pool = self.pool.clone();
        let aggregate_type = A::TYPE;
        tokio::spawn(async move {
            let mut after = 0_i64;
            loop {
                let page = read_type_page(&pool, aggregate_type, after).await;
                let (events, last) = match page {
                    Ok(page) => page,
                    Err(error) => {
                        let _ = feed.push(Err(error)).await;
                        return;
                    }
                };
                let full = events.len() as i64 == STREAM_PAGE;
                for event in events {
                    if feed.push(Ok(event)).await.is_err() {
                        return; // the reader went away
                    }
                }
                match last {
                    Some(position) if full => after = position,
                    _ => return,
                }
            }
        });
        Ok(stream)
    }
}

async fn read_type_page(
    pool: &Pool,
    aggregate_type: &str,
    after: i64,
) -> Result<(Vec<SerializedEvent>, Option<i64>), PersistenceError> {
    let client = pool.get().await.map_err(pool_error)?;
    let rows = client
        .query_cached(SELECT_TYPE_PAGE, &[&aggregate_type, &after, &STREAM_PAGE])
        .await
        .map_err(classify)?;
    let last = rows.last().map(|row| row.get::<_, i64>(7));
    let events = rows
        .iter()
        .map(serialized_event)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((events, last))
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
