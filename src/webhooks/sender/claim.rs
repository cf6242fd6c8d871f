//! Claiming due messages: per webhook, at most as many as its free share of the in-flight
//! bound, skipping rows another sender holds (`FOR UPDATE SKIP LOCKED`) or has leased. The
//! lease reserves the attempt for this sender; when the sender dies, the lease runs out and
//! another one sends the message again (same `webhook-id`: at least once).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::db::CachedStatements;

/// One attempt this sender holds.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub message_id: Uuid,
    pub webhook_id: Uuid,
    /// This attempt's number; also the fencing token its outcome is recorded with.
    pub attempt: i32,
    pub retry_step: i32,
    pub manual: bool,
    pub event_type: String,
    pub body: String,
    pub url: String,
    pub secret_id: Uuid,
    pub previous_secret_id: Option<Uuid>,
    pub previous_expires_at: Option<DateTime<Utc>>,
}

impl Claimed {
    /// The Standard Webhooks message id: stable across attempts and redeliveries.
    pub fn webhook_id_header(&self) -> String {
        message_key(self.message_id)
    }
}

/// `msg_` and the message's UUID as 32 hex digits.
pub fn message_key(message_id: Uuid) -> String {
    format!("msg_{}", message_id.simple())
}

/// The message id of a `msg_...` key, if it is one.
pub fn parse_message_key(key: &str) -> Option<Uuid> {
    let hex = key.strip_prefix("msg_")?;
    if hex.len() != 32
        || !hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    Uuid::parse_str(hex).ok()
}

const CLAIM: &str = "
    WITH picked AS (
        SELECT m.id
        FROM (SELECT r.webhook_id, greatest($3::int4 - coalesce(b.busy, 0), 0) AS slots
              FROM webhook_routes r
              LEFT JOIN unnest($1::uuid[], $2::int4[]) AS b(webhook_id, busy)
                     ON b.webhook_id = r.webhook_id
              WHERE r.active) f
        CROSS JOIN LATERAL (
            SELECT due.id FROM webhook_messages due
            WHERE due.webhook_id = f.webhook_id AND due.status = 'pending'
              AND due.next_attempt_at <= $4
              AND (due.lease_until IS NULL OR due.lease_until < now())
            ORDER BY due.next_attempt_at, due.id
            LIMIT f.slots
            FOR UPDATE SKIP LOCKED) m
        LIMIT $5
    )
    UPDATE webhook_messages m
    SET lease_until = now() + make_interval(secs => $6), attempts = m.attempts + 1
    FROM picked, webhook_routes r
    WHERE m.id = picked.id AND r.webhook_id = m.webhook_id
    RETURNING m.id, m.webhook_id, m.attempts, m.retry_step, m.manual, m.event_type, m.body,
              r.url, r.secret_id, r.previous_secret_id, r.previous_secret_expires_at";

/// Claims up to `limit` due messages, at most `per_endpoint` in flight per webhook
/// counting the `busy` ones this sender already has.
pub async fn claim(
    client: &impl GenericClient,
    busy: &HashMap<Uuid, usize>,
    per_endpoint: usize,
    limit: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, tokio_postgres::Error> {
    let (busy_ids, busy_counts): (Vec<Uuid>, Vec<i32>) = busy
        .iter()
        .map(|(id, count)| (*id, i32::try_from(*count).unwrap_or(i32::MAX)))
        .unzip();
    let per_endpoint = i32::try_from(per_endpoint).unwrap_or(i32::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client
        .query_cached(
            CLAIM,
            &[
                &busy_ids,
                &busy_counts,
                &per_endpoint,
                &now,
                &limit,
                &lease.as_secs_f64(),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Claimed {
            message_id: row.get(0),
            webhook_id: row.get(1),
            attempt: row.get(2),
            retry_step: row.get(3),
            manual: row.get(4),
            event_type: row.get(5),
            body: row.get(6),
            url: row.get(7),
            secret_id: row.get(8),
            previous_secret_id: row.get(9),
            previous_expires_at: row.get(10),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys_round_trip_and_nothing_else_parses() {
        let id = Uuid::now_v7();
        let key = message_key(id);
        assert!(key.starts_with("msg_") && key.len() == 36);
        assert_eq!(parse_message_key(&key), Some(id));
        assert_eq!(parse_message_key(&id.to_string()), None);
        assert_eq!(parse_message_key(&key.to_uppercase()), None);
        assert_eq!(parse_message_key("msg_xyz"), None);
    }
}
