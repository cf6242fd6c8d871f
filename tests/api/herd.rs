//! The dispatcher's page claims: a page decided and appended in one transaction writes what
//! claiming schedule by schedule writes, concurrent dispatchers claim each slot once, a
//! page spoilt by a concurrent writer is claimed one by one, and a tick reads each due row
//! once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use cqrs_es::persist::SerializedEvent;
use cqrs_es::DomainEvent;
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::domain::schedule::{ClaimSlot, Schedule, ScheduleCommand, ScheduleEvent};
use tenantpilot::scheduler::{Consumers, Dispatcher, TickSummary};
use tenantpilot::store::{
    append_in_transaction, latest_committed, AggregateStore, EventMetadata, PgEventRepository,
};
use uuid::Uuid;

use crate::helpers::{at, fresh_database};
use crate::scheduler::{count, create_schedules, GRACE};

/// Each schedule's events after its creation, without what differs from one schedule to
/// the next (ids), keyed by the schedule's position in `ids`.
async fn events_after_creation(pool: &Pool, ids: &[Uuid]) -> Vec<Vec<Value>> {
    let client = pool.get().await.unwrap();
    let mut all = Vec::new();
    for id in ids {
        let rows = client
            .query(
                "SELECT sequence, event_type, event_version, payload, metadata FROM events
                 WHERE aggregate_type = 'schedule' AND aggregate_id = $1 AND sequence > 1
                 ORDER BY sequence",
                &[&id.to_string()],
            )
            .await
            .unwrap();
        all.push(
            rows.iter()
                .map(|row| {
                    let mut payload: Value = row.get(3);
                    payload.as_object_mut().unwrap().remove("run_id");
                    json!({
                        "sequence": row.get::<_, i64>(0),
                        "type": row.get::<_, String>(1),
                        "version": row.get::<_, String>(2),
                        "payload": payload,
                        "metadata": row.get::<_, Value>(4),
                    })
                })
                .collect(),
        );
    }
    all
}

/// What `Dispatcher` does for one schedule when it claims it on its own.
async fn claim_alone(
    pool: &Pool,
    schedule_id: Uuid,
    tenant_id: Uuid,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    let store: AggregateStore<Schedule> =
        AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let tick_id = format!("tick:{}", now.to_rfc3339_opts(SecondsFormat::Secs, true));
    let command = ScheduleCommand::ClaimSlot(ClaimSlot {
        scheduled_for: slot,
        run_id: Uuid::now_v7(),
        now,
        grace: chrono::Duration::from_std(GRACE).unwrap(),
    });
    let metadata = EventMetadata::system("dispatcher", tick_id, now).for_tenant(tenant_id);
    // refusals (a disabled schedule) write nothing, as in the tick
    let _ = store
        .execute(&schedule_id.to_string(), command, &metadata, None)
        .await;
}

