//! The chain hashes of one append, computed before its insert: events of the same stream
//! within the append chain to each other in memory, predecessors the writer committed
//! itself are known (`StreamHeads`), the others are read in one query (outside the append
//! lock: they committed before the command that follows them was decided).

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use super::chain::{chain_hash, event_hash, ChainHash, HashedEvent, GENESIS};
use super::stream_heads::StreamHeads;
use crate::db::CachedStatements;

/// The stored hash of each `(aggregate_type, aggregate_id, sequence)` asked for; the
/// ordinal (from 1) says which. A row without a hash comes back as NULL, a missing row not
/// at all. The lateral subquery with `LIMIT` keeps the plan an index probe per key even
/// when the statement was prepared on an empty table (a join planned then stays a hash
/// join over a sequential scan of the whole log as it grows).
const SELECT_PREDECESSORS: &str = "
    SELECT wanted.ordinal, found.hash
    FROM unnest($1::text[], $2::text[], $3::int8[])
         WITH ORDINALITY AS wanted(aggregate_type, aggregate_id, sequence, ordinal)
    CROSS JOIN LATERAL (
        SELECT events.hash FROM events
        WHERE events.aggregate_type = wanted.aggregate_type
          AND events.aggregate_id = wanted.aggregate_id
          AND events.sequence = wanted.sequence
        LIMIT 1) found";

/// Why an append's hashes cannot be computed: the chain it would extend is not intact.
#[derive(Debug, thiserror::Error)]
pub enum BrokenPredecessor {
    #[error("{aggregate_type} {aggregate_id}: sequence {sequence} is not stored, so sequence {next} cannot chain to it")]
    Missing {
        aggregate_type: String,
        aggregate_id: String,
        sequence: i64,
        next: i64,
    },
    #[error("{aggregate_type} {aggregate_id}: sequence {sequence} has no hash (written before the hash chain and not backfilled yet)")]
    Unhashed {
        aggregate_type: String,
        aggregate_id: String,
        sequence: i64,
    },
}

/// Errors of [`hashes`]: the lookup failed, or the chain is broken.
#[derive(Debug, thiserror::Error)]
pub(super) enum LinkError {
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Broken(#[from] BrokenPredecessor),
}

/// `(aggregate_type, aggregate_id, sequence)`: one event of one stream.
pub(crate) type StreamKey<'a> = (&'a str, &'a str, i64);

fn key<'a>(event: &HashedEvent<'a>) -> StreamKey<'a> {
    (event.aggregate_type, event.aggregate_id, event.sequence)
}

/// The hash of every event of an append, in their order.
pub(super) async fn hashes(
    client: &impl GenericClient,
    events: &[HashedEvent<'_>],
    heads: Option<&StreamHeads>,
) -> Result<Vec<ChainHash>, LinkError> {
    let known = |(aggregate_type, aggregate_id, sequence): StreamKey<'_>| {
        heads.and_then(|heads| heads.get(aggregate_type, aggregate_id, sequence))
    };
    let in_append: HashMap<StreamKey<'_>, usize> = events
        .iter()
        .enumerate()
        .map(|(index, event)| (key(event), index))
        .collect();
    let outside: Vec<StreamKey<'_>> = events
        .iter()
        .filter(|event| event.sequence > 1)
        .map(|event| {
            let (aggregate_type, aggregate_id, sequence) = key(event);
            (aggregate_type, aggregate_id, sequence - 1)
        })
        .filter(|previous| !in_append.contains_key(previous) && known(*previous).is_none())
        .collect();
    let stored = stored_hashes(client, &outside).await?;

    let mut hashes = vec![GENESIS; events.len()];
    // a predecessor has the smaller sequence: hashing in sequence order, it is done first
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&index| events[index].sequence);
    for index in order {
        let event = &events[index];
        let previous = if event.sequence <= 1 {
            GENESIS
        } else {
            let wanted = (event.aggregate_type, event.aggregate_id, event.sequence - 1);
            match in_append.get(&wanted) {
                Some(&earlier) => hashes[earlier],
                None => match known(wanted)
                    .map(Some)
                    .or_else(|| stored.get(&wanted).copied())
                {
                    Some(Some(hash)) => hash,
                    Some(None) => {
                        return Err(BrokenPredecessor::Unhashed {
                            aggregate_type: wanted.0.to_owned(),
                            aggregate_id: wanted.1.to_owned(),
                            sequence: wanted.2,
                        }
                        .into())
                    }
                    None => {
                        return Err(BrokenPredecessor::Missing {
                            aggregate_type: wanted.0.to_owned(),
                            aggregate_id: wanted.1.to_owned(),
                            sequence: wanted.2,
                            next: event.sequence,
                        }
                        .into())
                    }
                },
            }
        };
        hashes[index] = event_hash(&previous, event);
    }
    Ok(hashes)
}

/// The stored hashes of `keys` (`None` inside: the row has none); absent keys are not
/// stored. One query for all of them, none when there are none.
pub(crate) async fn stored_hashes<'a>(
    client: &impl GenericClient,
    keys: &[StreamKey<'a>],
) -> Result<HashMap<StreamKey<'a>, Option<ChainHash>>, tokio_postgres::Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let types: Vec<&str> = keys.iter().map(|key| key.0).collect();
    let ids: Vec<&str> = keys.iter().map(|key| key.1).collect();
    let sequences: Vec<i64> = keys.iter().map(|key| key.2).collect();
    let rows = client
        .query_cached(SELECT_PREDECESSORS, &[&types, &ids, &sequences])
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let ordinal: i64 = row.get(0);
            let index = usize::try_from(ordinal - 1).ok()?;
            let hash = row.get::<_, Option<&[u8]>>(1).and_then(chain_hash);
            keys.get(index).map(|key| (*key, hash))
        })
        .collect())
}
