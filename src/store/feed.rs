//! The global feed: every event in feed order, for consumers with a checkpoint
//! (projections, the run creator, webhooks, the audit API).
//!
//! Appends take no global lock, so positions (handed out at insert) can commit out of
//! order. The feed is therefore read in the order of the writing transaction's id, then
//! of position ([`FeedCursor`]), and only below the *horizon* (`feed_horizon()`, migration
//! 0013): the oldest transaction of this database still running in the reader's own
//! snapshot (or the reader's own; those of other databases, listed by a statement just
//! before, do not count). Every transaction below it has ended, and any
//! transaction that writes later gets a larger id, so the events below the horizon are
//! final: nothing can still appear before a reader's checkpoint. The price is that a
//! transaction left open holds every reader back until it ends, which
//! `tenantpilot_feed_horizon_age_seconds` in `/metrics` shows.

use chrono::{DateTime, Utc};
use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use deadpool_postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::cursor::FeedCursor;
use super::unread::{payload_without, unread_fields};
use super::upcasting::upcast;
use crate::db::CachedStatements;

/// One stored event with its place in the feed, already upcast to the current schema.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub position: i64,
    /// The id of the transaction that wrote it (0 for events from before, see [`FeedCursor`]).
    pub transaction_id: i64,
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
    /// Its place in the feed.
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor::new(self.transaction_id, self.position)
    }

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
     event_type, event_version, tenant_id, payload, metadata, recorded_at, transaction_id";

/// The feed's horizon, as a condition on `events` whose parameter `$n` is what
/// [`elsewhere`] answered just before: written by a transaction that had ended when the
/// statement's snapshot was taken (`pg_current_snapshot()` is the statement's own snapshot,
/// so what it calls ended is also what the statement sees). A subquery, so it is computed
/// once per statement, not per row.
pub(super) fn below_horizon(n: usize) -> String {
    format!("transaction_id < (SELECT feed_horizon(${n}))")
}

/// The transactions running in other databases of the server (`feed_elsewhere()`, migration
/// 0013), asked for in a statement of its own before each read of the feed.
pub(super) async fn elsewhere(
    client: &impl GenericClient,
) -> Result<Vec<i64>, tokio_postgres::Error> {
    Ok(client
        .query_one_cached("SELECT feed_elsewhere()", &[])
        .await?
        .get(0))
}

/// [`EVENT_COLUMNS`] with the payload of a consumer's read (`store::unread`: `$5`-`$7`).
fn consumed_columns() -> &'static str {
    static COLUMNS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLUMNS.get_or_init(|| {
        EVENT_COLUMNS.replace(
            " payload,",
            &format!(" {} AS payload,", payload_without("events", 5)),
        )
    })
}

/// Up to `limit` events after `after`, in feed order, below the horizon, without the payload
/// fields no consumer reads.
pub async fn read_all(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    after: FeedCursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {} FROM events
         WHERE (transaction_id, position) > ($1, $2) AND {}
         ORDER BY transaction_id, position LIMIT $3",
        consumed_columns(),
        below_horizon(4)
    );
    let elsewhere = elsewhere(client).await?;
    let unread = unread_fields();
    let rows = client
        .query_cached(
            &sql,
            &[
                &after.transaction_id,
                &after.position,
                &limit,
                &elsewhere,
                &unread.aggregate_types,
                &unread.event_types,
                &unread.fields,
            ],
        )
        .await?;
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
    /// At or before this place in the feed.
    pub through: Option<FeedCursor>,
}

/// A filtered read's SQL and its parameters: `$1` and `$2` are `after`, `$3` the limit, `$4`
/// the transactions elsewhere (the horizon's), then one per filter that is set (a cursor
/// bound is two). Only set filters appear in the statement, so every combination is a
/// prepared statement of its own whose plan can use the matching index; one statement with
/// `$n IS NULL OR ...` for every filter would get a generic plan that walks the whole log
/// once PostgreSQL stops planning it per call.
struct FilteredQuery<'a> {
    conditions: String,
    params: Vec<&'a (dyn ToSql + Sync)>,
}

