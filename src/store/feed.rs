//! The global feed: every event in position order, for consumers with a checkpoint
//! (projections, the run creator, webhooks, the audit API).

use chrono::{DateTime, Utc};
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use deadpool_postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::types::ToSql;
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

pub(super) const EVENT_COLUMNS: &str =
    "position, event_id, aggregate_type, aggregate_id, sequence, \
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
    /// The metadata's `actor`, exactly (a token id, `system:dispatcher` ...).
    pub actor: Option<String>,
    /// The metadata's `correlation_id`, exactly (a request id, a tick id ...).
    pub correlation_id: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
    /// At or before this position.
    pub to_position: Option<i64>,
}

/// A filtered read's SQL and its parameters: `$1` is `after`, `$2` the limit, then one per
/// filter that is set. Only set filters appear in the statement, so every combination is a
/// prepared statement of its own whose plan can use the matching index; one statement with
/// `$n IS NULL OR ...` for every filter would get a generic plan that walks the whole log
/// once PostgreSQL stops planning it per call.
struct FilteredQuery<'a> {
    conditions: String,
    params: Vec<&'a (dyn ToSql + Sync)>,
}

impl<'a> FilteredQuery<'a> {
    fn new(filter: &'a FeedFilter, after: &'a i64, limit: &'a i64) -> Self {
        let mut query = Self {
            conditions: "position > $1".to_owned(),
            params: vec![after, limit],
        };
        if let Some(tenants) = &filter.tenants {
            query.and("tenant_id = ANY($?)", tenants);
        }
        if let Some(tenant_id) = &filter.tenant_id {
            query.and("tenant_id = $?", tenant_id);
        }
        if let Some(aggregate_type) = &filter.aggregate_type {
            query.and("aggregate_type = $?", aggregate_type);
        }
        if let Some(aggregate_id) = &filter.aggregate_id {
            query.and("aggregate_id = $?", aggregate_id);
        }
        if let Some(event_type) = &filter.event_type {
            query.and("event_type = $?", event_type);
        }
        // spelt exactly as the expression indexes of migration 0009
        if let Some(actor) = &filter.actor {
            query.and("(metadata ->> 'actor') = $?", actor);
        }
        if let Some(correlation_id) = &filter.correlation_id {
            query.and("(metadata ->> 'correlation_id') = $?", correlation_id);
        }
        if let Some(from) = &filter.from {
            query.and("recorded_at >= $?", from);
        }
        if let Some(to) = &filter.to {
            query.and("recorded_at < $?", to);
        }
        if let Some(to_position) = &filter.to_position {
            query.and("position <= $?", to_position);
        }
        query
    }

    /// Adds `condition`, whose `$?` is the next parameter, `value`.
    fn and(&mut self, condition: &str, value: &'a (dyn ToSql + Sync)) {
        self.params.push(value);
        let placeholder = format!("${}", self.params.len());
        self.conditions.push_str(" AND ");
        self.conditions
            .push_str(&condition.replace("$?", &placeholder));
    }

    fn sql(&self, columns: &str) -> String {
        format!(
            "SELECT {columns} FROM events WHERE {} ORDER BY position LIMIT $2",
            self.conditions
        )
    }
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
    let query = FilteredQuery::new(filter, &after, &limit);
    let rows = client
        .query_cached(&query.sql(EVENT_COLUMNS), &query.params)
        .await?;
    Ok(rows
        .iter()
        .map(|row| stored_event(row, upcasters))
        .collect())
}

/// The plan PostgreSQL makes for [`read_filtered`] with these arguments (`EXPLAIN`, one line
/// per row): for operators checking that a filter is served by an index, and for the test
/// that makes sure of it.
pub async fn explain_filtered(
    client: &impl GenericClient,
    filter: &FeedFilter,
    after: i64,
    limit: i64,
) -> Result<String, tokio_postgres::Error> {
    let query = FilteredQuery::new(filter, &after, &limit);
    let sql = format!("EXPLAIN {}", query.sql(EVENT_COLUMNS));
    let rows = client.query(&sql, &query.params).await?;
    Ok(rows
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n"))
}

pub(super) fn stored_event(
    row: &tokio_postgres::Row,
    upcasters: &[Box<dyn EventUpcaster>],
) -> StoredEvent {
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
