//! Projection rebuild: the read models dropped and rebuilt from a log of a million events.

use std::time::Instant;

use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};
use tenantpilot::store::PgEventRepository;

use crate::common::{database, drop_database, Report};
use crate::log::{at, LogWriter};

/// 100,000 schedules x (created + 3 claimed slots) + 300,000 runs x (queued + started).
const SCHEDULES: usize = 100_000;
const SLOTS: usize = 3;

pub async fn run(report: &mut Report) {
    let (name, pool) = database("rebuild", 8).await;
    let writer = LogWriter::new(PgEventRepository::new(pool.clone())).await;
    let setup = Instant::now();
    let schedules = writer
        .schedules(SCHEDULES, at("2026-03-29T00:30:00Z"))
        .await;
    writer
        .history(&schedules, SLOTS, at("2026-03-29T00:30:00Z"))
        .await;
    let client = pool.get().await.unwrap();
    let events: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    client.batch_execute("VACUUM ANALYZE events").await.unwrap();
    drop(client);
    println!(
        "rebuild: {events} events written in {:.1} s (setup)",
        setup.elapsed().as_secs_f64()
    );

    let projector = Consumer::new(READ_MODELS, ReadModels);
    let started = Instant::now();
    let rebuilt = projector.rebuild(&pool).await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let client = pool.get().await.unwrap();
    let runs: i64 = client
        .query_one(
            "SELECT count(*) FROM backup_runs WHERE status = 'running'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(runs as usize, SCHEDULES * SLOTS, "every run projected");
    drop(client);
    report.add(
        format!("projection rebuild of {rebuilt} events"),
        format!("{elapsed:.1} s ({:.0} events/s)", rebuilt as f64 / elapsed),
        "measured",
    );
    drop_database(&name, pool).await;
}
