//! What must hold of the store after any crash, restart or race, checked in SQL against the
//! events themselves (the source of truth) and the read models built from them.

use crate::helpers::TestApp;

/// Each check: a description and a query counting its violations.
const CHECKS: &[(&str, &str)] = &[
    (
        "every aggregate's sequences run 1..n without a gap (no event lost)",
        "SELECT count(*) FROM (
             SELECT aggregate_type, aggregate_id FROM events GROUP BY 1, 2
             HAVING min(sequence) <> 1 OR max(sequence) <> count(*)) gaps",
    ),
    (
        "positions are unique and event ids too",
        "SELECT (SELECT count(*) FROM events) - (SELECT count(DISTINCT event_id) FROM events)",
    ),
    (
        "no run id is claimed twice",
        "SELECT count(*) FROM (
             SELECT payload ->> 'run_id' FROM events WHERE event_type = 'SlotClaimed'
             GROUP BY 1 HAVING count(*) > 1) twice",
    ),
    (
        "no cadence slot has two runs",
        "SELECT count(*) FROM (
             SELECT aggregate_id, payload ->> 'scheduled_for' FROM events
             WHERE event_type = 'SlotClaimed' AND payload ->> 'trigger' = 'scheduled'
             GROUP BY 1, 2 HAVING count(*) > 1) twice",
    ),
    (
        "every claimed slot has its run",
        "SELECT count(*) FROM events claim
         WHERE claim.event_type = 'SlotClaimed' AND NOT EXISTS (
             SELECT 1 FROM events queued
             WHERE queued.aggregate_id = claim.payload ->> 'run_id'
               AND queued.event_type = 'RunQueued')",
    ),
    (
        "every run was claimed",
        "SELECT count(*) FROM events queued
         WHERE queued.event_type = 'RunQueued' AND NOT EXISTS (
             SELECT 1 FROM events claim
             WHERE claim.event_type = 'SlotClaimed'
               AND claim.payload ->> 'run_id' = queued.aggregate_id)",
    ),
    (
        "no run finished twice",
        "SELECT count(*) FROM (
             SELECT aggregate_id FROM events WHERE event_type = 'RunFinished'
             GROUP BY 1 HAVING count(*) > 1) twice",
    ),
    (
        "the runs read model has exactly the queued runs",
        "SELECT abs((SELECT count(*) FROM backup_runs)
                  - (SELECT count(*) FROM events WHERE event_type = 'RunQueued'))",
    ),
    (
        "no run is running without a live lease",
        "SELECT count(*) FROM backup_runs run
         WHERE run.status = 'running' AND NOT EXISTS (
             SELECT 1 FROM run_leases lease
             WHERE lease.run_id = run.id AND lease.expires_at > now())",
    ),
];

/// Panics naming every invariant that does not hold.
pub async fn assert_hold(app: &TestApp) {
    let mut broken = Vec::new();
    for (description, sql) in CHECKS {
        let violations = app.count(sql).await;
        if violations != 0 {
            broken.push(format!("{description}: {violations} violation(s)"));
        }
    }
    assert!(
        broken.is_empty(),
        "invariants broken:\n{}",
        broken.join("\n")
    );
}

/// Waits (at most `seconds`) until no run is queued or running, then returns how many runs
/// ended in each status.
pub async fn settle_runs(app: &TestApp, seconds: u64) -> Vec<(String, i64)> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        let open = app
            .count("SELECT count(*) FROM backup_runs WHERE status IN ('queued', 'running')")
            .await;
        if open == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{open} run(s) still queued or running after {seconds} s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let client = app.pool.get().await.expect("connection");
    client
        .query(
            "SELECT status, count(*) FROM backup_runs GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .expect("statuses")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}
