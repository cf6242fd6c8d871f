//! Workers in separate processes: a run whose worker is killed is abandoned when its lease
//! expires and finished by another worker, never left running; two worker processes over
//! 50 queued runs execute each run exactly once.

use std::time::Duration;

use serde_json::Value;
use tenantpilot::graph_sim::{Fault, RunningSimulator};
use tokio::process::{Child, Command};

use crate::graph_world::{finished, register, start_simulator, tenant_config};
use crate::helpers::{nightly, spawn_app_with, TestApp};

/// One key for the test app and its worker processes: they open the same sealed secrets.
fn shared_key() -> String {
    tenantpilot::secrets::SecretKey::generate().to_base64()
}

async fn spawn_app_without_workers(key: &str) -> TestApp {
    let key = key.to_owned();
    spawn_app_with(move |name| match name {
        "TENANTPILOT_SECRET_KEY" => Some(key.clone()),
        "TENANTPILOT_PROJECTOR_POLL_MS" => Some("50".to_owned()),
        _ => None,
    })
    .await
}

/// `tenantpilot serve` running only workers, on the app's database, against `sim`.
fn worker_process(app: &TestApp, sim: &RunningSimulator, key: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("TENANTPILOT_ROLES", "worker")
        .env("TENANTPILOT_SECRET_KEY", key)
        .env("TENANTPILOT_GRAPH_URL", sim.graph_url())
        .env("TENANTPILOT_LOGIN_URL", sim.login_url())
        .env("TENANTPILOT_LEASE_SECONDS", "2")
        .env("TENANTPILOT_WORKER_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("a worker process starts")
}

async fn run_now(app: &TestApp, tenant_id: &str) -> String {
    let schedule: Value = app
        .create_schedule(tenant_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}/run-now",
        schedule["id"].as_str().unwrap()
    );
    let response = app.post_empty(&path).await;
    assert_eq!(response.status(), 202);
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn event_types(app: &TestApp, run_id: &str) -> Vec<(String, Value)> {
    app.events_of(run_id)
        .await
        .into_iter()
        .map(|(event_type, payload, _)| (event_type, payload))
        .collect()
}

#[tokio::test]
async fn a_killed_workers_run_is_abandoned_after_its_lease_and_finished_by_another() {
    let key = shared_key();
    let mut tenant = tenant_config(&[("deviceConfigurations", 3), ("settingsCatalog", 2)]);
    // slow enough that the first worker is surely mid-run when it is killed
    tenant.faults = vec![Fault::Slow {
        policy_type: None,
        delay_ms: 700,
    }];
    let sim = start_simulator(vec![tenant.clone()]).await;
    let app = spawn_app_without_workers(&key).await;
    let tenant_id = register(&app, &tenant).await;
    let location = run_now(&app, &tenant_id).await;
    let run_id = location.rsplit('/').next().unwrap().to_owned();

    let mut first = worker_process(&app, &sim, &key);
    let mut running = false;
    for _ in 0..400 {
        let run: Value = app.get(&location).await.json().await.unwrap();
        if run["status"] == "running" {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(running, "the first worker started the run");
    first.kill().await.expect("kill -9 the first worker");

    sim.set_faults(&tenant.azure_tenant_id, Vec::new()).unwrap();
    let _second = worker_process(&app, &sim, &key);
    let run = finished(&app, &location).await;
    assert_eq!(run["status"], "success", "{run:#}");

    let events = event_types(&app, &run_id).await;
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    let abandoned = events
        .iter()
        .find(|(name, _)| name == "RunAbandoned")
        .expect("the lost worker's run was abandoned");
    assert_eq!(abandoned.1["requeued"], true);
    assert_eq!(
        names.iter().filter(|name| **name == "RunStarted").count(),
        2,
        "{names:?}"
    );
    assert_eq!(names.last(), Some(&"RunFinished"));
    assert_eq!(app.count("SELECT count(*) FROM run_leases").await, 0);
}

#[tokio::test]
async fn two_worker_processes_execute_each_of_50_queued_runs_once() {
    let key = shared_key();
    let tenants: Vec<_> = (0..50)
        .map(|_| tenant_config(&[("deviceConfigurations", 2)]))
        .collect();
    let sim = start_simulator(tenants.clone()).await;
    let app = spawn_app_without_workers(&key).await;
    let mut locations = Vec::new();
    for tenant in &tenants {
        let tenant_id = register(&app, tenant).await;
        locations.push(run_now(&app, &tenant_id).await);
    }
    let _workers = [
        worker_process(&app, &sim, &key),
        worker_process(&app, &sim, &key),
    ];
    for location in &locations {
        let run = finished(&app, location).await;
        assert_eq!(run["status"], "success", "{run:#}");
        let run_id = location.rsplit('/').next().unwrap();
        let names: Vec<String> = event_types(&app, run_id)
            .await
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                "RunQueued",
                "RunStarted",
                "SyncCompleted",
                "BackupCreated",
                "RunFinished"
            ],
            "executed exactly once"
        );
    }
    let workers = app
        .count(
            "SELECT count(DISTINCT split_part(payload ->> 'worker', '/', 1)) FROM events
         WHERE event_type = 'RunStarted'",
        )
        .await;
    assert_eq!(workers, 2, "both processes took runs");
}
