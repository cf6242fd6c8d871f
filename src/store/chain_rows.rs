//! Stored events as the hash chain sees them: the hashed columns as text, exactly as
//! PostgreSQL prints them, and the stored hash. Read by the legacy backfill and by
//! verification (`crate::audit`), never upcast: the chain covers what is stored.

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::chain::HashedEvent;
use super::cursor::FeedCursor;
use super::feed::{below_horizon, elsewhere};

/// One stored event with what its hash covers.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub position: i64,
    /// The writing transaction's id: with the position, the event's place in the feed.
    pub transaction_id: i64,
    pub event_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub tenant_id: Option<Uuid>,
    /// `payload::text`.
    pub payload: String,
    /// `metadata::text`.
    pub metadata: String,
    /// The stored hash (NULL: none).
    pub hash: Option<Vec<u8>>,
}

impl ChainRow {
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor::new(self.transaction_id, self.position)
    }

    pub fn hashed(&self) -> HashedEvent<'_> {
        HashedEvent {
            event_id: self.event_id,
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            event_version: &self.event_version,
            tenant_id: self.tenant_id,
            payload: &self.payload,
            metadata: &self.metadata,
        }
    }
}

const COLUMNS: &str = "position, event_id, aggregate_type, aggregate_id, sequence, event_type, \
     event_version, tenant_id, payload::text, metadata::text, hash, transaction_id";

/// Up to `limit` events after `after`, in feed order and below its horizon (what is there
/// is final, see `feed`). Planned for the values given each time (not a statement prepared once per connection): a plan made while the
/// log was small would stay a sequential scan as it grows, and a full verification reads it
/// all in batches.
pub async fn read_chain_rows(
    client: &impl GenericClient,
    after: FeedCursor,
    limit: i64,
) -> Result<Vec<ChainRow>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events
         WHERE (transaction_id, position) > ($1, $2) AND {}
         ORDER BY transaction_id, position LIMIT $3",
        below_horizon(4)
    );
    let elsewhere = elsewhere(client).await?;
    let rows = client
        .query(
            &sql,
            &[&after.transaction_id, &after.position, &limit, &elsewhere],
        )
        .await?;
    Ok(rows.iter().map(chain_row).collect())
}

/// Up to `limit` events without a hash after position `after`, in position order (from the
/// partial index `events_unhashed`: cheap when there are none). Planned each time too.
pub(super) async fn read_unhashed_rows(
    client: &impl GenericClient,
    after: i64,
    limit: i64,
) -> Result<Vec<ChainRow>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE hash IS NULL AND position > $1 \
         ORDER BY position LIMIT $2"
    );
    let rows = client.query(&sql, &[&after, &limit]).await?;
    Ok(rows.iter().map(chain_row).collect())
}

fn chain_row(row: &tokio_postgres::Row) -> ChainRow {
    ChainRow {
        position: row.get(0),
        event_id: row.get(1),
        aggregate_type: row.get(2),
        aggregate_id: row.get(3),
        sequence: row.get(4),
        event_type: row.get(5),
        event_version: row.get(6),
        tenant_id: row.get(7),
        payload: row.get(8),
        metadata: row.get(9),
        hash: row.get(10),
        transaction_id: row.get(11),
    }
}
