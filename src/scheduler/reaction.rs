//! What consumers that react to events with new events share: the metadata they carry
//! over, and how an event they cannot read is treated.

use crate::store::StoredEvent;

/// The correlation id a reaction inherits (empty when the cause had none: it is optional).
pub fn correlation_of(event: &StoredEvent) -> String {
    event
        .metadata
        .get("correlation_id")
        .and_then(|value| value.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("event:{}", event.event_id))
}

/// An event a reaction cannot be built from (an id that is no UUID, missing tenant
/// metadata). Stored events are immutable, so retrying would fail forever: it is logged,
/// once, as the consumer passes it, and nothing is made up in its place.
pub fn malformed(event: &StoredEvent, reason: &str) {
    tracing::error!(
        event.position = event.position,
        event.id = %event.event_id,
        event.event_type = %event.event_type,
        reason,
        "event skipped: no reaction can be built from it"
    );
}
