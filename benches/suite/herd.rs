//! The midnight herd: 100,000 schedules due in the same minute. One dispatcher ticks, then
//! three at once (each with its own pool and group-commit writer, as three instances would
//! have), while the consumers run alongside as `serve` runs them. Measured from the tick's
//! start: every slot claimed (the ticks returned), every run queued (the run creator passed
//! the last claim), everything projected (the read models reached the end of the log).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{latest_committed, FeedCursor, PgEventRepository};

use crate::common::{database, drop_database, server_url, Report};
use crate::log::{at, LogWriter};

const SCHEDULES: usize = 100_000;
const GRACE: Duration = Duration::from_secs(300);
/// Everything must settle in this time, or the part fails (ten times the goal).
const SETTLE_LIMIT: Duration = Duration::from_secs(600);

pub async fn run(report: &mut Report) {
    for dispatchers in [1, 3] {
        measure(report, dispatchers).await;
    }
}

async fn count(pool: &Pool, sql: &str) -> i64 {
    pool.get()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

async fn measure(report: &mut Report, dispatchers: usize) {
    let slot = at("2026-03-29T01:30:00Z");
    let (name, pool) = database("herd", 8).await;
    let url = format!("{}/{name}", server_url());
    let setup = Instant::now();
    let writer = LogWriter::new(PgEventRepository::new(pool.clone())).await;
    writer.schedules(SCHEDULES, slot).await;
    Consumers::new().catch_up(&pool).await.unwrap();
    pool.get()
        .await
        .unwrap()
        .batch_execute("VACUUM ANALYZE backup_schedules, events, unique_claims")
        .await
        .unwrap();
    println!(
        "herd: {SCHEDULES} schedules created and projected in {:.1} s (setup)",
        setup.elapsed().as_secs_f64()
    );

    // each dispatcher with its own pool and writer, connected before the clock starts
    let instances: Vec<Dispatcher> = (0..dispatchers)
        .map(|_| {
            let pool = tenantpilot::db::create_pool(&url, 16).unwrap();
            Dispatcher::new(pool.clone(), PgEventRepository::new(pool), GRACE)
        })
        .collect();
    for instance in &instances {
        instance.tick(at("2026-03-29T00:00:00Z")).await.unwrap();
    }

    let running = Arc::new(AtomicBool::new(true));
    let consuming = {
        let (pool, running) = (pool.clone(), running.clone());
        tokio::spawn(async move {
            let consumers = Consumers::new();
            while running.load(Ordering::Relaxed) {
                consumers.catch_up(&pool).await.unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    let started = Instant::now();
    let summaries =
        futures_util::future::join_all(instances.iter().map(|instance| instance.tick(slot))).await;
    let claimed_after = started.elapsed();
    let claims_end = latest_committed(&pool.get().await.unwrap()).await.unwrap();

    // the checkpoints, polled: the runs are queued once the run creator passed the last
    // claim, projected once the read models reached the end of the log after that
    let client = pool.get().await.unwrap();
    let mut queued_after = None;
    let projected_after = loop {
        let row = client
            .query_one(
                "SELECT c.transaction_id, c.position, p.transaction_id, p.position,
                        e.transaction_id, e.position
                 FROM consumer_checkpoints c, consumer_checkpoints p,
                      (SELECT transaction_id, position FROM events
                       ORDER BY transaction_id DESC, position DESC LIMIT 1) e
                 WHERE c.name = 'run_creator' AND p.name = 'read_models'",
                &[],
            )
            .await
            .unwrap();
        let created = FeedCursor::from_row(&row, 0);
        let projected = FeedCursor::from_row(&row, 2);
        let end = FeedCursor::from_row(&row, 4);
        if created >= claims_end {
            queued_after.get_or_insert(started.elapsed());
            if projected >= end {
                break started.elapsed();
            }
        }
        assert!(started.elapsed() < SETTLE_LIMIT, "the herd did not settle");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    drop(client);
    running.store(false, Ordering::Relaxed);
    consuming.await.unwrap();
    let queued_after = queued_after.unwrap();

    let (mut claimed, mut already_handled) = (0, 0);
    for summary in summaries {
        let summary = summary.unwrap();
        assert_eq!(summary.failed, 0);
        assert!(summary.skipped.is_empty());
        claimed += summary.claimed.len();
        already_handled += summary.already_handled;
    }
    assert_eq!(claimed, SCHEDULES, "every slot claimed once");
    for (sql, what) in [
        (
            "SELECT count(*) FROM events WHERE event_type = 'SlotClaimed'",
            "one claim per slot",
        ),
        (
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'",
            "one run per claim",
        ),
        (
            "SELECT count(*) FROM backup_runs WHERE status = 'queued'",
            "every run projected",
        ),
        (
            "SELECT count(*) FROM backup_schedules WHERE next_run_at > '2026-03-29T01:30:00Z'",
            "every schedule moved on",
        ),
    ] {
        assert_eq!(count(&pool, sql).await, SCHEDULES as i64, "{what}");
    }
    println!(
        "herd, {dispatchers} dispatcher(s): {claimed} claimed, {already_handled} due rows \
         already handled by another dispatcher"
    );
    let label = if dispatchers == 1 {
        "1 dispatcher".to_owned()
    } else {
        format!("{dispatchers} dispatchers at once")
    };
    report.add(
        format!(
            "midnight herd, {SCHEDULES} schedules due in one minute, {label}: \
             claimed / runs queued / read models projected"
        ),
        format!(
            "{:.1} s / {:.1} s / {:.1} s",
            claimed_after.as_secs_f64(),
            queued_after.as_secs_f64(),
            projected_after.as_secs_f64()
        ),
        "within 60 s",
    );
    drop(instances);
    drop_database(&name, pool).await;
}