async fn tenant_of(pool: &Pool, schedule_id: Uuid) -> Uuid {
    pool.get()
        .await
        .unwrap()
        .query_one(
            "SELECT tenant_id FROM backup_schedules WHERE id = $1",
            &[&schedule_id],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_page_claimed_at_once_writes_exactly_the_events_of_claims_made_one_by_one() {
    let (_, pool, _database) = fresh_database().await;
    // paged: claimed by the tick; alone: claimed one by one, as a tick without pages would
    let ids = create_schedules(&pool, 8, at("2026-03-28T12:00:00Z")).await;
    let (paged, alone) = ids.split_at(4);
    let consumers = Consumers::new();
    consumers.catch_up(&pool).await.unwrap();
    let tenant_id = tenant_of(&pool, ids[0]).await;
    // the last of each group is disabled behind the read model's back: still due there,
    // refused by the aggregate
    let store: AggregateStore<Schedule> =
        AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    for id in [paged[3], alone[3]] {
        let metadata = EventMetadata::system("test", "disable", at("2026-03-28T13:00:00Z"))
            .for_tenant(tenant_id);
        store
            .execute(
                &id.to_string(),
                ScheduleCommand::Disable { tenant_id },
                &metadata,
                None,
            )
            .await
            .unwrap();
    }
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);

    // day 1: claimed; day 2: the run is still queued (overlap); day 3, late: missed
    let days = [
        (at("2026-03-29T01:30:00Z"), at("2026-03-29T01:30:00Z")),
        (at("2026-03-30T00:30:00Z"), at("2026-03-30T00:30:00Z")),
        (at("2026-03-31T00:30:00Z"), at("2026-03-31T09:00:00Z")),
    ];
    let mut summaries = Vec::new();
    for (slot, now) in days {
        for id in alone {
            claim_alone(&pool, *id, tenant_id, slot, now).await;
        }
        summaries.push(dispatcher.tick(now).await.unwrap());
        consumers.catch_up(&pool).await.unwrap();
    }
    let counts = |summary: &TickSummary| {
        (
            summary.due,
            summary.claimed.len(),
            summary.skipped.len(),
            summary.already_handled,
            summary.failed,
        )
    };
    // day 1 also reads the disabled one of `alone` (due in the read model, no claim of
    // its slot): both are refused
    assert_eq!(counts(&summaries[0]), (5, 3, 0, 2, 0), "day 1");
    assert_eq!(counts(&summaries[1]), (3, 0, 3, 0, 0), "day 2");
    assert_eq!(counts(&summaries[2]), (3, 0, 3, 0, 0), "day 3");
    assert_eq!(json!(summaries[1].skipped[0].reason), json!("overlap"));
    assert_eq!(json!(summaries[2].skipped[0].reason), json!("missed"));

    let paged_events = events_after_creation(&pool, paged).await;
    assert_eq!(paged_events, events_after_creation(&pool, alone).await);
    let types: Vec<&str> = paged_events[0]
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["SlotClaimed", "SlotSkipped", "SlotSkipped"]);
    assert_eq!(
        paged_events[3].len(),
        1,
        "the disabled one: only its ScheduleDisabled"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM unique_claims WHERE scope = 'schedule_slot'"
        )
        .await,
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_dispatchers_ticking_at_once_over_2000_schedules_claim_each_slot_exactly_once() {
    let (url, pool, _database) = fresh_database().await;
    create_schedules(&pool, 2_000, at("2026-03-28T12:00:00Z")).await;
    let consumers = Arc::new(Consumers::new());
    consumers.catch_up(&pool).await.unwrap();

    // the consumers keep projecting while the dispatchers tick, as in `serve`: the
    // projector writes rows the dispatchers are paging through
    let running = Arc::new(AtomicBool::new(true));
    let consuming = {
        let (pool, consumers, running) = (pool.clone(), consumers.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                consumers.catch_up(&pool).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let slot = at("2026-03-29T01:30:00Z");
    let dispatchers: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let pool = tenantpilot::db::create_pool(&url, 8).unwrap();
                let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool), GRACE);
                dispatcher.tick(slot).await.unwrap()
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for dispatcher in dispatchers {
        let summary = dispatcher.await.unwrap();
        assert_eq!(summary.failed, 0);
        assert!(summary.skipped.is_empty());
        claimed.extend(summary.claimed.into_iter().map(|slot| slot.schedule_id));
    }
    running.store(false, Ordering::Relaxed);
    consuming.await.unwrap();
    consumers.catch_up(&pool).await.unwrap();

    claimed.sort();
    claimed.dedup();
    assert_eq!(
        claimed.len(),
        2_000,
        "every schedule claimed by exactly one dispatcher"
    );
    for (sql, expected) in [
        (
            "SELECT count(*) FROM events WHERE event_type = 'SlotClaimed'",
            2_000,
        ),
        (
            "SELECT count(DISTINCT aggregate_id) FROM events WHERE event_type = 'SlotClaimed'",
            2_000,
        ),
        (
            "SELECT count(*) FROM unique_claims WHERE scope = 'schedule_slot'",
            2_000,
        ),
        (
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'",
            2_000,
        ),
        (
            "SELECT count(*) FROM backup_runs WHERE status = 'queued'",
            2_000,
        ),
        (
            "SELECT count(*) FROM backup_schedules WHERE next_run_at = '2026-03-30T00:30:00Z'",
            2_000,
        ),
    ] {
        assert_eq!(count(&pool, sql).await, expected, "{sql}");
    }
}

#[tokio::test]
async fn a_tick_over_several_pages_reads_each_due_row_once() {
    let (_, pool, _database) = fresh_database().await;
    create_schedules(&pool, 2_100, at("2026-03-28T12:00:00Z")).await;
    Consumers::new().catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    // nothing is projected during the tick: the rows it claimed are still due in the read
    // model when its closing sweep reads them, and are left out as claimed
    let summary = dispatcher.tick(at("2026-03-29T01:30:00Z")).await.unwrap();
    assert_eq!(summary.claimed.len(), 2_100);
    assert_eq!(
        (summary.due, summary.already_handled, summary.failed),
        (2_100, 0, 0)
    );
    // a second tick in the same minute finds nothing left, projected or not
    let again = dispatcher.tick(at("2026-03-29T01:30:00Z")).await.unwrap();
    assert_eq!((again.due, again.claimed.len()), (0, 0));
}

/// Waits until some transaction waits for another's (the dispatcher's insert for the
/// other writer's uncommitted event of the same sequence).
async fn until_an_append_waits(pool: &Pool) {
    for _ in 0..500 {
        if count(
            pool,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted",
        )
        .await
            > 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no append waited for the other writer's transaction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_spoilt_by_a_concurrent_writer_is_claimed_schedule_by_schedule() {
    let (_, pool, _database) = fresh_database().await;
    let ids = create_schedules(&pool, 3, at("2026-03-28T12:00:00Z")).await;
    Consumers::new().catch_up(&pool).await.unwrap();
    let slot = at("2026-03-29T01:30:00Z");
    let tenant_id = tenant_of(&pool, ids[1]).await;

    // another writer appends to one schedule of the page and commits only after the
    // dispatcher has loaded the page (the dispatcher's insert of the same sequence waits
    // on it until then)
    let mut client = pool.get().await.unwrap();
    let writer = client.transaction().await.unwrap();
    let recomputed = ScheduleEvent::NextRunRecomputed {
        next_run_at: Some(slot),
    };
    let metadata = EventMetadata::system("test", "concurrent", slot).for_tenant(tenant_id);
    let event = SerializedEvent::new(
        ids[1].to_string(),
        2,
        "schedule".to_owned(),
        recomputed.event_type(),
        recomputed.event_version(),
        serde_json::to_value(&recomputed).unwrap(),
        serde_json::to_value(metadata.to_map()).unwrap(),
    );
    append_in_transaction(&writer, &[event]).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    let tick = tokio::spawn(async move { dispatcher.tick(slot).await.unwrap() });
    until_an_append_waits(&pool).await;
    writer.commit().await.unwrap();
    drop(client);

    let summary = tick.await.unwrap();
    assert_eq!(
        summary.claimed.len(),
        3,
        "the page's claims, made again one by one"
    );
    assert_eq!(summary.failed, 0);
    let sequences: BTreeMap<String, i64> = pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT aggregate_id, sequence FROM events WHERE event_type = 'SlotClaimed'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let expected: BTreeMap<String, i64> = [(ids[0], 2), (ids[1], 3), (ids[2], 2)]
        .iter()
        .map(|(id, sequence)| (id.to_string(), *sequence))
        .collect();
    assert_eq!(
        sequences, expected,
        "the spoilt one claimed after the other write"
    );
}

/// A run queued in reaction to a claim is in the feed after the claim, but the projector's
/// horizon can fall between the two: here a transaction that took its id after the claim
/// committed, and is still open when the run creator queues the run, lets the projector
/// read the claim but not the run. Until it can, the settled place (what writes wait for)
/// must stay before the claim, or a run-now would be answered before its run is readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settled_place_waits_for_reactions_the_projector_cannot_see_yet() {
    let (_, pool, _database) = fresh_database().await;
    create_schedules(&pool, 1, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new();
    consumers.catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    let summary = dispatcher.tick(at("2026-03-29T01:30:00Z")).await.unwrap();
    assert_eq!(summary.claimed.len(), 1);
    let claimed = latest_committed(&pool.get().await.unwrap()).await.unwrap();

    let mut other_client = pool.get().await.unwrap();
    let other = other_client.transaction().await.unwrap();
    other
        .execute("SELECT pg_current_xact_id()", &[])
        .await
        .unwrap();
    let settled = consumers.catch_up(&pool).await.unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        1
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 0);
    assert!(
        settled < claimed,
        "settled {settled:?} passed the claim {claimed:?}"
    );

    other.commit().await.unwrap();
    drop(other_client);
    let settled = consumers.catch_up(&pool).await.unwrap();
    assert!(settled > claimed);
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 1);
}
