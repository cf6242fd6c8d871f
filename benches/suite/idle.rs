//! The idle dispatcher tick: 100,000 enabled schedules, none of them due. A tick must find
//! that out through the due index, not by looking at every schedule.

use std::time::{Duration, Instant};

use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::PgEventRepository;

use crate::common::{database, drop_database, percentile_ms, Report};
use crate::log::{at, LogWriter};

const SCHEDULES: usize = 100_000;
const TICKS: usize = 50;
const GRACE: Duration = Duration::from_secs(300);

pub async fn run(report: &mut Report) {
    let (name, pool) = database("idle", 8).await;
    let writer = LogWriter::new(PgEventRepository::new(pool.clone())).await;
    writer
        .schedules(SCHEDULES, at("2026-03-29T01:30:00Z"))
        .await;
    Consumers::new().catch_up(&pool).await.unwrap();
    pool.get()
        .await
        .unwrap()
        .batch_execute("VACUUM ANALYZE backup_schedules")
        .await
        .unwrap();

    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    // an hour before the slot: nothing is due
    let now = at("2026-03-29T00:30:00Z");
    dispatcher.tick(now).await.unwrap(); // warm-up: connection and prepared statements
    let mut timings = Vec::with_capacity(TICKS);
    for _ in 0..TICKS {
        let started = Instant::now();
        let summary = dispatcher.tick(now).await.unwrap();
        timings.push(started.elapsed());
        assert_eq!(summary.due, 0);
    }
    timings.sort();
    report.add(
        format!("idle dispatcher tick, {SCHEDULES} enabled schedules, none due (median / max of {TICKS})"),
        format!(
            "{:.2} ms / {:.2} ms",
            percentile_ms(&timings, 50),
            percentile_ms(&timings, 100)
        ),
        "within 60 s",
    );
    drop_database(&name, pool).await;
}
