//! The chain hash of the last event known in each stream: the events a repository's writer
//! committed, and the last event of every stream its commands loaded. The next event of a
//! stream chains to it, and a command appends right after loading its aggregate (or after
//! this writer appended the previous event): then its predecessor's hash is known without
//! asking the database, and the chain adds no statement to the append. A miss (a blind
//! append after another process wrote, or an evicted stream) reads it.
//!
//! Only committed hashes are recorded (loaded rows are committed ones), and a committed
//! event never changes: an entry is never stale. (A hash changed in the database behind
//! the service's back is not followed; verification reports that change either way.)

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::chain::ChainHash;

/// Streams remembered at most; beyond, the memory starts over (about 100 bytes a stream).
const CAPACITY: usize = 100_000;

/// Shared by a repository's loads and its writer; every use is a short lookup or insert
/// (never held across an await).
#[derive(Debug, Default)]
pub(super) struct StreamHeads {
    inner: Mutex<Heads>,
}

/// aggregate type -> aggregate id -> (sequence, hash): looked up by `&str` without
/// allocating.
#[derive(Debug, Default)]
struct Heads {
    streams: HashMap<String, HashMap<String, (i64, ChainHash)>>,
    count: usize,
}

impl StreamHeads {
    /// The hash of `sequence` of the stream, if it is the last one known.
    pub(super) fn get(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
    ) -> Option<ChainHash> {
        let heads = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        heads
            .streams
            .get(aggregate_type)?
            .get(aggregate_id)
            .filter(|(last, _)| *last == sequence)
            .map(|(_, hash)| *hash)
    }

    /// Records committed events: `(aggregate_type, aggregate_id, sequence, hash)`.
    pub(super) fn record<'a>(
        &self,
        committed: impl IntoIterator<Item = (&'a str, &'a str, i64, ChainHash)>,
    ) {
        let mut heads = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for (aggregate_type, aggregate_id, sequence, hash) in committed {
            if heads.count >= CAPACITY {
                heads.streams.clear();
                heads.count = 0;
            }
            let of_type = heads.streams.entry(aggregate_type.to_owned()).or_default();
            match of_type.get_mut(aggregate_id) {
                Some(head) if head.0 <= sequence => *head = (sequence, hash),
                Some(_) => {}
                None => {
                    of_type.insert(aggregate_id.to_owned(), (sequence, hash));
                    heads.count += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_committed_event_of_a_stream_is_known() {
        let heads = StreamHeads::default();
        heads.record([("schedule", "a", 1, [1; 32]), ("schedule", "a", 2, [2; 32])]);
        heads.record([("schedule", "b", 5, [5; 32])]);
        assert_eq!(heads.get("schedule", "a", 2), Some([2; 32]));
        assert_eq!(heads.get("schedule", "a", 1), None, "not the head any more");
        assert_eq!(heads.get("schedule", "b", 5), Some([5; 32]));
        assert_eq!(
            heads.get("run", "b", 5),
            None,
            "streams are per aggregate type"
        );
        // an older event recorded late does not replace the head
        heads.record([("schedule", "b", 4, [4; 32])]);
        assert_eq!(heads.get("schedule", "b", 5), Some([5; 32]));
    }
}
