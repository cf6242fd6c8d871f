//! The digest of the global log: every event's stored hash folded in position order,
//!
//! ```text
//! D_0 = 32 zero bytes
//! D_n = SHA-256( D_(n-1) || hash of the n-th event in position order )
//! ```
//!
//! with the count n and the position of the n-th event. Anchors record it; verification
//! recomputes it. It covers what the per-stream chain does not: the global order, and
//! events missing from the end of the log.

use sha2::{Digest, Sha256};

use crate::store::ChainHash;

/// The fold after the event at `position`, the `count`-th of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogDigest {
    pub position: i64,
    pub digest: ChainHash,
    pub count: i64,
}

impl LogDigest {
    /// Before the first event.
    pub const EMPTY: Self = Self {
        position: 0,
        digest: [0; 32],
        count: 0,
    };

    /// Adds the event at `position` with stored hash `hash`.
    pub fn fold(&mut self, position: i64, hash: &ChainHash) {
        let mut hasher = Sha256::new();
        hasher.update(self.digest);
        hasher.update(hash);
        self.digest = hasher.finalize().into();
        self.count += 1;
        self.position = position;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fold_is_sha256_of_the_digest_and_the_next_hash() {
        let mut log = LogDigest::EMPTY;
        log.fold(3, &[1; 32]);
        log.fold(7, &[2; 32]);
        let first: [u8; 32] = Sha256::digest([[0_u8; 32], [1; 32]].concat()).into();
        let second: [u8; 32] = Sha256::digest([first, [2; 32]].concat()).into();
        assert_eq!(
            log,
            LogDigest {
                position: 7,
                digest: second,
                count: 2
            }
        );
    }

    #[test]
    fn order_matters() {
        let (mut ab, mut ba) = (LogDigest::EMPTY, LogDigest::EMPTY);
        ab.fold(1, &[1; 32]);
        ab.fold(2, &[2; 32]);
        ba.fold(1, &[2; 32]);
        ba.fold(2, &[1; 32]);
        assert_ne!(ab.digest, ba.digest);
    }
}
