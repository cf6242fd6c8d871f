//! One aggregate's stream read as it stood at a point: a version, or an instant. Replays
//! (`?as_of=`) fold it through the aggregate and the read-model projection.

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::feed::{stored_event, EVENT_COLUMNS};
use super::StoredEvent;
use crate::db::CachedStatements;

/// Where a replay of a stream stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamBound {
    /// At this aggregate version (sequence), inclusive.
    Version(i64),
    /// At the newest event recorded (`recorded_at`, the commit-time clock of the database)
    /// at or before this instant.
    RecordedAt(DateTime<Utc>),
}

/// The stream's events from its first up to `bound`, in sequence order, upcast like every
/// read of the log. A bound past the stream's end gives the whole stream; one before its
/// first event gives none.
pub async fn read_stream(
    client: &impl GenericClient,
    upcasters: &[Box<dyn EventUpcaster>],
    aggregate_type: &str,
    aggregate_id: &str,
    bound: StreamBound,
) -> Result<Vec<StoredEvent>, tokio_postgres::Error> {
    // By instant: every event up to the newest one recorded by then. A stream's events are
    // appended one after the other (each after its predecessor committed), so within a
    // stream `recorded_at` follows the sequence, and that is exactly what had been recorded.
    let rows = match bound {
        StreamBound::Version(version) => {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events
                 WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence <= $3
                 ORDER BY sequence"
            );
            client
                .query_cached(&sql, &[&aggregate_type, &aggregate_id, &version])
                .await?
        }
        StreamBound::RecordedAt(instant) => {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events
                 WHERE aggregate_type = $1 AND aggregate_id = $2
                   AND sequence <= (SELECT max(sequence) FROM events
                                    WHERE aggregate_type = $1 AND aggregate_id = $2
                                      AND recorded_at <= $3)
                 ORDER BY sequence"
            );
            client
                .query_cached(&sql, &[&aggregate_type, &aggregate_id, &instant])
                .await?
        }
    };
    Ok(rows
        .iter()
        .map(|row| stored_event(row, upcasters))
        .collect())
}

/// Whether the stream exists, and the tenant its first event was recorded for: `None` for
/// a stream with no events, `Some(None)` for one without a tenant (tokens).
pub async fn stream_tenant(
    client: &impl GenericClient,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<Option<Uuid>>, tokio_postgres::Error> {
    let row = client
        .query_cached(
            "SELECT tenant_id FROM events
             WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = 1",
            &[&aggregate_type, &aggregate_id],
        )
        .await?;
    Ok(row.first().map(|row| row.get(0)))
}
