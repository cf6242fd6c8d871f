//! Event appends per second: one process with 8 concurrent writers, and 4 separate OS
//! processes appending at once (the suite binary started again as `append-worker`), each
//! append one event, as API writes and dispatcher claims make them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use serde_json::json;
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::store::PgEventRepository;
use tokio::process::Command;
use uuid::Uuid;

use crate::common::{database, drop_database, server_url, Report};

const SECONDS: u64 = 10;
const PROCESSES: usize = 4;

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

fn unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// `writers` tasks of one process appending one event per commit from `start` (Unix ms) for
/// `SECONDS`; returns how many events they appended.
async fn append_for(url: &str, writers: usize, start: u128) -> usize {
    let pool = tenantpilot::db::create_pool(url, writers + 1).unwrap();
    let repository = PgEventRepository::new(pool);
    // connections and prepared statements before the clock starts
    let warm: Vec<_> = (0..writers)
        .map(|writer| {
            let repository = repository.clone();
            tokio::spawn(async move {
                let id = format!("warm-{}-{writer}", Uuid::new_v4());
                repository
                    .persist::<Schedule>(&[event(&id, 1)], None)
                    .await
                    .unwrap();
            })
        })
        .collect();
    for task in warm {
        task.await.unwrap();
    }
    let wait = start.saturating_sub(unix_millis());
    tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(SECONDS);
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let repository = repository.clone();
            tokio::spawn(async move {
                let id = Uuid::new_v4().to_string();
                let mut sequence = 0;
                while tokio::time::Instant::now() < deadline {
                    sequence += 1;
                    repository
                        .persist::<Schedule>(&[event(&id, sequence)], None)
                        .await
                        .expect("append");
                }
                sequence
            })
        })
        .collect();
    let mut appended = 0;
    for task in tasks {
        appended += task.await.unwrap();
    }
    appended
}

/// The child side: `append-worker <database url> <writers> <start unix ms>`; prints the count.
pub async fn worker(arguments: &[String]) {
    let [url, writers, start] = arguments else {
        panic!("append-worker <database url> <writers> <start unix ms>");
    };
    let appended = append_for(url, writers.parse().unwrap(), start.parse().unwrap()).await;
    println!("{appended}");
}

pub async fn run(report: &mut Report) {
    let (name, pool) = database("appends", 2).await;
    let url = format!("{}/{name}", server_url());

    let appended = append_for(&url, 8, unix_millis() + 500).await;
    report.add(
        "event appends, 1 process, 8 writers, 1 event per append",
        format!("{:.0} events/s", appended as f64 / SECONDS as f64),
        "measured",
    );

    for writers in [1, 8] {
        let start = unix_millis() + 3_000;
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args([
                        "append-worker",
                        &url,
                        &writers.to_string(),
                        &start.to_string(),
                    ])
                    .output()
            })
            .collect();
        let mut appended = 0;
        for output in futures_util::future::join_all(children).await {
            let output = output.expect("an append worker ran");
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            appended += String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse::<usize>()
                .expect("a count");
        }
        report.add(
            format!(
                "event appends, {PROCESSES} processes x {writers} writer(s), 1 event per append"
            ),
            format!("{:.0} events/s", appended as f64 / SECONDS as f64),
            "at least 5,000 events/s from 4 processes",
        );
    }
    drop_database(&name, pool).await;
}
