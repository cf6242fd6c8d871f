//! What a verification found, as the CLI prints it and the API answers it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::anchor::Anchor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Every event checked has its hash, and every anchor passed matches the log.
    Ok,
    /// See `reason` and `first_broken_position`.
    Broken,
}

/// Why the log does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BrokenReason {
    /// The event's stored hash is not the hash of its stored columns chained to its stream
    /// predecessor's stored hash: this event was changed (or, when it is intact, its
    /// predecessor was changed and given a recomputed hash).
    HashMismatch,
    /// The event has no hash (or not 32 bytes).
    MissingHash,
    /// The event's stream predecessor (sequence - 1) is not stored, or has no hash.
    MissingPredecessor,
    /// The log up to an anchor's position no longer has the anchor's event count and
    /// digest: events before it were deleted, added or reordered, or the anchor was changed.
    AnchorMismatch,
    /// Incremental runs only: the events up to the last verified position are no longer as
    /// many as when they were verified (deleted). `--full` / `full=true` finds where.
    VerifiedPrefixChanged,
}

/// An anchor compared with the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AnchorCheck {
    #[serde(flatten)]
    pub anchor: Anchor,
    /// The log's digest through the anchor's position, as verification computed it (hex).
    pub found_digest: String,
    /// Events through the anchor's position, as verification counted them.
    pub found_event_count: i64,
    pub matches: bool,
}

/// The outcome of `tenantpilot audit verify` and `GET /api/v1/audit/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "status": "broken", "full": false, "started_after_position": 1200,
    "verified_through_position": 1336, "events_checked": 136, "event_count": 1323,
    "digest": "9a0be4c2d1f3e5a7b9c8d6e4f2a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e0f2a4",
    "first_broken_position": 1337, "reason": "hash_mismatch",
    "detail": "the stored hash of schedule 0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a sequence 4 does not match its content",
    "anchors_checked": 0, "last_anchor": null, "verified_at": "2026-11-27T09:00:00Z"
}))]
pub struct VerificationReport {
    pub status: VerificationStatus,
    /// Whether this run started from the beginning of the log (else: after the position
    /// the last successful run stored).
    pub full: bool,
    /// This run checked the events after this position.
    pub started_after_position: i64,
    /// Every event up to this position was checked and found intact (when broken: up to
    /// just before the break).
    pub verified_through_position: i64,
    /// Events this run checked.
    pub events_checked: i64,
    /// Events in the log up to `verified_through_position`.
    pub event_count: i64,
    /// The log's digest through `verified_through_position` (hex): equal to an anchor's
    /// digest at that position.
    pub digest: String,
    /// The position where the log stops verifying; null when ok.
    pub first_broken_position: Option<i64>,
    /// Null when ok.
    pub reason: Option<BrokenReason>,
    /// What was found, in words; null when ok.
    pub detail: Option<String>,
    /// Anchors this run compared with the log.
    pub anchors_checked: i64,
    /// The last anchor compared (with `reason` `anchor_mismatch`: the one that failed).
    pub last_anchor: Option<AnchorCheck>,
    /// When this run ended; stored as the new verified position only when ok.
    pub verified_at: DateTime<Utc>,
}

impl VerificationReport {
    pub fn is_ok(&self) -> bool {
        self.status == VerificationStatus::Ok
    }
}
