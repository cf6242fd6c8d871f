//! Manual runs, retries and the upcoming-slot preview, against a real database.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::domain::run::{Run, RunCommand, RunStatus};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use uuid::Uuid;

use crate::helpers::{at, nightly, problem, spawn_app};
use crate::scheduler::GRACE;

pub async fn finish_run(pool: &Pool, run_id: &str, status: RunStatus) {
    finish_run_at(pool, run_id, status, at("2026-06-01T12:05:00Z")).await
}

/// Starts and finishes a queued run as a worker would, at `now`, and lets the consumers
/// record it.
pub async fn finish_run_at(pool: &Pool, run_id: &str, status: RunStatus, now: DateTime<Utc>) {
    let runs: AggregateStore<Run> = AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let metadata = EventMetadata::system("worker", "test", Utc::now());
    runs.execute(
        run_id,
        RunCommand::Start {
            worker: "test".into(),
            now,
        },
        &metadata,
        None,
    )
    .await
    .unwrap();
    runs.execute(
        run_id,
        RunCommand::Finish {
            status,
            error_code: Some("throttled".into()),
            error_message: None,
            now,
        },
        &metadata,
        None,
    )
    .await
    .unwrap();
    Consumers::new().catch_up(pool).await.unwrap();
}

#[tokio::test]
async fn run_now_and_retry_follow_their_rules() {
    let app = spawn_app().await;
    let (tenant, schedule, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();

    let response = app.post_empty(&format!("{path}/run-now")).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let run: Value = response.json().await.unwrap();
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["status"], "queued");
    assert_eq!(app.get(&location).await.json::<Value>().await.unwrap(), run);
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        after["next_run_at"], schedule["next_run_at"],
        "run-now does not move next_run_at"
    );

    let before = app.event_count().await;
    let (status, body) = problem(app.post_empty(&format!("{path}/run-now")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("run_already_active"))
    );
    let run_id = run["id"].as_str().unwrap();
    let retry_path = format!("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}/retry");
    let (status, body) = problem(app.post_empty(&retry_path).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("run_not_retryable"))
    );
    assert_eq!(app.event_count().await, before, "refusals write nothing");

    finish_run(&app.pool, run_id, RunStatus::Failed).await;
    let recorded: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(recorded["last_run_status"], "failed");
    let response = app.post_empty(&retry_path).await;
    assert_eq!(response.status(), 202);
    let retry: Value = response.json().await.unwrap();
    assert_eq!(retry["trigger"], "retry");
    assert_eq!(retry["retry_of"], run["id"]);
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        unchanged["next_run_at"], schedule["next_run_at"],
        "retry does not move next_run_at"
    );

    finish_run(&app.pool, retry["id"].as_str().unwrap(), RunStatus::Success).await;
    let (status, body) = problem(
        app.post_empty(&format!(
            "/api/v1/tenants/{tenant_id}/backup-runs/{}/retry",
            retry["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("run_not_retryable"))
    );

    let runs: Value = app.get(&format!("{path}/runs")).await.json().await.unwrap();
    let ids: Vec<&str> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![retry["id"].as_str().unwrap(), run_id],
        "newest first"
    );
}

/// Sends an empty POST with `If-Match`.
async fn post_if_match(app: &crate::helpers::TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.request(reqwest::Method::POST, path)
        .header("If-Match", etag)
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn run_now_and_retry_with_a_stale_schedule_etag_are_refused_and_queue_nothing() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let read = app.get(&path).await;
    let seen = read.headers()["etag"].to_str().unwrap().to_owned();
    // someone else edits the schedule after it was read
    let edited = app
        .patch(&path, &json!({"retention_keep_last": 3}), None)
        .await;
    assert_eq!(edited.status(), 200);
    let current = edited.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(seen, current);

    let before = app.event_count().await;
    let (status, body) =
        problem(post_if_match(&app, &format!("{path}/run-now"), &seen).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (412, Some("version_mismatch")),
        "{body}"
    );
    assert_eq!(
        app.event_count().await,
        before,
        "a stale run-now writes nothing"
    );
    let runs: Value = app.get(&format!("{path}/runs")).await.json().await.unwrap();
    assert_eq!(
        runs["items"].as_array().unwrap().len(),
        0,
        "no run was queued"
    );

    let response = post_if_match(&app, &format!("{path}/run-now"), &current).await;
    assert_eq!(response.status(), 202);
    let run: Value = response.json().await.unwrap();
    finish_run(&app.pool, run["id"].as_str().unwrap(), RunStatus::Failed).await;

    // the failed run's retry, based on the schedule as it was before the run was queued
    let retry_path = format!(
        "/api/v1/tenants/{tenant_id}/backup-runs/{}/retry",
        run["id"].as_str().unwrap()
    );
    let before = app.event_count().await;
    let (status, body) = problem(post_if_match(&app, &retry_path, &current).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (412, Some("version_mismatch")),
        "{body}"
    );
    assert_eq!(
        app.event_count().await,
        before,
        "a stale retry writes nothing"
    );
    let now_current = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = post_if_match(&app, &retry_path, &now_current).await;
    assert_eq!(response.status(), 202);
    let retry: Value = response.json().await.unwrap();
    assert_eq!(retry["retry_of"], run["id"]);
    // a second operator retrying from the same screen is told, not given a second run
    let (status, _) = problem(post_if_match(&app, &retry_path, &now_current).await).await;
    assert_eq!(status, 412);
}

#[tokio::test]
async fn replaying_the_run_recorder_never_rolls_the_last_run_status_back() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let older: Value = app
        .post_empty(&format!("{path}/run-now"))
        .await
        .json()
        .await
        .unwrap();
    let older_id = older["id"].as_str().unwrap();
    finish_run_at(
        &app.pool,
        older_id,
        RunStatus::Failed,
        at("2026-06-01T12:05:00Z"),
    )
    .await;
    let newer: Value = app
        .post_empty(&format!(
            "/api/v1/tenants/{tenant_id}/backup-runs/{older_id}/retry"
        ))
        .await
        .json()
        .await
        .unwrap();
    let newer_id = newer["id"].as_str().unwrap();
    finish_run_at(
        &app.pool,
        newer_id,
        RunStatus::Success,
        at("2026-06-01T12:10:00Z"),
    )
    .await;
    let recorded: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(recorded["last_run_status"], "success");
    let schedule_id = recorded["id"].as_str().unwrap();
    let recordings = app.events_of(schedule_id).await.len();

    // a crash before the checkpoint moved: the recorder sees both outcomes again
    app.pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE consumer_checkpoints SET position = 0 WHERE name = 'run_recorder'",
            &[],
        )
        .await
        .unwrap();
    Consumers::new().catch_up(&app.pool).await.unwrap();
    assert_eq!(
        app.events_of(schedule_id).await.len(),
        recordings,
        "nothing recorded twice"
    );
    let replayed: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(replayed["last_run_status"], "success");
    assert_eq!(replayed["version"], recorded["version"]);
}

