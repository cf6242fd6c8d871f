//! API read latency under load from a second process: the release binary serves, this
//! process sends an open-loop 1,000 requests/s (half a tenant's schedule list, half a run's
//! detail) and measures each from the moment it was due, so a stall counts in full.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::common::{database, drop_database, percentile_ms, Report, Service, ADMIN_TOKEN};

const RATE: u64 = 1_000;
const WARM_UP: Duration = Duration::from_secs(3);
const MEASURED: Duration = Duration::from_secs(15);
const SCHEDULES: usize = 50;

pub async fn run(report: &mut Report) {
    let (name, pool) = database("api", 2).await;
    let service = Service::start(&name, &[("TENANTPILOT_ROLES", "api,dispatcher,consumers")]).await;
    let tenant = service
        .post(
            "/api/v1/tenants",
            &json!({"display_name": "Bench", "azure_tenant_id": uuid::Uuid::new_v4(),
                    "client_id": uuid::Uuid::new_v4(), "client_secret": "bench-secret-value"}),
        )
        .await;
    let tenant_id = tenant["id"].as_str().unwrap().to_owned();
    let mut schedule_id = String::new();
    for index in 0..SCHEDULES {
        let schedule = service
            .post(
                &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
                &json!({"name": format!("Nightly {index}"),
                        "cadence": {"kind": "daily", "times": ["02:30"]},
                        "timezone": "Europe/Berlin", "policy_types": ["settingsCatalog"],
                        "include_foundations": false, "retention_keep_last": 7}),
            )
            .await;
        schedule_id = schedule["id"].as_str().unwrap().to_owned();
    }
    let response = service
        .http
        .post(format!(
            "{}/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/run-now",
            service.base
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let run_path = response.headers()["location"].to_str().unwrap().to_owned();
    let paths = [
        (
            "GET schedule list (50)",
            format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
        ),
        ("GET run detail", run_path),
    ];

    let results: Arc<Mutex<Vec<(usize, Duration, bool)>>> = Arc::default();
    let started = Instant::now();
    let interval = Duration::from_nanos(1_000_000_000 / RATE);
    let mut tasks = Vec::new();
    let mut sent: u64 = 0;
    while started.elapsed() < WARM_UP + MEASURED {
        let due = started + interval * sent as u32;
        tokio::time::sleep_until(due.into()).await;
        let which = (sent % 2) as usize;
        let url = format!("{}{}", service.base, paths[which].1);
        let (http, results) = (service.http.clone(), results.clone());
        let measured = due.duration_since(started) >= WARM_UP;
        tasks.push(tokio::spawn(async move {
            let answer = http
                .get(url)
                .bearer_auth(ADMIN_TOKEN)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let ok = match answer {
                Ok(response) => {
                    let ok = response.status() == 200;
                    ok && response.json::<Value>().await.is_ok()
                }
                Err(_) => false,
            };
            if measured {
                results.lock().await.push((which, due.elapsed(), ok));
            }
        }));
        sent += 1;
    }
    for task in tasks {
        task.await.unwrap();
    }
    let results = results.lock().await;
    let achieved = results.len() as f64 / MEASURED.as_secs_f64();
    for (which, (label, _)) in paths.iter().enumerate() {
        let mut latencies: Vec<Duration> = results
            .iter()
            .filter(|(path, _, _)| *path == which)
            .map(|(_, latency, _)| *latency)
            .collect();
        latencies.sort();
        let failed = results
            .iter()
            .filter(|(path, _, ok)| *path == which && !ok)
            .count();
        report.add(
            format!("{label} at {RATE} requests/s, second process (p50 / p99)"),
            format!(
                "{:.2} ms / {:.2} ms ({} requests, {failed} not 200, {achieved:.0} requests/s sent)",
                percentile_ms(&latencies, 50),
                percentile_ms(&latencies, 99),
                latencies.len()
            ),
            "p99 at most 20 ms",
        );
    }
    drop(service);
    drop_database(&name, pool).await;
}
