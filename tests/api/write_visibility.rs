//! A committed write is never answered as failed: when the read models cannot show it (a
//! consumer fails), the write answers 202 with its location, a retry with the same
//! Idempotency-Key replays that answer without writing again, and the write shows up once
//! the consumer recovers.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{nightly, spawn_app_with, TestApp};

async fn execute(app: &TestApp, sql: &str) {
    app.pool
        .get()
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap();
}

async fn schedules_created(app: &TestApp) -> i64 {
    app.pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM events WHERE event_type = 'ScheduleCreated'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_failing_consumer_turns_a_committed_write_into_202_and_a_retry_is_not_executed_twice() {
    let app = spawn_app_with(|name| match name {
        "TENANTPILOT_WRITE_VISIBILITY_TIMEOUT_MS" => Some("300".to_owned()),
        "TENANTPILOT_PROJECTOR_POLL_MS" => Some("20".to_owned()),
        _ => None,
    })
    .await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!(
        "/api/v1/tenants/{}/backup-schedules",
        tenant["id"].as_str().unwrap()
    );
    // the read-model projector fails on every schedule from now on
    execute(
        &app,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'projection broken by the test'; END $$;
         CREATE TRIGGER broken BEFORE INSERT ON backup_schedules
             FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await;

    let send = || {
        app.request(reqwest::Method::POST, &path)
            .header("Idempotency-Key", "nightly-1")
            .json(&nightly("Nightly"))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 202, "committed, not failed");
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let accepted: Value = first.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["location"], location.as_str());
    assert_eq!(schedules_created(&app).await, 1);

    let retry = send().await.unwrap();
    assert_eq!(retry.status(), 202);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), accepted);
    assert_eq!(schedules_created(&app).await, 1, "the retry wrote nothing");

    // the consumer recovers and the write shows where the 202 said
    execute(&app, "DROP TRIGGER broken ON backup_schedules").await;
    let mut shown = None;
    for _ in 0..300 {
        let response = app.get(&location).await;
        if response.status() == 200 {
            shown = Some(response.json::<Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let schedule = shown.expect("the schedule shows once the projector recovers");
    assert_eq!(schedule["name"], "Nightly");
}

#[tokio::test]
async fn a_write_answers_with_the_state_any_later_read_shows() {
    let app = spawn_app_with(|_| None).await;
    let (_, schedule, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read, schedule);
    let runs = app.post_empty(&format!("{path}/run-now")).await;
    assert_eq!(runs.status(), 202);
    let run: Value = runs.json().await.unwrap();
    assert_eq!(run["status"], "queued", "the run the consumers queued");
}
