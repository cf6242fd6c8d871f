//! Group commit. Each commit pays an fsync; under concurrency that caps one writer's
//! throughput at the disk's commit rate. Here every append of a process goes through one
//! task, which writes whatever appends are waiting as a single transaction: one commit,
//! many appends. Nothing waits
//! to form a batch (a lone append is written at once), and an append is acknowledged only
//! after its batch committed. A batch without cross-aggregate rules is a single insert
//! statement, committed on its own without `BEGIN`/`COMMIT` (`append::append_alone`).
//!
//! If a batch fails (an optimistic-lock or uniqueness conflict in one of its appends, or a
//! database error), each of its appends is written again on its own, so each caller gets
//! exactly the answer it would have got alone.

use std::sync::Arc;

use cqrs_es::persist::{PersistenceError, SerializedEvent};
use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use super::append::{append_alone, append_with, HashChain};
use super::cursor::FeedCursor;
use super::errors::{classify, classify_commit, pool_error};
use super::signal::AppendSignal;
use super::stream_heads::StreamHeads;

/// Events per batch at most: bounds one transaction's size.
const MAX_BATCH_EVENTS: usize = 2_000;
/// Appends waiting for the writer at most; callers beyond it wait to enqueue.
const QUEUE_CAPACITY: usize = 4_096;

#[derive(Clone)]
pub(super) struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

struct Pending {
    events: Vec<SerializedEvent>,
    done: oneshot::Sender<Result<(), PersistenceError>>,
}

impl GroupCommit {
    /// Starts the writer task; it ends when the last handle is dropped. Every commit is
    /// announced on `signal`.
    pub(super) fn start(
        pool: Pool,
        signal: AppendSignal,
        chain: HashChain,
        heads: Arc<StreamHeads>,
    ) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let writer = Writer {
            pool,
            signal,
            chain,
            heads,
        };
        tokio::spawn(write_batches(writer, receiver));
        Self { queue }
    }

    pub(super) async fn append(
        &self,
        events: Vec<SerializedEvent>,
    ) -> Result<(), PersistenceError> {
        let (done, result) = oneshot::channel();
        self.queue
            .send(Pending { events, done })
            .await
            .map_err(|_| writer_gone())?;
        result.await.map_err(|_| writer_gone())?
    }
}

fn writer_gone() -> PersistenceError {
    PersistenceError::ConnectionError("the event writer has stopped".into())
}

/// What the writer task writes with.
struct Writer {
    pool: Pool,
    signal: AppendSignal,
    chain: HashChain,
    /// The last chain hash known in each stream (shared with the repository's loads).
    heads: Arc<StreamHeads>,
}

async fn write_batches(writer: Writer, mut queue: mpsc::Receiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut size = first.events.len();
        let mut batch = vec![first];
        while size < MAX_BATCH_EVENTS {
            match queue.try_recv() {
                Ok(pending) => {
                    size += pending.events.len();
                    batch.push(pending);
                }
                Err(_) => break,
            }
        }
        write_batch(&writer, batch).await;
    }
}

async fn write_batch(writer: &Writer, batch: Vec<Pending>) {
    if batch.len() > 1 {
        let all: Vec<SerializedEvent> = batch
            .iter()
            .flat_map(|pending| pending.events.iter().cloned())
            .collect();
        match write(writer, &all).await {
            Ok(cursor) => {
                writer.signal.committed(cursor);
                for pending in batch {
                    let _ = pending.done.send(Ok(()));
                }
                return;
            }
            // one append spoiled the batch: each alone gets its own answer
            Err(error) => {
                tracing::debug!(appends = batch.len(), %error, "batch refused; writing its appends one by one")
            }
        }
    }
    for pending in batch {
        let result = write(writer, &pending.events).await.map(|cursor| {
            writer.signal.committed(cursor);
        });
        let _ = pending.done.send(result);
    }
}

/// One transaction for `events`; returns the last one's place in the feed.
async fn write(
    writer: &Writer,
    events: &[SerializedEvent],
) -> Result<FeedCursor, PersistenceError> {
    let mut client = writer.pool.get().await.map_err(pool_error)?;
    let heads = (writer.chain == HashChain::On).then_some(&*writer.heads);
    let appended = match append_alone(&client, events, writer.chain, heads).await? {
        Some(appended) => appended,
        None => {
            let transaction = client.transaction().await.map_err(classify)?;
            let appended = append_with(&transaction, events, writer.chain, heads).await?;
            transaction.commit().await.map_err(classify_commit)?;
            appended
        }
    };
    if let Some(hashes) = appended.hashes {
        writer
            .heads
            .record(events.iter().zip(hashes).filter_map(|(event, hash)| {
                let sequence = i64::try_from(event.sequence).ok()?;
                Some((
                    event.aggregate_type.as_str(),
                    event.aggregate_id.as_str(),
                    sequence,
                    hash,
                ))
            }));
    }
    Ok(appended.cursor)
}
