//! A checkpointed consumer of the global feed. Each batch is applied and its checkpoint
//! advanced in one transaction, so a crash between the two is impossible: a restarted
//! consumer resumes exactly where the last committed batch ended and applies nothing twice.

use crate::db::CachedStatements;
use std::future::Future;

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;
use deadpool_postgres::Transaction;

use crate::store::{read_all, upcasters, FeedCursor, StoredEvent};

#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("appending events failed: {0}")]
    Append(String),
    /// Its effects are events (reactions) or carry state no event holds (notifications'
    /// read marks): a rebuild would repeat or lose them.
    #[error("{0} cannot be rebuilt: its effects are more than a read model of the log")]
    NotRebuildable(&'static str),
    #[error("a command failed: {0}")]
    Command(String),
    /// A reaction raced another writer of the same aggregate; the batch is retried.
    #[error("another writer changed an aggregate this batch reacts on")]
    Conflict,
    #[error("event at position {position} ({event_type}) cannot be read: {source}")]
    Payload {
        position: i64,
        event_type: String,
        source: serde_json::Error,
    },
}

/// What a consumer does with each event, inside the batch's transaction.
pub trait EventHandler: Send + Sync {
    fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> impl Future<Output = Result<(), ConsumerError>> + Send;

    /// Handles one batch, in feed order. Handlers that can do a batch in one statement
    /// (the run creator appends all its runs at once) override this.
    fn handle_batch(
        &self,
        transaction: &Transaction<'_>,
        events: &[StoredEvent],
    ) -> impl Future<Output = Result<(), ConsumerError>> + Send {
        async move {
            for event in events {
                self.handle(transaction, event).await?;
            }
            Ok(())
        }
    }

    /// Empties everything the handler wrote, for a rebuild from the start of the feed.
    fn reset(
        &self,
        transaction: &Transaction<'_>,
    ) -> impl Future<Output = Result<(), ConsumerError>> + Send;
}

/// How often a batch that raced another writer is tried at once before the error counts.
const CONFLICT_RETRIES: usize = 5;

pub struct Consumer<H> {
    name: &'static str,
    handler: H,
    batch_size: i64,
    upcasters: Vec<Box<dyn EventUpcaster>>,
    /// The consumer whose checkpoint this one never passes (see `following`).
    leader: Option<&'static str>,
    /// Whether its handler appends events (see `reacting`).
    reacts: bool,
}

/// Events a reacting consumer appended in one batch: in reaction to events after `after`,
/// the last of them at `appended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaction {
    pub after: FeedCursor,
    pub appended: FeedCursor,
}

impl<H: EventHandler> Consumer<H> {
    pub fn new(name: &'static str, handler: H) -> Self {
        Self {
            name,
            handler,
            batch_size: 500,
            upcasters: upcasters(),
            leader: None,
            reacts: false,
        }
    }

    /// For a handler that appends events in reaction (the run creator, the run recorder,
    /// retention): [`Consumer::catch_up_reporting`] then says where those went. Feed order
    /// puts a reaction after what it reacts to, but a reader's horizon can fall between
    /// the two, so "past the event" does not mean "past its reaction".
    pub fn reacting(mut self) -> Self {
        self.reacts = true;
        self
    }

    /// Reads and applies up to `batch_size` events per transaction (500 unless set).
    pub fn with_batch_size(mut self, batch_size: i64) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Applies no event past `leader`'s checkpoint. For a consumer that reads a read model
    /// another consumer keeps (the notifier reads tokens and runs): every event before the
    /// one it handles is then in that read model, however the two are scheduled.
    pub fn following(mut self, leader: &'static str) -> Self {
        self.leader = Some(leader);
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Applies every event committed so far (below the feed's horizon); returns where in
    /// the feed it has applied up to.
    pub async fn catch_up(&self, pool: &Pool) -> Result<FeedCursor, ConsumerError> {
        self.catch_up_reporting(pool, &mut Vec::new()).await
    }

    /// [`Consumer::catch_up`], adding to `reactions` what each batch appended (for a
    /// `reacting` consumer).
    pub async fn catch_up_reporting(
        &self,
        pool: &Pool,
        reactions: &mut Vec<Reaction>,
    ) -> Result<FeedCursor, ConsumerError> {
        loop {
            let batch = self.apply_one_batch_retrying(pool).await?;
            reactions.extend(batch.reaction);
            if batch.applied < self.batch_size as usize {
                return Ok(batch.checkpoint);
            }
        }
    }

    /// A batch whose reaction raced another writer is rolled back whole and decided again
    /// at once (against the newer state), rather than waiting for the failure back-off.
    async fn apply_one_batch_retrying(&self, pool: &Pool) -> Result<Batch, ConsumerError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.apply_one_batch(pool).await {
                Err(ConsumerError::Conflict) if attempt < CONFLICT_RETRIES => {
                    tracing::debug!(
                        consumer = self.name,
                        attempt,
                        "batch raced a writer; retrying"
                    );
                }
                result => return result,
            }
        }
    }

