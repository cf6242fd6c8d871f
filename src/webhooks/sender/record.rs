//! Recording attempts, many in one transaction: the attempt rows (the deliveries log), each
//! message's next state, and each endpoint's health. A message's row changes only when the
//! recording sender still holds its attempt (`attempts` is the fencing token).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use uuid::Uuid;

use super::attempt::{AttemptError, Outcome};
use crate::db::CachedStatements;
use crate::domain::webhook::{DisableReason, DisableWebhook};
use crate::webhooks::retry::{after_failure, random_unit, Settlement};

/// How the sender's recording should go on: the webhooks to disable.
pub type Disables = Vec<(Uuid, DisableWebhook)>;

/// Where each outcome leaves its message.
pub fn settle(outcome: &Outcome, schedule: &[Duration]) -> Settlement {
    match outcome.error {
        None => Settlement::Delivered,
        // the endpoint asked not to be called again
        Some(AttemptError::Gone) => Settlement::Failed,
        Some(_) => after_failure(
            schedule,
            outcome.claimed.retry_step,
            outcome.attempted_at,
            random_unit(),
        ),
    }
}

/// What a batch says about one endpoint.
#[derive(Debug, Default)]
struct Health {
    last_success: Option<DateTime<Utc>>,
    /// The first failure after the last success.
    failing_since: Option<DateTime<Utc>>,
    gone: bool,
}

fn health(outcomes: &[Outcome]) -> BTreeMap<Uuid, Health> {
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by_key(|outcome| outcome.attempted_at);
    let mut by_webhook: BTreeMap<Uuid, Health> = BTreeMap::new();
    for outcome in sorted {
        let health = by_webhook.entry(outcome.claimed.webhook_id).or_default();
        if outcome.delivered() {
            health.last_success = Some(outcome.attempted_at);
            health.failing_since = None;
        } else {
            health.failing_since.get_or_insert(outcome.attempted_at);
            health.gone |= outcome.error == Some(AttemptError::Gone);
        }
    }
    by_webhook
}

/// Records `outcomes`; returns the webhooks that must now be disabled: gone (410), or
/// failing for `failing_window` as of `now`.
pub async fn record(
    pool: &Pool,
    outcomes: &[Outcome],
    schedule: &[Duration],
    failing_window: Duration,
    now: DateTime<Utc>,
) -> Result<Disables, RecordError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    insert_attempts(&transaction, outcomes).await?;
    update_messages(&transaction, outcomes, schedule).await?;
    let mut disables = Disables::new();
    for (webhook_id, health) in health(outcomes) {
        if health.gone {
            disables.push((
                webhook_id,
                DisableWebhook {
                    reason: DisableReason::Gone,
                    status_code: Some(410),
                    failing_since: None,
                },
            ));
            continue;
        }
        match (health.failing_since, health.last_success) {
            (Some(since), success) => {
                // a success earlier in the batch ended the previous failing streak
                let row = transaction
                    .query_opt(
                        "UPDATE webhook_routes
                         SET failing_since = CASE WHEN $3::timestamptz IS NULL
                                                  THEN coalesce(failing_since, $2) ELSE $2 END,
                             last_success_at = greatest(last_success_at, $3)
                         WHERE webhook_id = $1 RETURNING failing_since, active",
                        &[&webhook_id, &since, &success],
                    )
                    .await?;
                let Some(row) = row else { continue };
                let (failing_since, active): (DateTime<Utc>, bool) = (row.get(0), row.get(1));
                let window = chrono::Duration::from_std(failing_window).unwrap_or_default();
                if active && now - failing_since >= window {
                    disables.push((
                        webhook_id,
                        DisableWebhook {
                            reason: DisableReason::Failing,
                            status_code: None,
                            failing_since: Some(failing_since),
                        },
                    ));
                }
            }
            (None, Some(success)) => {
                transaction
                    .execute_cached(
                        "UPDATE webhook_routes SET failing_since = NULL,
                                last_success_at = greatest(last_success_at, $2)
                         WHERE webhook_id = $1",
                        &[&webhook_id, &success],
                    )
                    .await?;
            }
            (None, None) => {}
        }
    }
    transaction.commit().await?;
    Ok(disables)
}

