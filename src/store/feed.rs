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

/// Up to `limit` events with a position greater than `after`, in position order.
pub async fn read_all(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    let rows = client
        .query_cached(
            "SELECT position, event_id, aggregate_type, aggregate_id, sequence, event_type,
                    event_version, tenant_id, payload, metadata, recorded_at
             FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            &[&after, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
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
        })
        .collect())
}

/// The highest position written so far (0 for an empty store).
pub async fn latest_position(client: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT coalesce(max(position), 0) FROM events", &[])
        .await?;
    Ok(row.get(0))
}
