//! The digest of the global log: every event's stored hash folded in feed order
//! (`store::FeedCursor`: the writing transaction's id, then position),
//!
//! ```text
//! D_0 = 32 zero bytes
//! D_n = SHA-256( D_(n-1) || hash of the n-th event in feed order )
//! ```
//!
//! with the count n and the place of the n-th event. Anchors record it; verification
//! recomputes it. It covers what the per-stream chain does not: the global order, and
//! events missing from the end of the log.

use sha2::{Digest, Sha256};

use crate::store::{ChainHash, FeedCursor};

/// The fold after the event at `cursor`, the `count`-th of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogDigest {
    pub cursor: FeedCursor,
    pub digest: ChainHash,
    pub count: i64,
}

impl LogDigest {
    /// Before the first event.
    pub const EMPTY: Self = Self {
        cursor: FeedCursor::START,
        digest: [0; 32],
        count: 0,
    };

    /// Adds the event at `cursor` with stored hash `hash`.
    pub fn fold(&mut self, cursor: FeedCursor, hash: &ChainHash) {
        let mut hasher = Sha256::new();
        hasher.update(self.digest);
        hasher.update(hash);
        self.digest = hasher.finalize().into();
        self.count += 1;
        self.cursor = cursor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fold_is_sha256_of_the_digest_and_the_next_hash() {
        let mut log = LogDigest::EMPTY;
        log.fold(FeedCursor::new(40, 3), &[1; 32]);
        log.fold(FeedCursor::new(41, 7), &[2; 32]);
        let first: [u8; 32] = Sha256::digest([[0_u8; 32], [1; 32]].concat()).into();
        let second: [u8; 32] = Sha256::digest([first, [2; 32]].concat()).into();
        assert_eq!(
            log,
            LogDigest {
                cursor: FeedCursor::new(41, 7),
                digest: second,
                count: 2
            }
        );
    }

    #[test]
    fn order_matters() {
        let (mut ab, mut ba) = (LogDigest::EMPTY, LogDigest::EMPTY);
        ab.fold(FeedCursor::new(40, 1), &[1; 32]);
        ab.fold(FeedCursor::new(40, 2), &[2; 32]);
        ba.fold(FeedCursor::new(40, 1), &[2; 32]);
        ba.fold(FeedCursor::new(40, 2), &[1; 32]);
        assert_ne!(ab.digest, ba.digest);
    }
}
