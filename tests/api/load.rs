//! A burst of writes on a small pool: every request is answered (201, or 503 problem+json
//! with Retry-After), none hangs, and the service is ready afterwards. Not timed: the
//! bound on each request only tells a hang from an answer.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{nightly, spawn_app_with, TestApp};

/// Longer than any answer can take (pool wait 2 s, visibility wait 5 s): a request still
/// open after this hangs.
const HANG: Duration = Duration::from_secs(60);
const BURST: usize = 60;

fn small_pool(name: &str) -> Option<String> {
    (name == "TENANTPILOT_DB_POOL_SIZE").then(|| "4".to_owned())
}

/// Fires `BURST` POSTs at once; returns each answer's status and body.
async fn burst(app: &TestApp, path: &str, body: impl Fn(usize) -> Value) -> Vec<(u16, Value)> {
    let requests = (0..BURST).map(|index| {
        let request = app
            .request(reqwest::Method::POST, path)
            .timeout(HANG)
            .json(&body(index));
        async move {
            let response = request.send().await.expect("answered, not hung");
            let status = response.status();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json"
                );
                assert!(response.headers().contains_key("retry-after"));
            }
            let body: Value = response.json().await.expect("a JSON body");
            (status.as_u16(), body)
        }
    });
    futures_util::future::join_all(requests).await
}

fn assert_created_or_unavailable(answers: &[(u16, Value)]) -> usize {
    for (status, body) in answers {
        assert!(
            *status == 201 || *status == 503,
            "answered {status}: {body}"
        );
    }
    answers.iter().filter(|(status, _)| *status == 201).count()
}

#[tokio::test]
async fn a_burst_of_writes_on_a_pool_of_four_is_answered_and_leaves_the_service_ready() {
    let app = spawn_app_with(small_pool).await;

    let tenants = burst(&app, "/api/v1/tenants", |index| {
        json!({
            "display_name": format!("Tenant {index}"),
            "azure_tenant_id": Uuid::new_v4(),
            "client_id": Uuid::new_v4(),
            "client_secret": "app-secret-value",
        })
    })
    .await;
    let created = assert_created_or_unavailable(&tenants);
    assert!(created > 0, "some tenants were created");
    // every 201 is one tenant, readable at once; a 503 wrote nothing
    assert_eq!(
        app.count("SELECT count(*) FROM events WHERE event_type = 'TenantRegistered'")
            .await,
        created as i64
    );
    assert_eq!(
        app.count("SELECT count(*) FROM tenants").await,
        created as i64
    );

    let tenant_id = tenants
        .iter()
        .find(|(status, _)| *status == 201)
        .and_then(|(_, body)| body["id"].as_str())
        .expect("a created tenant")
        .to_owned();
    let path = format!("/api/v1/tenants/{tenant_id}/backup-schedules");
    let schedules = burst(&app, &path, |index| nightly(&format!("Nightly {index}"))).await;
    let created = assert_created_or_unavailable(&schedules);
    assert!(created > 0, "some schedules were created");
    assert_eq!(
        app.count("SELECT count(*) FROM backup_schedules").await,
        created as i64
    );

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(app.get("/api/v1/tenants").await.status(), 200);
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after_and_recovers() {
    let app = spawn_app_with(|name| match name {
        "TENANTPILOT_DB_POOL_SIZE" => Some("2".to_owned()),
        "TENANTPILOT_DB_POOL_TIMEOUT_MS" => Some("200".to_owned()),
        _ => None,
    })
    .await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_path = format!("/api/v1/tenants/{}", tenant["id"].as_str().unwrap());
    // every connection of the app's pool taken (the test shares the app's pool)
    let held = futures_util::future::join_all((0..2).map(|_| app.pool.get())).await;
    let held: Vec<_> = held.into_iter().map(Result::unwrap).collect();

    let response = app
        .request(reqwest::Method::GET, &tenant_path)
        .timeout(HANG)
        .send()
        .await
        .expect("answered, not hung");
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");

    drop(held);
    assert_eq!(app.get(&tenant_path).await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn a_burst_of_run_nows_with_one_etag_on_a_pool_of_four_queues_one_run() {
    let app = spawn_app_with(small_pool).await;
    let (_, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let read = app.get(&path).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let requests = (0..BURST).map(|_| {
        let request = app
            .request(reqwest::Method::POST, &format!("{path}/run-now"))
            .header("If-Match", &etag)
            .timeout(HANG);
        async move {
            let response = request.send().await.expect("answered, not hung");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("a JSON body");
            (status, body)
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    for (status, body) in &answers {
        // one wins; the others find the schedule moved on (412), a run active (409), or no
        // connection (503)
        assert!(
            [202, 409, 412, 503].contains(status),
            "answered {status}: {body}"
        );
    }
    let queued = answers.iter().filter(|(status, _)| *status == 202).count();
    assert_eq!(queued, 1, "one ETag queues one run");
    let runs: Value = app.get(&format!("{path}/runs")).await.json().await.unwrap();
    assert_eq!(runs["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/readyz").await.status(), 200);
}
