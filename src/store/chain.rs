//! The hash chain that makes the event log tamper-evident. Every event's `hash` chains it
//! to the previous event of its own aggregate stream:
//!
//! ```text
//! hash(event) = SHA-256( previous || body(event) )
//! previous    = the stored hash of the stream's event with sequence - 1,
//!               or 32 zero bytes for sequence 1
//! body(event) = field("tenantpilot.event.v1")
//!               || field(event_id)        lower-case hyphenated UUID
//!               || field(aggregate_type)
//!               || field(aggregate_id)
//!               || field(sequence)        decimal, no sign or leading zeros
//!               || field(event_type)
//!               || field(event_version)
//!               || field(tenant_id)       lower-case hyphenated UUID, empty when NULL
//!               || field(payload)         PostgreSQL's text of the jsonb (payload::text)
//!               || field(metadata)        PostgreSQL's text of the jsonb (metadata::text)
//! field(text) = the UTF-8 bytes' length as 4 bytes big-endian || the UTF-8 bytes
//! ```
//!
//! Per stream rather than over the global log: a stream's predecessor is already
//! serialised by the `(aggregate_type, aggregate_id, sequence)` uniqueness, so the chain
//! adds no serial point to appends (a global chain would need one, and appends are meant
//! to lose the global lock). The global order is covered by the anchors' digest instead
//! (`crate::audit`). `position` and `recorded_at` are given by the database during the
//! insert and are not hashed: the metadata's `timestamp` (when the command was decided) is.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A SHA-256 chain hash.
pub type ChainHash = [u8; 32];

/// The predecessor of a stream's first event.
pub const GENESIS: ChainHash = [0; 32];

/// Names the canonical form; a new form would get a new label.
const FORM: &str = "tenantpilot.event.v1";

/// The stored columns an event's hash covers, as text (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct HashedEvent<'a> {
    pub event_id: Uuid,
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub sequence: i64,
    pub event_type: &'a str,
    pub event_version: &'a str,
    pub tenant_id: Option<Uuid>,
    /// `payload::text`: PostgreSQL's text of the stored jsonb.
    pub payload: &'a str,
    /// `metadata::text`.
    pub metadata: &'a str,
}

/// The hash of `event` chained to `previous` (its stream predecessor's hash, or
/// [`GENESIS`]).
pub fn event_hash(previous: &ChainHash, event: &HashedEvent<'_>) -> ChainHash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    field(&mut hasher, FORM.as_bytes());
    let mut uuid = Uuid::encode_buffer();
    field(
        &mut hasher,
        event
            .event_id
            .hyphenated()
            .encode_lower(&mut uuid)
            .as_bytes(),
    );
    field(&mut hasher, event.aggregate_type.as_bytes());
    field(&mut hasher, event.aggregate_id.as_bytes());
    field(&mut hasher, event.sequence.to_string().as_bytes());
    field(&mut hasher, event.event_type.as_bytes());
    field(&mut hasher, event.event_version.as_bytes());
    match event.tenant_id {
        Some(tenant) => field(
            &mut hasher,
            tenant.hyphenated().encode_lower(&mut uuid).as_bytes(),
        ),
        None => field(&mut hasher, b""),
    }
    field(&mut hasher, event.payload.as_bytes());
    field(&mut hasher, event.metadata.as_bytes());
    hasher.finalize().into()
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    // an event field is far below 4 GiB (PostgreSQL caps a value at 1 GB)
    let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    hasher.update(length.to_be_bytes());
    hasher.update(bytes);
}

/// A hash read from the database, if it has the right length.
pub fn chain_hash(bytes: &[u8]) -> Option<ChainHash> {
    bytes.try_into().ok()
}

/// Lower-case hex, as hashes and digests are shown.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(payload: &'a str, tenant_id: Option<Uuid>) -> HashedEvent<'a> {
        HashedEvent {
            event_id: Uuid::parse_str("0192f0c5-4e5f-7a6b-9c7d-3e4f5a6b7c8d").unwrap(),
            aggregate_type: "schedule",
            aggregate_id: "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
            sequence: 3,
            event_type: "ScheduleDisabled",
            event_version: "1",
            tenant_id,
            payload,
            metadata: r#"{"actor": "ci"}"#,
        }
    }

    /// The form, spelt out byte by byte as README's "Tamper evidence" describes it: an
    /// auditor's reimplementation must agree with this.
    #[test]
    fn the_hash_is_sha256_over_the_predecessor_and_length_prefixed_fields() {
        let tenant = Uuid::parse_str("0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f").unwrap();
        let event = sample(r#"{"type": "ScheduleDisabled"}"#, Some(tenant));
        let mut expected = Vec::new();
        expected.extend_from_slice(&[7; 32]);
        for text in [
            "tenantpilot.event.v1",
            "0192f0c5-4e5f-7a6b-9c7d-3e4f5a6b7c8d",
            "schedule",
            "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
            "3",
            "ScheduleDisabled",
            "1",
            "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
            r#"{"type": "ScheduleDisabled"}"#,
            r#"{"actor": "ci"}"#,
        ] {
            expected.extend_from_slice(&(text.len() as u32).to_be_bytes());
            expected.extend_from_slice(text.as_bytes());
        }
        let direct: ChainHash = Sha256::digest(&expected).into();
        assert_eq!(event_hash(&[7; 32], &event), direct);
    }

    #[test]
    fn every_input_changes_the_hash() {
        let base = sample("{}", None);
        let hash = event_hash(&GENESIS, &base);
        assert_ne!(event_hash(&[1; 32], &base), hash, "the predecessor");
        assert_ne!(
            event_hash(&GENESIS, &sample("{} ", None)),
            hash,
            "the payload"
        );
        assert_ne!(
            event_hash(&GENESIS, &sample("{}", Some(Uuid::nil()))),
            hash,
            "the tenant"
        );
        let moved = HashedEvent {
            sequence: 4,
            ..base
        };
        assert_ne!(event_hash(&GENESIS, &moved), hash, "the sequence");
        // length prefixes: moving a character from one field to the next is a change
        let shifted = HashedEvent {
            aggregate_type: "schedul",
            aggregate_id: "e0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
            ..base
        };
        assert_ne!(event_hash(&GENESIS, &shifted), hash, "the field boundary");
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0, 10, 255]), "000aff");
        assert_eq!(hex(&GENESIS).len(), 64);
    }
}
