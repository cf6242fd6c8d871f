//! Hashes for the events written before the hash chain existed (migration 0008 adds the
//! column empty). Run after the migrations, under their lock, on every start: in position
//! order, so a stream's predecessor is always hashed before its successor; each batch is
//! one UPDATE, the only kind the immutability trigger lets through (setting a missing
//! hash, nothing else). Once done it costs one probe of an empty partial index.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use super::chain::{event_hash, ChainHash, GENESIS};
use super::chain_rows::read_unhashed_rows;
use super::linking::{stored_hashes, StreamKey};
use crate::db::CachedStatements;

const BATCH: i64 = 1_000;

const SET_HASHES: &str = "
    UPDATE events SET hash = given.hash
    FROM unnest($1::int8[], $2::bytea[]) AS given(position, hash)
    WHERE events.position = given.position AND events.hash IS NULL";

/// Hashes every stored event that has no hash yet; returns how many it hashed. An event
/// whose stream predecessor is missing or could not be hashed is left without a hash and
/// logged: verification reports it.
pub async fn backfill_hashes(client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let mut after = 0;
    let mut hashed = 0;
    loop {
        let rows = read_unhashed_rows(client, after, BATCH).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.position;
        let outside: Vec<StreamKey<'_>> = rows
            .iter()
            .filter(|row| row.sequence > 1)
            .map(|row| {
                (
                    row.aggregate_type.as_str(),
                    row.aggregate_id.as_str(),
                    row.sequence - 1,
                )
            })
            .collect();
        let stored = stored_hashes(client, &outside).await?;
        let mut computed: HashMap<StreamKey<'_>, ChainHash> = HashMap::new();
        let (mut positions, mut hashes) = (Vec::new(), Vec::new());
        for row in &rows {
            let previous = if row.sequence <= 1 {
                Some(GENESIS)
            } else {
                let key = (
                    row.aggregate_type.as_str(),
                    row.aggregate_id.as_str(),
                    row.sequence - 1,
                );
                computed
                    .get(&key)
                    .copied()
                    .or_else(|| stored.get(&key).copied().flatten())
            };
            let Some(previous) = previous else {
                tracing::warn!(
                    position = row.position,
                    aggregate_type = %row.aggregate_type,
                    aggregate_id = %row.aggregate_id,
                    sequence = row.sequence,
                    "a legacy event's stream predecessor is missing or has no hash: left unhashed"
                );
                continue;
            };
            let hash = event_hash(&previous, &row.hashed());
            computed.insert(
                (
                    row.aggregate_type.as_str(),
                    row.aggregate_id.as_str(),
                    row.sequence,
                ),
                hash,
            );
            positions.push(row.position);
            hashes.push(hash.to_vec());
        }
        hashed += client
            .execute_cached(SET_HASHES, &[&positions, &hashes])
            .await?;
    }
    if hashed > 0 {
        tracing::info!(
            events = hashed,
            "hashed events written before the hash chain"
        );
    }
    Ok(hashed)
}