async fn insert_attempts(
    transaction: &deadpool_postgres::Transaction<'_>,
    outcomes: &[Outcome],
) -> Result<(), tokio_postgres::Error> {
    let ids: Vec<Uuid> = outcomes.iter().map(|_| Uuid::now_v7()).collect();
    let message_ids: Vec<Uuid> = outcomes.iter().map(|o| o.claimed.message_id).collect();
    let webhook_ids: Vec<Uuid> = outcomes.iter().map(|o| o.claimed.webhook_id).collect();
    let attempts: Vec<i32> = outcomes.iter().map(|o| o.claimed.attempt).collect();
    let triggers: Vec<&str> = outcomes
        .iter()
        .map(|o| {
            if o.claimed.manual {
                "manual"
            } else {
                "scheduled"
            }
        })
        .collect();
    let times: Vec<DateTime<Utc>> = outcomes.iter().map(|o| o.attempted_at).collect();
    let durations: Vec<i32> = outcomes.iter().map(|o| o.duration_ms).collect();
    let statuses: Vec<Option<i32>> = outcomes
        .iter()
        .map(|o| o.status_code.map(i32::from))
        .collect();
    let errors: Vec<Option<&str>> = outcomes
        .iter()
        .map(|o| o.error.map(AttemptError::as_str))
        .collect();
    let results: Vec<&str> = outcomes
        .iter()
        .map(|o| if o.delivered() { "delivered" } else { "failed" })
        .collect();
    let urls: Vec<&str> = outcomes.iter().map(|o| o.claimed.url.as_str()).collect();
    // a message deleted meanwhile (its webhook was) has no log to add to
    transaction
        .execute_cached(
            "INSERT INTO webhook_attempts (id, message_id, webhook_id, attempt, trigger,
                                           attempted_at, duration_ms, status_code, error,
                                           outcome, url)
             SELECT a.* FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int4[], $5::text[],
                                    $6::timestamptz[], $7::int4[], $8::int4[], $9::text[],
                                    $10::text[], $11::text[])
                  AS a(id, message_id, webhook_id, attempt, trigger, attempted_at,
                       duration_ms, status_code, error, outcome, url)
             WHERE EXISTS (SELECT 1 FROM webhook_messages m WHERE m.id = a.message_id)",
            &[
                &ids,
                &message_ids,
                &webhook_ids,
                &attempts,
                &triggers,
                &times,
                &durations,
                &statuses,
                &errors,
                &results,
                &urls,
            ],
        )
        .await?;
    Ok(())
}

async fn update_messages(
    transaction: &deadpool_postgres::Transaction<'_>,
    outcomes: &[Outcome],
    schedule: &[Duration],
) -> Result<(), tokio_postgres::Error> {
    let settlements: Vec<Settlement> = outcomes.iter().map(|o| settle(o, schedule)).collect();
    let ids: Vec<Uuid> = outcomes.iter().map(|o| o.claimed.message_id).collect();
    let attempts: Vec<i32> = outcomes.iter().map(|o| o.claimed.attempt).collect();
    let statuses: Vec<&str> = settlements.iter().map(|s| s.status()).collect();
    let next: Vec<Option<DateTime<Utc>>> = settlements
        .iter()
        .map(|s| match s {
            Settlement::Retry { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    let steps: Vec<i32> = settlements
        .iter()
        .zip(outcomes)
        .map(|(s, o)| match s {
            Settlement::Retry { retry_step, .. } => *retry_step,
            _ => o.claimed.retry_step,
        })
        .collect();
    let times: Vec<DateTime<Utc>> = outcomes.iter().map(|o| o.attempted_at).collect();
    // only while this sender still holds the attempt (a later claim raised `attempts`) and
    // the message was not cancelled meanwhile
    transaction
        .execute_cached(
            "UPDATE webhook_messages m
             SET status = u.status, next_attempt_at = u.next_attempt_at,
                 retry_step = u.retry_step, lease_until = NULL, manual = false,
                 finished_at = CASE WHEN u.status = 'pending' THEN NULL ELSE u.at END
             FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::timestamptz[], $5::int4[],
                         $6::timestamptz[])
                  AS u(id, attempt, status, next_attempt_at, retry_step, at)
             WHERE m.id = u.id AND m.attempts = u.attempt AND m.status = 'pending'",
            &[&ids, &attempts, &statuses, &next, &steps, &times],
        )
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}
