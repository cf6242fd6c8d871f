//! PostgreSQL stopped and started again under load: the service keeps running, `/readyz`
//! goes red then green, requests meanwhile are answered 503 problem+json (never hang, never
//! crash the process), and afterwards every acknowledged write is there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{nightly, TestApp};
use crate::service::Service;

/// `pg_ctlcluster <version> <cluster> <action>` on the cluster the tests use: `main`, or
/// `TENANTPILOT_TEST_PG_CLUSTER` (with `TENANTPILOT_TEST_DATABASE_SERVER` pointing at it,
/// to run this test beside others without stopping their server).
fn cluster(action: &str) {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a PostgreSQL installation")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a cluster version");
    let name = std::env::var("TENANTPILOT_TEST_PG_CLUSTER").unwrap_or_else(|_| "main".into());
    let status = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, &name, action])
        .args(if action == "stop" {
            &["-m", "fast"][..]
        } else {
            &[]
        })
        .status()
        .expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

/// What one request got: its status and, for errors, its content type and code.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    problem_code: Option<String>,
    content_type: String,
}

async fn send(app: &TestApp, tenant_id: &str, index: usize) -> Option<(Answer, Option<String>)> {
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
        )
        .json(&nightly(&format!("Under load {index}")))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let created = (status == 201).then(|| body["id"].as_str().unwrap().to_owned());
    let problem_code = body["code"].as_str().map(str::to_owned);
    Some((
        Answer {
            status,
            problem_code,
            content_type,
        },
        created,
    ))
}

#[tokio::test]
async fn a_postgresql_restart_under_load_is_answered_503_and_loses_nothing() {
    let _serial = crate::serial().await;
    let mut service =
        Service::start(&[("TENANTPILOT_DB_POOL_TIMEOUT_MS", "1000".to_owned())]).await;
    let app = service.app.clone();
    let tenant = app.create_tenant("Restarted").await;
    let tenant_id = tenant["id"].as_str().unwrap().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let created = Arc::new(Mutex::new(Vec::new()));
    let load: Vec<_> = (0..4)
        .map(|client| {
            let (app, tenant_id) = (app.clone(), tenant_id.clone());
            let (stop, answers, created) = (stop.clone(), answers.clone(), created.clone());
            tokio::spawn(async move {
                let mut index = client * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    index += 1;
                    let Some((answer, id)) = send(&app, &tenant_id, index).await else {
                        answers.lock().unwrap().push(Answer {
                            status: 0,
                            problem_code: None,
                            content_type: String::new(),
                        });
                        continue;
                    };
                    answers.lock().unwrap().push(answer);
                    created.lock().unwrap().extend(id);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(1)).await;
    let before_outage = answers.lock().unwrap().len();
    cluster("stop");
    // the outage: readiness is red, and the load keeps being answered
    let mut red = false;
    for _ in 0..100 {
        if service.ready().await == Some(503) {
            red = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during_outage: Vec<Answer> = answers.lock().unwrap()[before_outage..].to_vec();
    cluster("start");
    assert!(red, "/readyz went red while PostgreSQL was down");
    service.wait_ready(Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert!(service.alive(), "the service survived the outage");

    // answers during the outage: 503 problem+json with a code, nothing else, no hang
    let unavailable = during_outage
        .iter()
        .filter(|answer| answer.status == 503)
        .count();
    assert!(unavailable > 0, "requests were made during the outage");
    // A write whose commit was in flight when the server went away cannot know whether it
    // committed: 500 `internal` (the idempotency key makes its retry safe). At most one per
    // client; everything else is 503 `service_unavailable`, problem+json.
    let problem = |answer: &&Answer| answer.content_type == "application/problem+json";
    let in_flight = during_outage
        .iter()
        .filter(|answer| answer.status == 500)
        .filter(problem)
        .filter(|answer| answer.problem_code.as_deref() == Some("internal"))
        .count();
    eprintln!(
        "during the outage: {} answers, {unavailable} of them 503, {in_flight} of 500",
        during_outage.len()
    );
    assert!(in_flight <= 4, "{in_flight} answers of 500");
    let unexpected: Vec<&Answer> = during_outage
        .iter()
        .filter(|answer| ![201, 500, 503].contains(&answer.status))
        .chain(
            during_outage
                .iter()
                .filter(|answer| answer.status == 503)
                .filter(|answer| {
                    !problem(answer)
                        || answer.problem_code.as_deref() != Some("service_unavailable")
                }),
        )
        .collect();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");

    // afterwards: everything acknowledged is there, in the events and in the read model
    let created = created.lock().unwrap().clone();
    assert!(!created.is_empty());
    for id in &created {
        let stored = app
            .count(&format!(
                "SELECT count(*) FROM events WHERE aggregate_id = '{id}' AND event_type = 'ScheduleCreated'"
            ))
            .await;
        assert_eq!(stored, 1, "the acknowledged schedule {id} was kept");
    }
    let response = app.create_schedule(&tenant_id, &nightly("After")).await;
    assert_eq!(response.status(), 201, "writes work again");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let projected = app.count("SELECT count(*) FROM backup_schedules").await;
        let events = app
            .count("SELECT count(*) FROM events WHERE event_type = 'ScheduleCreated'")
            .await;
        if projected == events {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the read model caught up after the outage ({projected} of {events})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    service.assert_no_panic();
}
