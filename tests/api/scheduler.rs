//! The dispatcher and the run creator against a real database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tenantpilot::domain::schedule::{CreateSchedule, Schedule, ScheduleCommand};
use tenantpilot::domain::tenant::{RegisterTenant, Tenant, TenantCommand, TenantName};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use uuid::Uuid;

use crate::helpers::{at, fresh_database, nightly, nightly_spec, spawn_app};

pub const GRACE: Duration = Duration::from_secs(300);

/// Creates `count` enabled daily-02:30 Berlin schedules straight through the aggregates,
/// 16 at once (group commit writes them together).
pub async fn create_schedules(pool: &Pool, count: usize, now: DateTime<Utc>) -> Vec<Uuid> {
    let repository = PgEventRepository::new(pool.clone());
    let store: AggregateStore<Schedule> = AggregateStore::new(repository.clone(), ());
    let tenant_id = register_tenant(&repository, now).await;
    let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
    futures_util::stream::iter(ids.iter().enumerate())
        .map(|(index, schedule_id)| {
            let command = ScheduleCommand::Create(CreateSchedule {
                schedule_id: *schedule_id,
                tenant_id,
                spec: nightly_spec(&format!("Nightly {index}")),
                now,
            });
            let metadata = EventMetadata::system("test", "setup", now).for_tenant(tenant_id);
            let store = &store;
            async move {
                store
                    .execute(&schedule_id.to_string(), command, &metadata, None)
                    .await
                    .unwrap();
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    ids
}

/// A tenant for the schedules to belong to (a schedule needs a live tenant).
pub async fn register_tenant(repository: &PgEventRepository, now: DateTime<Utc>) -> Uuid {
    let tenants: AggregateStore<Tenant> = AggregateStore::new(repository.clone(), ());
    let tenant_id = Uuid::now_v7();
    let command = TenantCommand::Register(RegisterTenant {
        tenant_id,
        display_name: TenantName::parse("Contoso").unwrap(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret_id: None,
    });
    let metadata = EventMetadata::system("test", "setup", now).for_tenant(tenant_id);
    tenants
        .execute(&tenant_id.to_string(), command, &metadata, None)
        .await
        .unwrap();
    tenant_id
}

pub async fn count(pool: &Pool, sql: &str) -> i64 {
    pool.get()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_concurrent_dispatchers_over_500_due_schedules_queue_exactly_500_runs() {
    let (url, pool, _database) = fresh_database().await;
    create_schedules(&pool, 500, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new();
    consumers.catch_up(&pool).await.unwrap();

    // four dispatchers, each with its own connection pool, tick the same minute at once
    let slot = at("2026-03-29T01:30:00Z");
    let dispatchers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let pool = tenantpilot::db::create_pool(&url, 8).unwrap();
                let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool), GRACE);
                dispatcher.tick(slot).await.unwrap()
            })
        })
        .collect();
    let mut claimed = 0;
    for dispatcher in dispatchers {
        let summary = dispatcher.await.unwrap();
        assert_eq!(summary.failed, 0);
        assert!(summary.skipped.is_empty());
        claimed += summary.claimed.len();
    }
    assert_eq!(
        claimed, 500,
        "the four dispatchers claimed 500 slots between them"
    );

    consumers.catch_up(&pool).await.unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'SlotClaimed'"
        )
        .await,
        500
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        500
    );
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT (schedule_id, scheduled_for)) FROM backup_runs WHERE status = 'queued'").await,
        500
    );
    // every schedule moved on to the next day's slot (CEST by then: 00:30Z)
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM backup_schedules WHERE next_run_at = '2026-03-30T00:30:00Z'"
        )
        .await,
        500
    );
    // a late fifth dispatcher finds nothing left to claim
    let late = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    let summary = late.tick(slot).await.unwrap();
    assert!(summary.claimed.is_empty());
}

#[tokio::test]
async fn a_slot_past_the_grace_period_is_skipped_as_missed_without_catch_up() {
    let (_, pool, _database) = fresh_database().await;
    let ids = create_schedules(&pool, 1, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new();
    consumers.catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);

    // the service was down for two days: the 01:30Z slot is long gone at 09:00Z on the 31st
    let summary = dispatcher.tick(at("2026-03-31T09:00:00Z")).await.unwrap();
    assert!(summary.claimed.is_empty());
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].schedule_id, ids[0]);
    assert_eq!(json!(summary.skipped[0].reason), json!("missed"));
    consumers.catch_up(&pool).await.unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 0);
    // no catch-up: the next slot is the first one after now
    let next: DateTime<Utc> = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT next_run_at FROM backup_schedules", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, at("2026-04-01T00:30:00Z"));
}

#[tokio::test]
async fn a_slot_while_the_previous_run_is_still_queued_is_skipped_as_overlap() {
    let (_, pool, _database) = fresh_database().await;
    create_schedules(&pool, 1, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new();
    consumers.catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    assert_eq!(
        dispatcher
            .tick(at("2026-03-29T01:30:00Z"))
            .await
            .unwrap()
            .claimed
            .len(),
        1
    );
    consumers.catch_up(&pool).await.unwrap();
    let summary = dispatcher.tick(at("2026-03-30T00:30:00Z")).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(json!(summary.skipped[0].reason), json!("overlap"));
}

#[tokio::test]
async fn disabled_schedules_claim_nothing() {
    let app = spawn_app().await;
    let (_, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    app.post_empty(&format!("{path}/disable")).await;
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        GRACE,
    );
    let summary = dispatcher.tick(at("2026-06-02T00:30:00Z")).await.unwrap();
    assert_eq!(summary.due, 0);
    assert!(summary.claimed.is_empty());
}

#[tokio::test]
async fn a_claim_whose_run_was_not_yet_queued_is_queued_after_a_restart_exactly_once() {
    let (_, pool, _database) = fresh_database().await;
    create_schedules(&pool, 3, at("2026-03-28T12:00:00Z")).await;
    Consumers::new().catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    // the process "dies" right after claiming: no consumer ran
    assert_eq!(
        dispatcher
            .tick(at("2026-03-29T01:30:00Z"))
            .await
            .unwrap()
            .claimed
            .len(),
        3
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        0
    );
    // a new process picks up from the checkpoint
    Consumers::new().catch_up(&pool).await.unwrap();
    Consumers::new().catch_up(&pool).await.unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        3
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 3);
}

#[test]
fn dispatch_with_an_unparsable_instant_exits_2_and_writes_nothing() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["dispatch", "--at", "not-a-time"])
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/tp_test_never_created",
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--at must be an RFC 3339 instant"));
}

#[tokio::test]
async fn the_dispatch_command_claims_and_queues_and_prints_a_summary() {
    let (url, pool, _database) = fresh_database().await;
    create_schedules(&pool, 2, at("2026-03-28T12:00:00Z")).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["dispatch", "--at", "2026-03-29T03:30:00+02:00"])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["at"], "2026-03-29T01:30:00Z");
    assert_eq!(summary["claimed"].as_array().unwrap().len(), 2);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM backup_runs WHERE status = 'queued'"
        )
        .await,
        2
    );
}
