//! Payload fields that neither an aggregate deciding a command nor any consumer of the feed
//! reads, left out of those two reads. They are large (a restore's plan items, the requests
//! each restored item sent): a 2,000-item restore re-read every request body sent before
//! each item it recorded, and each consumer batch held hundreds of them parsed at once. The
//! audit API, the exports and the hash chain read the events whole.

/// (aggregate type, event type, field) of every unread field.
fn unread() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let restore = <crate::domain::restore::Restore as cqrs_es::Aggregate>::TYPE;
    crate::domain::restore::UNREAD_FIELDS
        .iter()
        .map(move |(event_type, field)| (restore, *event_type, *field))
}

/// The unread fields as three parallel arrays, the parameters of [`payload_without`].
pub(super) struct UnreadFields {
    pub aggregate_types: Vec<&'static str>,
    pub event_types: Vec<&'static str>,
    pub fields: Vec<&'static str>,
}

pub(super) fn unread_fields() -> UnreadFields {
    let mut unread_fields = UnreadFields {
        aggregate_types: Vec::new(),
        event_types: Vec::new(),
        fields: Vec::new(),
    };
    for (aggregate_type, event_type, field) in unread() {
        unread_fields.aggregate_types.push(aggregate_type);
        unread_fields.event_types.push(event_type);
        unread_fields.fields.push(field);
    }
    unread_fields
}

/// The `payload` column of `events` (aliased `alias`) without its unread fields; `$n`,
/// `$n+1`, `$n+2` are the three arrays of [`unread_fields`].
pub(super) fn payload_without(alias: &str, n: usize) -> String {
    format!(
        "{alias}.payload - ARRAY(SELECT u.field
             FROM unnest(${n}::text[], ${}::text[], ${}::text[]) AS u(aggregate_type, event_type, field)
             WHERE u.aggregate_type = {alias}.aggregate_type AND u.event_type = {alias}.event_type)",
        n + 1,
        n + 2
    )
}