impl<'a> FilteredQuery<'a> {
    fn new(
        filter: &'a FeedFilter,
        after: &'a FeedCursor,
        limit: &'a i64,
        elsewhere: &'a Vec<i64>,
    ) -> Self {
        let mut query = Self {
            conditions: format!(
                "(transaction_id, position) > ($1, $2) AND {}",
                below_horizon(4)
            ),
            params: vec![&after.transaction_id, &after.position, limit, elsewhere],
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
        if let Some(through) = &filter.through {
            query.params.push(&through.transaction_id);
            query.and("(transaction_id, position) <= ($?, $?)", &through.position);
        }
        query
    }

    /// Adds `condition`, whose last `$?` is the next parameter, `value`, and whose `$?`
    /// before it (if any) are the parameters pushed just before, in order.
    fn and(&mut self, condition: &str, value: &'a (dyn ToSql + Sync)) {
        self.params.push(value);
        let placeholders = condition.matches("$?").count();
        let mut numbered = condition.to_owned();
        for index in (self.params.len() + 1 - placeholders)..=self.params.len() {
            numbered = numbered.replacen("$?", &format!("${index}"), 1);
        }
        self.conditions.push_str(" AND ");
        self.conditions.push_str(&numbered);
    }

    fn sql(&self, columns: &str) -> String {
        format!(
            "SELECT {columns} FROM events WHERE {} ORDER BY transaction_id, position LIMIT $3",
            self.conditions
        )
    }
}

/// Up to `limit` events after `after` that pass `filter`, in feed order and below the
/// horizon, upcast like every other read of the feed.
pub async fn read_filtered(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    filter: &FeedFilter,
    after: FeedCursor,
    limit: i64,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    let elsewhere = elsewhere(client).await?;
    let query = FilteredQuery::new(filter, &after, &limit, &elsewhere);
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
    after: FeedCursor,
    limit: i64,
) -> Result<String, tokio_postgres::Error> {
    let elsewhere = elsewhere(client).await?;
    let query = FilteredQuery::new(filter, &after, &limit, &elsewhere);
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
        transaction_id: row.get(11),
    }
    .upcast(upcasters)
}

/// The last event below the horizon ([`FeedCursor::START`] for none yet): every event up to
/// it is final, so a range that ends there (an export, an audit anchor) stays complete.
pub async fn feed_head(client: &impl GenericClient) -> Result<FeedCursor, tokio_postgres::Error> {
    let sql = format!(
        "SELECT transaction_id, position FROM events WHERE {}
         ORDER BY transaction_id DESC, position DESC LIMIT 1",
        below_horizon(1)
    );
    let elsewhere = elsewhere(client).await?;
    let rows = client.query_cached(&sql, &[&elsewhere]).await?;
    Ok(rows
        .first()
        .map_or(FeedCursor::START, |row| FeedCursor::from_row(row, 0)))
}

/// The last event committed so far, horizon or not: a reader that has passed it has every
/// event committed before this call.
pub async fn latest_committed(
    client: &impl GenericClient,
) -> Result<FeedCursor, tokio_postgres::Error> {
    let rows = client
        .query_cached(
            "SELECT transaction_id, position FROM events
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(rows
        .first()
        .map_or(FeedCursor::START, |row| FeedCursor::from_row(row, 0)))
}

/// The place in the feed that `position` names (0: the start): the event's own place when
/// an event has it; otherwise where it would be, just before the first event with a larger
/// position (after every event when there is none), so any position is a place.
pub async fn cursor_at(
    client: &impl GenericClient,
    position: i64,
) -> Result<FeedCursor, tokio_postgres::Error> {
    if position <= 0 {
        return Ok(FeedCursor::START);
    }
    let rows = client
        .query_cached(
            "SELECT transaction_id FROM events WHERE position >= $1 ORDER BY position LIMIT 1",
            &[&position],
        )
        .await?;
    let transaction_id = rows.first().map_or(i64::MAX, |row| row.get(0));
    Ok(FeedCursor::new(transaction_id, position))
}
