//! At start-up, every enabled schedule's future `next_run_at` is checked against this
//! build's timezone rules (a new chrono-tz may move a slot). The check runs on the read
//! model in memory; only schedules whose slot really moved get a command (and an event).

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use uuid::Uuid;

use super::DispatchError;
use crate::domain::cadence::Cadence;
use crate::domain::schedule::{Schedule, ScheduleCommand};
use crate::domain::timezone::Timezone;
use crate::store::{AggregateStore, EventMetadata, PgEventRepository};

/// Schedules read per query.
const RECOMPUTE_PAGE: i64 = 1_000;

/// Returns how many schedules got a new `next_run_at`.
pub async fn recompute_next_runs(
    pool: &Pool,
    repository: PgEventRepository,
    now: DateTime<Utc>,
) -> Result<usize, DispatchError> {
    let schedules: AggregateStore<Schedule> = AggregateStore::new(repository, ());
    let mut changed = 0;
    let mut after: Option<Uuid> = None;
    // a page of schedules at a time, in id order: start-up never loads them all at once
    loop {
        let client = pool.get().await?;
        let rows = client
            .query(
                "SELECT id, tenant_id, cadence, timezone, next_run_at FROM backup_schedules
                 WHERE enabled AND deleted_at IS NULL AND next_run_at > $1
                   AND ($2::uuid IS NULL OR id > $2)
                 ORDER BY id LIMIT $3",
                &[&now, &after, &RECOMPUTE_PAGE],
            )
            .await?;
        drop(client);
        let Some(last) = rows.last() else { break };
        after = Some(last.get(0));
        let full = rows.len() as i64 == RECOMPUTE_PAGE;
        for row in rows {
            if recompute_one(&schedules, &row, now).await {
                changed += 1;
            }
        }
        if !full {
            break;
        }
    }
    if changed > 0 {
        tracing::info!(
            changed,
            "next_run_at recomputed under this build's timezone rules"
        );
    }
    Ok(changed)
}

/// Checks one schedule's stored slot; true when it got a new one.
async fn recompute_one(
    schedules: &AggregateStore<Schedule>,
    row: &tokio_postgres::Row,
    now: DateTime<Utc>,
) -> bool {
    let id: Uuid = row.get(0);
    let tenant_id: Uuid = row.get(1);
    let stored: DateTime<Utc> = row.get(4);
    let cadence = serde_json::from_value::<Cadence>(row.get(2)).ok();
    let timezone = row.get::<_, String>(3).parse::<Timezone>().ok();
    let (Some(cadence), Some(timezone)) = (cadence, timezone) else {
        tracing::warn!(schedule.id = %id, "schedule timing cannot be read; left as is");
        return false;
    };
    if cadence.next_slot_after(timezone.tz(), now) == Some(stored) {
        return false;
    }
    let metadata = EventMetadata::system("startup", "startup:recompute", now).for_tenant(tenant_id);
    match schedules
        .execute(
            &id.to_string(),
            ScheduleCommand::RecomputeNextRun { now },
            &metadata,
            None,
        )
        .await
    {
        Ok(committed) => !committed.events.is_empty(),
        Err(error) => {
            tracing::warn!(schedule.id = %id, %error, "recomputing next_run_at failed");
            false
        }
    }
}