    /// Applies one batch.
    async fn apply_one_batch(&self, pool: &Pool) -> Result<Batch, ConsumerError> {
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        // The lock makes concurrent catch-ups (the background loop, other instances) take
        // turns; the second one reads the checkpoint the first committed.
        let checkpoint = lock_checkpoint(&transaction, self.name).await?;
        let mut events =
            read_all(&transaction, &self.upcasters, checkpoint, self.batch_size).await?;
        if let Some(leader) = self.leader {
            let bound = checkpoint_of(&transaction, leader).await?;
            events.retain(|event| event.cursor() <= bound);
        }
        let Some(last) = events.last().map(StoredEvent::cursor) else {
            return Ok(Batch {
                applied: 0,
                checkpoint,
                reaction: None,
            });
        };
        self.handler.handle_batch(&transaction, &events).await?;
        let reaction = if self.reacts {
            appended_here(&transaction).await?.map(|appended| Reaction {
                after: checkpoint,
                appended,
            })
        } else {
            None
        };
        save_checkpoint(&transaction, self.name, last).await?;
        transaction.commit().await?;
        Ok(Batch {
            applied: events.len(),
            checkpoint: last,
            reaction,
        })
    }

    /// Rebuilds from the start of the feed in one transaction: readers keep seeing the old state
    /// until the new one is complete.
    pub async fn rebuild(&self, pool: &Pool) -> Result<usize, ConsumerError> {
        let mut client = pool.get().await?;
        let transaction = client.transaction().await?;
        lock_checkpoint(&transaction, self.name).await?;
        self.handler.reset(&transaction).await?;
        let mut cursor = FeedCursor::START;
        let mut total = 0;
        loop {
            let events = read_all(&transaction, &self.upcasters, cursor, self.batch_size).await?;
            self.handler.handle_batch(&transaction, &events).await?;
            total += events.len();
            match events.last() {
                Some(last) => cursor = last.cursor(),
                None => break,
            }
        }
        save_checkpoint(&transaction, self.name, cursor).await?;
        transaction.commit().await?;
        Ok(total)
    }
}

/// What one batch did.
struct Batch {
    applied: usize,
    /// The checkpoint after it.
    checkpoint: FeedCursor,
    reaction: Option<Reaction>,
}

/// Advisory locks of consumers are `(CONSUMER_LOCKS, hashtext(name))`: the two-key form,
/// a key space apart from the service's single-key locks.
const CONSUMER_LOCKS: i32 = 0x7470;

/// Takes the consumer's lock and reads its checkpoint. An advisory lock, not a row lock:
/// a row lock would give the transaction its id now, and a transaction holding an id holds
/// back the feed's horizon for every reader while it reads and applies; this way it takes
/// one only when it writes.
async fn lock_checkpoint(
    transaction: &Transaction<'_>,
    name: &str,
) -> Result<FeedCursor, tokio_postgres::Error> {
    transaction
        .execute_cached(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&CONSUMER_LOCKS, &name],
        )
        .await?;
    let rows = transaction
        .query_cached(
            "SELECT transaction_id, position FROM consumer_checkpoints WHERE name = $1",
            &[&name],
        )
        .await?;
    if let Some(row) = rows.first() {
        return Ok(FeedCursor::from_row(row, 0));
    }
    transaction
        .execute_cached(
            "INSERT INTO consumer_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
            &[&name],
        )
        .await?;
    Ok(FeedCursor::START)
}

/// The last event this transaction appended, if any.
async fn appended_here(
    transaction: &Transaction<'_>,
) -> Result<Option<FeedCursor>, tokio_postgres::Error> {
    let row = transaction
        .query_one_cached(
            "SELECT t.id, (SELECT max(position) FROM events WHERE transaction_id = t.id)
             FROM (SELECT pg_current_xact_id_if_assigned()::text::bigint AS id) t",
            &[],
        )
        .await?;
    Ok(match (row.get(0), row.get(1)) {
        (Some(transaction_id), Some(position)) => Some(FeedCursor::new(transaction_id, position)),
        _ => None,
    })
}

/// Another consumer's committed checkpoint (the start before it first ran).
async fn checkpoint_of(
    transaction: &Transaction<'_>,
    name: &str,
) -> Result<FeedCursor, tokio_postgres::Error> {
    let rows = transaction
        .query_cached(
            "SELECT transaction_id, position FROM consumer_checkpoints WHERE name = $1",
            &[&name],
        )
        .await?;
    Ok(rows
        .first()
        .map_or(FeedCursor::START, |row| FeedCursor::from_row(row, 0)))
}

async fn save_checkpoint(
    transaction: &Transaction<'_>,
    name: &str,
    cursor: FeedCursor,
) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached(
            "UPDATE consumer_checkpoints SET transaction_id = $2, position = $3,
                 updated_at = now()
             WHERE name = $1",
            &[&name, &cursor.transaction_id, &cursor.position],
        )
        .await?;
    Ok(())
}

/// Reads an event's payload as the typed event of its aggregate.
pub fn payload<T: serde::de::DeserializeOwned>(event: &StoredEvent) -> Result<T, ConsumerError> {
    serde_json::from_value(event.payload.clone()).map_err(|source| unreadable(event, source))
}

/// The error for an event whose JSON cannot be read or written as its typed form.
pub fn unreadable(event: &StoredEvent, source: serde_json::Error) -> ConsumerError {
    ConsumerError::Payload {
        position: event.position,
        event_type: event.event_type.clone(),
        source,
    }
}
