//! The one way events enter the log: inside a transaction, the cross-aggregate rules the
//! events call for (claims, retired secrets), then the insert, each event with its chain
//! hash (`super::chain`) and its transaction's id, which orders the feed (`super::feed`).
//! No global lock: concurrent appenders commit (and fsync) in parallel.
//! Both the group-commit writer and consumers that react with events (inside their
//! checkpoint transaction) go through [`append_in_transaction`].

use cqrs_es::persist::{PersistenceError, SerializedEvent};
use deadpool_postgres::{GenericClient, Transaction};
use serde_json::Value;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::chain::{ChainHash, HashedEvent};
use super::claims;
use super::cursor::FeedCursor;
use super::errors::{classify, classify_commit, unknown};
use super::jsonb_text::jsonb_text;
use super::linking::{self, LinkError};
use super::stream_heads::StreamHeads;
use crate::domain::tenant::{SecretRetirement, TenantEvent};
use crate::domain::uniqueness::claim_changes;
use crate::secrets::rows::{self, Retire};
use crate::secrets::SealedKind;

/// Whether an append writes the hash chain. The service always does (`On`); the others
/// exist only so the event-store benchmark can measure what the chain costs.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashChain {
    On,
    /// The chain, but every predecessor read from the database, as when another process
    /// wrote it (the writer's `StreamHeads` unused).
    ReadEveryPredecessor,
    /// No hash (the database must have `events_hash_present` dropped).
    Off,
}

const INSERT_EVENTS: &str = "
    INSERT INTO events (event_id, aggregate_type, aggregate_id, sequence, event_type,
                        event_version, tenant_id, payload, metadata, hash)
    SELECT e.event_id, e.aggregate_type, e.aggregate_id, e.sequence, e.event_type,
           e.event_version, e.tenant_id, e.payload, e.metadata, e.hash
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[],
                $7::uuid[], $8::jsonb[], $9::jsonb[], $10::bytea[])
         WITH ORDINALITY AS e(event_id, aggregate_type, aggregate_id, sequence, event_type,
                              event_version, tenant_id, payload, metadata, hash, ordinal)
    ORDER BY e.ordinal
    RETURNING transaction_id, position";

/// Appends events inside the caller's transaction: their uniqueness claims and secret
/// retirements, then the events. Returns the last one's place in the feed (the start when
/// there was nothing to append); readers reach it once the caller commits.
pub async fn append_in_transaction(
    transaction: &Transaction<'_>,
    events: &[SerializedEvent],
) -> Result<FeedCursor, PersistenceError> {
    let appended = append_with(transaction, events, HashChain::On, None).await?;
    Ok(appended.cursor)
}

/// What an append gave its events.
pub(super) struct Appended {
    /// The last event's place in the feed ([`FeedCursor::START`]: nothing appended).
    pub cursor: FeedCursor,
    /// Each event's chain hash, in order (none without the chain).
    pub hashes: Option<Vec<ChainHash>>,
}

/// [`append_in_transaction`], with the hash chain or (benchmarks only) without; `heads`
/// are the stream heads the caller's writer committed before (it records this append's
/// after its commit).
pub(super) async fn append_with(
    transaction: &Transaction<'_>,
    events: &[SerializedEvent],
    chain: HashChain,
    heads: Option<&StreamHeads>,
) -> Result<Appended, PersistenceError> {
    if events.is_empty() {
        return Ok(Appended {
            cursor: FeedCursor::START,
            hashes: None,
        });
    }
    let rows = EventColumns::from_events(events)?;
    // Predecessors the writer does not know are read while the claims are written: both
    // are sent at once on the connection.
    let (claimed, hashes) = futures_util::future::join(
        apply_rules(transaction, events),
        chain_hashes(transaction, &rows, chain, heads),
    )
    .await;
    claimed?;
    let hashes = hashes?;
    let cursor = insert(transaction, &rows, hashes.as_deref())
        .await
        .map_err(classify)?;
    Ok(Appended { cursor, hashes })
}

/// An append without cross-aggregate rules (no uniqueness claim, no secret to retire) is a
/// single statement: the insert, with its trigger, is atomic on its own, so it needs no
/// explicit transaction and costs one round trip instead of three (`BEGIN`, insert,
/// `COMMIT`). Returns `None`, having done nothing, for an append that has rules: it needs
/// [`append_with`] in a transaction.
pub(super) async fn append_alone(
    client: &impl GenericClient,
    events: &[SerializedEvent],
    chain: HashChain,
    heads: Option<&StreamHeads>,
) -> Result<Option<Appended>, PersistenceError> {
    if events.is_empty() || events.iter().any(has_rules) {
        return Ok(None);
    }
    let rows = EventColumns::from_events(events)?;
    let hashes = chain_hashes(client, &rows, chain, heads).await?;
    // the statement is its own commit: a connection lost meanwhile leaves it unknown
    let cursor = insert(client, &rows, hashes.as_deref())
        .await
        .map_err(classify_commit)?;
    Ok(Some(Appended { cursor, hashes }))
}

/// Whether `event` calls for claims or secret retirements (or cannot be checked: the
/// transactional path then refuses it with the reason).
fn has_rules(event: &SerializedEvent) -> bool {
    event.aggregate_type == "tenant"
        || claim_changes(event).map_or(true, |changes| !changes.is_empty())
}

