//! The chain hash of the last event a writer committed in each stream. The next event of a
//! stream chains to it, and the writer that appended the last one usually appends the next
//! too (one process, or the same process as last time): then its predecessor's hash is
//! known without asking the database, and the chain adds no statement to the append.
//! A miss (another process wrote the predecessor, or it was evicted) reads it.
//!
//! Only committed hashes are recorded, and a committed event never changes: an entry is
//! never stale. (A hash changed in the database behind the service's back is not followed;
//! verification reports that change either way.)

use std::collections::HashMap;

use super::chain::ChainHash;

/// Streams remembered at most; beyond, the memory starts over (about 100 bytes a stream).
const CAPACITY: usize = 100_000;

/// aggregate type -> aggregate id -> (sequence, hash): looked up by `&str` without
/// allocating.
#[derive(Debug, Default)]
pub(super) struct StreamHeads {
    heads: HashMap<String, HashMap<String, (i64, ChainHash)>>,
    streams: usize,
}

impl StreamHeads {
    /// The hash of `sequence` of the stream, if it is the last one this writer committed.
    pub(super) fn get(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
    ) -> Option<ChainHash> {
        self.heads
            .get(aggregate_type)?
            .get(aggregate_id)
            .filter(|(last, _)| *last == sequence)
            .map(|(_, hash)| *hash)
    }

    /// Records committed events: `(aggregate_type, aggregate_id, sequence, hash)`.
    pub(super) fn record<'a>(
        &mut self,
        committed: impl IntoIterator<Item = (&'a str, &'a str, i64, ChainHash)>,
    ) {
        for (aggregate_type, aggregate_id, sequence, hash) in committed {
            if self.streams >= CAPACITY {
                self.heads.clear();
                self.streams = 0;
            }
            let of_type = self.heads.entry(aggregate_type.to_owned()).or_default();
            match of_type.get_mut(aggregate_id) {
                Some(head) if head.0 <= sequence => *head = (sequence, hash),
                Some(_) => {}
                None => {
                    of_type.insert(aggregate_id.to_owned(), (sequence, hash));
                    self.streams += 1;
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
        let mut heads = StreamHeads::default();
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
