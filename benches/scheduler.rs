//! Dispatcher speed: an idle tick over 100,000 enabled schedules (none due), and a
//! "midnight herd" of 10,000 schedules due in the same minute, claimed and queued.
//!
//! `cargo bench --bench scheduler` — needs the local PostgreSQL; creates its own databases
//! and drops them afterwards.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::DomainEvent;
use deadpool_postgres::Pool;
use tenantpilot::domain::cadence::{Cadence, TimeOfDay};
use tenantpilot::domain::schedule::{
    PolicyTypeSelection, RetentionKeepLast, Schedule, ScheduleEvent, ScheduleName,
};
use tenantpilot::domain::tenant::{Tenant, TenantEvent, TenantName};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{EventMetadata, PgEventRepository};
use uuid::Uuid;

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const GRACE: Duration = Duration::from_secs(300);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn database(label: &str) -> (String, Pool) {
    let name = format!("tp_bench_{label}_{}", Uuid::new_v4().simple());
    let pool = tenantpilot::db::prepare(&format!("{SERVER}/{name}"), 24)
        .await
        .expect("bench database");
    (name, pool)
}

async fn drop_database(name: &str, pool: Pool) {
    pool.close();
    let admin = tenantpilot::db::create_pool(&format!("{SERVER}/postgres"), 1).unwrap();
    if let Ok(client) = admin.get().await {
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
    }
}

/// `count` ScheduleCreated events (daily 02:30 Europe/Berlin, first slot `next_run_at`),
/// appended 500 to a commit: the setup, not what is measured.
async fn create_schedules(pool: &Pool, count: usize, next_run_at: DateTime<Utc>) {
    let repository = PgEventRepository::new(pool.clone());
    let tenant_id = Uuid::now_v7();
    let metadata = serde_json::to_value(
        EventMetadata::system("bench", "setup", at("2026-03-28T12:00:00Z"))
            .for_tenant(tenant_id)
            .to_map(),
    )
    .unwrap();
    // the schedules' tenant: a schedule needs a live one
    let registered = TenantEvent::TenantRegistered {
        tenant_id,
        display_name: TenantName::parse("Bench").unwrap(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret_id: None,
    };
    let tenant = SerializedEvent::new(
        tenant_id.to_string(),
        1,
        "tenant".into(),
        registered.event_type(),
        registered.event_version(),
        serde_json::to_value(&registered).unwrap(),
        metadata.clone(),
    );
    repository.persist::<Tenant>(&[tenant], None).await.unwrap();
    let events: Vec<SerializedEvent> = (0..count)
        .map(|index| {
            let schedule_id = Uuid::now_v7();
            let created = ScheduleEvent::ScheduleCreated {
                schedule_id,
                tenant_id,
                name: ScheduleName::parse(&format!("Nightly {index}")).unwrap(),
                enabled: true,
                cadence: Cadence::Daily {
                    times: vec![TimeOfDay::parse("02:30").unwrap()],
                },
                timezone: "Europe/Berlin".parse().unwrap(),
                policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
                include_foundations: false,
                retention_keep_last: RetentionKeepLast::new(7).unwrap(),
                next_run_at: Some(next_run_at),
            };
            SerializedEvent::new(
                schedule_id.to_string(),
                1,
                "schedule".into(),
                created.event_type(),
                created.event_version(),
                serde_json::to_value(&created).unwrap(),
                metadata.clone(),
            )
        })
        .collect();
    for chunk in events.chunks(500) {
        repository.persist::<Schedule>(chunk, None).await.unwrap();
    }
    Consumers::new().catch_up(pool).await.unwrap();
}

async fn idle_tick() {
    let (name, pool) = database("idle").await;
    create_schedules(&pool, 100_000, at("2026-03-29T01:30:00Z")).await;
    pool.get()
        .await
        .unwrap()
        .batch_execute("ANALYZE backup_schedules")
        .await
        .unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    let now = at("2026-03-29T01:00:00Z");
    dispatcher.tick(now).await.unwrap(); // warm-up: connection and prepared statement
    let mut timings: Vec<Duration> = (0..50).map(|_| Duration::ZERO).collect();
    for timing in timings.iter_mut() {
        let started = Instant::now();
        let summary = dispatcher.tick(now).await.unwrap();
        *timing = started.elapsed();
        assert_eq!(summary.due, 0);
    }
    timings.sort();
    println!(
        "idle tick, 100000 enabled schedules, none due: median {:.2} ms, max {:.2} ms (50 ticks)",
        timings[timings.len() / 2].as_secs_f64() * 1000.0,
        timings[timings.len() - 1].as_secs_f64() * 1000.0
    );
    drop_database(&name, pool).await;
}

async fn midnight_herd() {
    let (name, pool) = database("herd").await;
    let slot = at("2026-03-29T01:30:00Z");
    create_schedules(&pool, 10_000, slot).await;
    let repository = PgEventRepository::new(pool.clone());
    let dispatcher = Dispatcher::new(pool.clone(), repository.clone(), GRACE);
    let consumers = Consumers::new();
    let started = Instant::now();
    let summary = dispatcher.tick(slot).await.unwrap();
    let claimed_after = started.elapsed();
    consumers.run_creator.catch_up(&pool).await.unwrap();
    let queued_after = started.elapsed();
    consumers.catch_up(&pool).await.unwrap();
    let projected_after = started.elapsed();
    let queued: i64 = pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM backup_runs WHERE status = 'queued'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(summary.claimed.len(), 10_000);
    assert_eq!(queued, 10_000);
    println!(
        "midnight herd, 10000 schedules due in one minute: claimed in {:.2} s ({:.0} claims/s), \
         claimed + runs queued in {:.2} s, read models projected by {:.2} s",
        claimed_after.as_secs_f64(),
        10_000.0 / claimed_after.as_secs_f64(),
        queued_after.as_secs_f64(),
        projected_after.as_secs_f64()
    );
    drop_database(&name, pool).await;
}

#[tokio::main]
async fn main() {
    idle_tick().await;
    midnight_herd().await;
}