#[tokio::test]
async fn run_endpoints_refuse_bad_input_and_other_tenants() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let schedule: Value = app
        .create_schedule(contoso_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let schedule_id = schedule["id"].as_str().unwrap();
    let run: Value = app
        .post_empty(&format!(
            "/api/v1/tenants/{contoso_id}/backup-schedules/{schedule_id}/run-now"
        ))
        .await
        .json()
        .await
        .unwrap();
    let before = app.event_count().await;
    let fabrikam_id = fabrikam["id"].as_str().unwrap();
    for response in [
        app.post_empty(&format!(
            "/api/v1/tenants/{fabrikam_id}/backup-schedules/{schedule_id}/run-now"
        ))
        .await,
        app.get(&format!(
            "/api/v1/tenants/{fabrikam_id}/backup-runs/{}",
            run["id"].as_str().unwrap()
        ))
        .await,
        app.post_empty(&format!(
            "/api/v1/tenants/{fabrikam_id}/backup-runs/{}/retry",
            run["id"].as_str().unwrap()
        ))
        .await,
        app.post_empty(&format!(
            "/api/v1/tenants/{contoso_id}/backup-runs/{}/retry",
            Uuid::new_v4()
        ))
        .await,
    ] {
        let (status, body) = problem(response).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    }
    let upcoming = format!("/api/v1/tenants/{contoso_id}/backup-schedules/{schedule_id}/upcoming");
    for query in [
        "count=0",
        "count=101",
        "count=x",
        "after=yesterday",
        "after=2026-01-01",
    ] {
        let (status, body) = problem(app.get(&format!("{upcoming}?{query}")).await).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    // a deleted schedule cannot be run
    let path = format!("/api/v1/tenants/{contoso_id}/backup-schedules/{schedule_id}");
    app.delete(&path).await;
    let after_delete = app.event_count().await;
    let (status, _) = problem(app.post_empty(&format!("{path}/run-now")).await).await;
    assert_eq!(status, 404);
    assert_eq!(app.event_count().await, after_delete);
    assert!(after_delete > before);
}

#[tokio::test]
async fn upcoming_slots_are_exactly_what_the_dispatcher_claims_across_daylight_saving() {
    let app = spawn_app().await;
    app.clock.set(at("2027-03-26T12:00:00Z"));
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let mut body = nightly("Nightly");
    body["cadence"] = json!({"kind": "daily", "times": ["02:30", "03:15"]});
    let schedule: Value = app
        .create_schedule(tenant_id, &body)
        .await
        .json()
        .await
        .unwrap();
    let schedule_id = schedule["id"].as_str().unwrap();
    let upcoming: Value = app
        .get(&format!(
            "/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/upcoming?after=2027-03-27T00:00:00Z&count=6"
        ))
        .await
        .json()
        .await
        .unwrap();
    let slots: Vec<DateTime<Utc>> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| at(item["scheduled_for"].as_str().unwrap()))
        .collect();
    // 2027-03-28 is the spring-forward day: 02:30 does not exist and runs at 03:30 CEST,
    // after that day's 03:15
    assert_eq!(
        upcoming["items"][2],
        json!({"scheduled_for": "2027-03-28T01:15:00Z", "local_time": "2027-03-28T03:15:00+02:00"})
    );
    assert_eq!(
        upcoming["items"][3],
        json!({"scheduled_for": "2027-03-28T01:30:00Z", "local_time": "2027-03-28T03:30:00+02:00"})
    );
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        GRACE,
    );
    let consumers = Consumers::new();
    for slot in &slots {
        consumers.catch_up(&app.pool).await.unwrap();
        let summary = dispatcher.tick(*slot).await.unwrap();
        assert_eq!(summary.claimed.len(), 1, "slot {slot} claimed");
        assert_eq!(summary.claimed[0].scheduled_for, *slot);
        consumers.catch_up(&app.pool).await.unwrap();
        let run_id = summary.claimed[0].run_id.unwrap().to_string();
        finish_run(&app.pool, &run_id, RunStatus::Success).await;
    }
    let claimed: Vec<DateTime<Utc>> = app
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT scheduled_for FROM backup_runs ORDER BY scheduled_for",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(claimed, slots);
}
