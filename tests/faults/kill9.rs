//! kill -9 at random moments while 100 runs are in flight: after the restarts every
//! acknowledged run exists and ends, no slot has two runs, nothing is left running.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tenantpilot::graph_sim::Fault;

use crate::graph_world::{register, start_simulator, tenant_config};
use crate::helpers::nightly;
use crate::invariants::{assert_hold, settle_runs};
use crate::service::Service;

const TENANTS: usize = 10;
const SCHEDULES_PER_TENANT: usize = 10;
const KILLS: usize = 3;

/// A random number below `bound` (the test prints what it drew, so a failure can be read).
fn random_below(bound: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(bound)) as u64
}

#[tokio::test]
async fn sigkill_with_a_hundred_runs_in_flight_loses_and_duplicates_nothing() {
    let _serial = crate::serial().await;
    let mut tenants: Vec<_> = (0..TENANTS)
        .map(|_| tenant_config(&[("deviceConfigurations", 3), ("settingsCatalog", 2)]))
        .collect();
    for tenant in &mut tenants {
        // slow enough that runs are mid-flight whenever the kill comes
        tenant.faults = vec![Fault::Slow {
            policy_type: None,
            delay_ms: 150,
        }];
    }
    let sim = start_simulator(tenants.clone()).await;
    let mut service = Service::start(&[
        ("TENANTPILOT_GRAPH_URL", sim.graph_url()),
        ("TENANTPILOT_LOGIN_URL", sim.login_url()),
        ("TENANTPILOT_WORKERS", "16".to_owned()),
    ])
    .await;
    let app = service.app.clone();

    let mut schedule_paths = Vec::new();
    for tenant in &tenants {
        let tenant_id = register(&app, tenant).await;
        for index in 0..SCHEDULES_PER_TENANT {
            let response = app
                .create_schedule(&tenant_id, &nightly(&format!("Schedule {index}")))
                .await;
            assert_eq!(response.status(), 201);
            let schedule: Value = response.json().await.unwrap();
            schedule_paths.push(format!(
                "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
                schedule["id"].as_str().unwrap()
            ));
        }
    }

    // 100 run-now requests at once; the kills start while they are still being answered
    let requests = {
        let app = app.clone();
        let paths = schedule_paths.clone();
        tokio::spawn(async move {
            futures_util::stream::iter(paths)
                .map(|path| {
                    let app = app.clone();
                    async move {
                        let response = app
                            .request(reqwest::Method::POST, &format!("{path}/run-now"))
                            .send()
                            .await
                            .ok()?;
                        (response.status() == 202).then(|| {
                            let location = response.headers()["location"].to_str().unwrap();
                            location.rsplit('/').next().unwrap().to_owned()
                        })
                    }
                })
                .buffer_unordered(20)
                .collect::<Vec<Option<String>>>()
                .await
        })
    };
    for kill in 0..KILLS {
        let pause = 200 + random_below(2_000);
        eprintln!("kill {kill}: SIGKILL after {pause} ms");
        tokio::time::sleep(Duration::from_millis(pause)).await;
        service.kill9().await;
        service.spawn().await;
    }
    let acknowledged: Vec<String> = requests.await.unwrap().into_iter().flatten().collect();
    let statuses = settle_runs(&app, 180).await;
    eprintln!(
        "{} run-now answered 202 across the kills; runs ended: {statuses:?}",
        acknowledged.len()
    );
    for run_id in &acknowledged {
        for event_type in ["RunQueued", "RunFinished"] {
            let count = app
                .count(&format!(
                    "SELECT count(*) FROM events
                     WHERE aggregate_id = '{run_id}' AND event_type = '{event_type}'"
                ))
                .await;
            assert_eq!(count, 1, "the acknowledged run {run_id}: one {event_type}");
        }
    }
    // A run only fails here because its worker was killed twice (requeued once, then
    // failed as `internal`); nothing else may have gone wrong.
    let other_failures = app
        .count(
            "SELECT count(*) FROM backup_runs WHERE status <> 'success'
             AND NOT (status = 'failed' AND error_code = 'internal'
                      AND error_message LIKE 'the run''s worker stopped%')",
        )
        .await;
    assert_eq!(other_failures, 0, "runs failed for another reason");

    // Whatever the kills cut off or failed is asked again: every schedule gets its backup.
    for path in &schedule_paths {
        let schedule_id = path.rsplit('/').next().unwrap();
        let succeeded = app
            .count(&format!(
                "SELECT count(*) FROM backup_runs
                 WHERE schedule_id = '{schedule_id}' AND status = 'success'"
            ))
            .await;
        if succeeded == 0 {
            let response = app.post_empty(&format!("{path}/run-now")).await;
            assert_eq!(response.status(), 202, "run-now after the restarts");
        }
    }
    settle_runs(&app, 180).await;
    let without_backup = app
        .count(
            "SELECT count(*) FROM backup_schedules schedule WHERE NOT EXISTS (
                 SELECT 1 FROM backup_runs run
                 WHERE run.schedule_id = schedule.id AND run.status = 'success')",
        )
        .await;
    assert_eq!(without_backup, 0, "every schedule has a successful run");
    assert_hold(&app).await;
    service.assert_no_panic();
}
