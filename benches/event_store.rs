//! Event-store throughput with the ordering mechanism (the append advisory lock) on.
//!
//! `cargo bench --bench event_store` — needs the local PostgreSQL; creates its own database
//! (`TENANTPILOT_BENCH_DATABASE_URL` overrides the default on 127.0.0.1).

use std::time::Instant;

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use serde_json::json;
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::store::{read_all, PgEventRepository};

const WRITERS: usize = 8;

fn event(aggregate_id: &str, sequence: usize) -> SerializedEvent {
    SerializedEvent::new(
        aggregate_id.to_owned(),
        sequence,
        "bench".to_owned(),
        "SlotClaimed".to_owned(),
        "1".to_owned(),
        json!({"type": "SlotClaimed", "run_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
               "scheduled_for": "2026-11-27T01:30:00Z", "trigger": "scheduled"}),
        json!({"actor": "system:scheduler", "correlation_id": "tick-1",
               "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
               "timestamp": "2026-11-27T01:30:00.000000Z"}),
    )
}

/// `WRITERS` concurrent writers, each appending `commits` appends of `per_commit` events.
/// With `shared`, they share one repository (one process: group commit batches them);
/// otherwise each has its own, like separate processes, and only the lock orders them.
async fn append(
    repository: &PgEventRepository,
    label: &str,
    commits: usize,
    per_commit: usize,
    shared: bool,
) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let repository = if shared {
                repository.clone()
            } else {
                PgEventRepository::new(repository.pool().clone())
            };
            let label = label.to_owned();
            tokio::spawn(async move {
                let aggregate_id = format!("{label}-{writer}");
                for commit in 0..commits {
                    let events: Vec<_> = (1..=per_commit)
                        .map(|n| event(&aggregate_id, commit * per_commit + n))
                        .collect();
                    repository
                        .persist::<Schedule>(&events, None)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let elapsed = started.elapsed();
    let events = WRITERS * commits * per_commit;
    println!(
        "append {label:<38} {events:>6} events in {:>6.2} s: {:>8.0} events/s ({:.0} appends/s)",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        (WRITERS * commits) as f64 / elapsed.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let url = std::env::var("TENANTPILOT_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "postgres://postgres@127.0.0.1:5432/tp_bench_{}",
            uuid::Uuid::new_v4().simple()
        )
    });
    let pool = tenantpilot::db::prepare(&url, WRITERS + 2)
        .await
        .expect("bench database");
    let repository = PgEventRepository::new(pool.clone());

    // warm-up: prepared statements on every pooled connection, WAL segments
    append(&repository, "warm-up", 100, 1, false).await;
    append(
        &repository,
        "1 event/append, 8 tasks, 1 process",
        500,
        1,
        true,
    )
    .await;
    append(
        &repository,
        "10 events/append, 8 tasks, 1 process",
        100,
        10,
        true,
    )
    .await;
    append(&repository, "1 event/append, 8 processes", 500, 1, false).await;

    let client = pool.get().await.expect("connection");
    let started = Instant::now();
    let (mut after, mut total) = (0, 0);
    loop {
        let batch = read_all(&client, &[], after, 500).await.expect("read");
        let Some(last) = batch.last() else { break };
        after = last.position;
        total += batch.len();
    }
    let elapsed = started.elapsed();
    println!(
        "read_all pages of 500                       {total:>6} events in {:>6.2} s: {:>8.0} events/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    drop(client);
    if std::env::var("TENANTPILOT_BENCH_DATABASE_URL").is_err() {
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        pool.close();
        let admin = tenantpilot::db::create_pool("postgres://postgres@127.0.0.1:5432/postgres", 1)
            .expect("admin pool");
        if let Ok(client) = admin.get().await {
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .await;
        }
    }
}
