//! Tamper evidence for the event log: anchors (the head of the log's digest, recorded at
//! intervals) and verification of the hash chain and the anchors. What each event's hash
//! covers is in `crate::store` (`chain.rs`); README "Tamper evidence" says it for auditors.

mod anchor;
mod digest;
mod report;
mod verify;

pub use anchor::{latest_anchor, record_anchor, run_anchoring, Anchor};
pub use digest::LogDigest;
pub use report::{AnchorCheck, BrokenReason, VerificationReport, VerificationStatus};
pub use verify::verify;

/// Taken (for a transaction) by verification and by anchoring, so that no anchor is
/// recorded while a verification runs: every anchor is then either seen by a run or lies
/// at or beyond the position that run stores, where the next run checks it.
const AUDIT_LOCK: i64 = 0x7465_6e61_6e74_0003;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// An anchor folds the stored hashes; one is missing (verification reports where).
    #[error("the event at position {0} has no hash: run `tenantpilot audit verify --full`")]
    Unhashed(i64),
}
