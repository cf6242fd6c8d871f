//! The global feed: every event in position order, for consumers with a checkpoint
//! (projections, the run creator, webhooks, the audit API).

use chrono::{DateTime, Utc};
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use deadpool_postgres::GenericClient;
use serde_json::Value;
use uuid::Uuid;

use super::upcasting::upcast;
use crate::db::CachedStatements;

/// One stored event with its global position, already upcast to the current schema.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub position: i64,
    pub event_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub tenant_id: Option<Uuid>,
    pub payload: Value,
    pub metadata: Value,
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// When the command behind the event was decided (the injected clock), falling back to
    /// the database's commit time for events written without one.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        super::metadata::occurred_at(&self.metadata).unwrap_or(self.recorded_at)
    }

    fn upcast(self, upcasters: &[Box<dyn EventUpcaster>]) -> Self {
        if upcasters.is_empty() {
            return self;
        }
        let serialized = SerializedEvent::new(
            self.aggregate_id,
            usize::try_from(self.sequence).unwrap_or_default(),
            self.aggregate_type,
            self.event_type,
            self.event_version,
            self.payload,
            self.metadata,
        );
        let current = upcast(upcasters, serialized);
        Self {
            aggregate_id: current.aggregate_id,
            aggregate_type: current.aggregate_type,
            event_type: current.event_type,
            event_version: current.event_version,
            payload: current.payload,
            metadata: current.metadata,
            ..self
        }
    }
}

const EVENT_COLUMNS: &str = "position, event_id, aggregate_type, aggregate_id, sequence, \
     event_type, event_version, tenant_id, payload, metadata, recorded_at";

/// Up to `limit` events with a position greater than `after`, in position order.
pub async fn read_all(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
    );
    let rows = client.query_cached(&sql, &[&after, &limit]).await?;
    Ok(rows
        .iter()
        .map(|row| stored_event(row, upcasters))
        .collect())
}

/// Which events a filtered read of the feed returns (the audit API's filters); `None`
/// everywhere is the whole feed.
#[derive(Debug, Default, Clone)]
pub struct FeedFilter {
    /// Only events of these tenants (a token's scope); `None`: every event.
    pub tenants: Option<Vec<Uuid>>,
    pub tenant_id: Option<Uuid>,
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

/// Up to `limit` events after `after` that pass `filter`, in position order, upcast like
/// every other read of the feed.
pub async fn read_filtered(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    filter: &FeedFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events
         WHERE position > $1
           AND ($3::uuid[] IS NULL OR tenant_id = ANY($3))
           AND ($4::uuid IS NULL OR tenant_id = $4)
           AND ($5::text IS NULL OR aggregate_type = $5)
           AND ($6::text IS NULL OR aggregate_id = $6)
           AND ($7::text IS NULL OR event_type = $7)
           AND ($8::timestamptz IS NULL OR recorded_at >= $8)
           AND ($9::timestamptz IS NULL OR recorded_at < $9)
         ORDER BY position LIMIT $2"
    );
    let rows = client
        .query_cached(
            &sql,
            &[
                &after,
                &limit,
                &filter.tenants,
                &filter.tenant_id,
                &filter.aggregate_type,
                &filter.aggregate_id,
                &filter.event_type,
                &filter.from,
                &filter.to,
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| stored_event(row, upcasters))
        .collect())
}

fn stored_event(row: &tokio_postgres::Row, upcasters: &[Box<dyn EventUpcaster>]) -> StoredEvent {
    StoredEvent {
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
        recorded_at: row.get(10),
    }
    .upcast(upcasters)
}

/// The highest position written so far (0 for an empty store), from the position index.
pub async fn latest_position(client: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    let row = client
        .query_one_cached(
            "SELECT coalesce((SELECT position FROM events ORDER BY position DESC LIMIT 1), 0)",
            &[],
        )
        .await?;
    Ok(row.get(0))
}