/// The insert of `rows` with their hashes; the last event's place in the feed.
async fn insert(
    client: &impl GenericClient,
    rows: &EventColumns,
    hashes: Option<&[ChainHash]>,
) -> Result<FeedCursor, tokio_postgres::Error> {
    let statement = client.prepare_cached(INSERT_EVENTS).await?;
    let hash_column: Vec<Option<&[u8]>> = match hashes {
        Some(hashes) => hashes.iter().map(|hash| Some(&hash[..])).collect(),
        None => vec![None; rows.event_ids.len()],
    };
    let params: [&(dyn ToSql + Sync); 10] = [
        &rows.event_ids,
        &rows.aggregate_types,
        &rows.aggregate_ids,
        &rows.sequences,
        &rows.event_types,
        &rows.event_versions,
        &rows.tenant_ids,
        &rows.payloads,
        &rows.metadata,
        &hash_column,
    ];
    let inserted = client.query(&statement, &params).await?;
    Ok(inserted
        .iter()
        .map(|row| FeedCursor::from_row(row, 0))
        .max()
        .unwrap_or(FeedCursor::START))
}

/// The claims and secret retirements the events call for, in their order.
async fn apply_rules(
    transaction: &Transaction<'_>,
    events: &[SerializedEvent],
) -> Result<(), PersistenceError> {
    for event in events {
        let changes = claim_changes(event).map_err(|error| {
            tracing::error!(%error, "an event was refused before it was stored");
            unknown(error)
        })?;
        for change in changes {
            claims::apply(transaction, &change).await?;
        }
        retire_secrets(transaction, event).await?;
    }
    Ok(())
}

/// Each event's chain hash (`None` without the chain).
async fn chain_hashes(
    client: &impl GenericClient,
    rows: &EventColumns,
    chain: HashChain,
    heads: Option<&StreamHeads>,
) -> Result<Option<Vec<ChainHash>>, PersistenceError> {
    if chain == HashChain::Off {
        return Ok(None);
    }
    // the texts PostgreSQL will print for the stored jsonb: what a verifier reads back
    let payloads: Vec<String> = rows.payloads.iter().map(jsonb_text).collect();
    let metadata: Vec<String> = rows.metadata.iter().map(jsonb_text).collect();
    let hashed: Vec<HashedEvent<'_>> = (0..rows.event_ids.len())
        .map(|index| HashedEvent {
            event_id: rows.event_ids[index],
            aggregate_type: &rows.aggregate_types[index],
            aggregate_id: &rows.aggregate_ids[index],
            sequence: rows.sequences[index],
            event_type: &rows.event_types[index],
            event_version: &rows.event_versions[index],
            tenant_id: rows.tenant_ids[index],
            payload: &payloads[index],
            metadata: &metadata[index],
        })
        .collect();
    match linking::hashes(client, &hashed, heads).await {
        Ok(hashes) => Ok(Some(hashes)),
        Err(LinkError::Database(error)) => Err(classify(error)),
        Err(LinkError::Broken(broken)) => {
            tracing::error!(error = %broken, "an append cannot extend its stream's hash chain");
            Err(unknown(broken))
        }
    }
}

/// Deletes the sealed secrets a tenant event lets go, in the event's own transaction: if
/// the event is not stored, the secret stays; once it is, the secret is gone.
async fn retire_secrets(
    transaction: &Transaction<'_>,
    event: &SerializedEvent,
) -> Result<(), PersistenceError> {
    if event.aggregate_type != "tenant" {
        return Ok(());
    }
    let (Ok(tenant_event), Ok(tenant_id)) = (
        serde_json::from_value::<TenantEvent>(event.payload.clone()),
        Uuid::parse_str(&event.aggregate_id),
    ) else {
        return Ok(());
    };
    let deleted = match tenant_event.retired_secrets(tenant_id) {
        None => return Ok(()),
        Some(SecretRetirement::One(secret_id)) => {
            rows::retire(
                transaction,
                SealedKind::TenantSecret,
                tenant_id,
                Retire::One(secret_id),
            )
            .await
        }
        Some(SecretRetirement::AllOfTenant(tenant_id)) => {
            rows::retire(
                transaction,
                SealedKind::TenantSecret,
                tenant_id,
                Retire::All,
            )
            .await
        }
    };
    deleted.map(|_| ()).map_err(classify)
}

/// The events of one append, as column arrays for a single `INSERT ... SELECT FROM unnest`.
struct EventColumns {
    event_ids: Vec<Uuid>,
    aggregate_types: Vec<String>,
    aggregate_ids: Vec<String>,
    sequences: Vec<i64>,
    event_types: Vec<String>,
    event_versions: Vec<String>,
    tenant_ids: Vec<Option<Uuid>>,
    payloads: Vec<Value>,
    metadata: Vec<Value>,
}

impl EventColumns {
    fn from_events(events: &[SerializedEvent]) -> Result<Self, PersistenceError> {
        let mut columns = Self {
            event_ids: Vec::with_capacity(events.len()),
            aggregate_types: Vec::with_capacity(events.len()),
            aggregate_ids: Vec::with_capacity(events.len()),
            sequences: Vec::with_capacity(events.len()),
            event_types: Vec::with_capacity(events.len()),
            event_versions: Vec::with_capacity(events.len()),
            tenant_ids: Vec::with_capacity(events.len()),
            payloads: Vec::with_capacity(events.len()),
            metadata: Vec::with_capacity(events.len()),
        };
        for event in events {
            columns.event_ids.push(Uuid::now_v7());
            columns.aggregate_types.push(event.aggregate_type.clone());
            columns.aggregate_ids.push(event.aggregate_id.clone());
            columns
                .sequences
                .push(i64::try_from(event.sequence).map_err(unknown)?);
            columns.event_types.push(event.event_type.clone());
            columns.event_versions.push(event.event_version.clone());
            columns.tenant_ids.push(tenant_of(&event.metadata));
            columns.payloads.push(event.payload.clone());
            columns.metadata.push(event.metadata.clone());
        }
        Ok(columns)
    }
}

fn tenant_of(metadata: &Value) -> Option<Uuid> {
    metadata
        .get("tenant_id")
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
}
