//! The dispatcher, the run creator and the run endpoints against a real database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::domain::cadence::{Cadence, TimeOfDay};
use tenantpilot::domain::run::{Run, RunCommand, RunStatus};
use tenantpilot::domain::schedule::{
    CreateSchedule, PolicyTypeSelection, RetentionKeepLast, Schedule, ScheduleCommand,
    ScheduleName, ScheduleSpec,
};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use uuid::Uuid;

use crate::helpers::{at, fresh_database, nightly, problem, spawn_app};

const GRACE: Duration = Duration::from_secs(300);

/// Creates `count` enabled daily-02:30 Berlin schedules straight through the aggregates.
async fn create_schedules(pool: &Pool, count: usize, now: DateTime<Utc>) -> Vec<Uuid> {
    let store: AggregateStore<Schedule> =
        AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let tenant_id = Uuid::now_v7();
    let mut ids = Vec::with_capacity(count);
    for index in 0..count {
        let schedule_id = Uuid::now_v7();
        let command = ScheduleCommand::Create(CreateSchedule {
            schedule_id,
            tenant_id,
            spec: ScheduleSpec {
                name: ScheduleName::parse(&format!("Nightly {index}")).unwrap(),
                enabled: true,
                cadence: Cadence::Daily {
                    times: vec![TimeOfDay::parse("02:30").unwrap()],
                },
                timezone: "Europe/Berlin".parse().unwrap(),
                policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
                include_foundations: false,
                retention_keep_last: RetentionKeepLast::new(7).unwrap(),
            },
            now,
        });
        let metadata = EventMetadata::system("test", "setup", now).for_tenant(tenant_id);
        store
            .execute(&schedule_id.to_string(), command, &metadata, None)
            .await
            .unwrap();
        ids.push(schedule_id);
    }
    ids
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_concurrent_dispatchers_over_500_due_schedules_queue_exactly_500_runs() {
    let (url, pool) = fresh_database().await;
    create_schedules(&pool, 500, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new(PgEventRepository::new(pool.clone()));
    consumers.catch_up(&pool).await.unwrap();

    // four dispatchers, each with its own connection pool, tick the same minute at once
    let slot = at("2026-03-29T01:30:00Z");
    let dispatchers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let pool = tenantpilot::db::create_pool(&url, 8).unwrap();
                let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool), GRACE);
                dispatcher.tick(slot).await.unwrap()
            })
        })
        .collect();
    let mut claimed = 0;
    for dispatcher in dispatchers {
        let summary = dispatcher.await.unwrap();
        assert_eq!(summary.failed, 0);
        assert!(summary.skipped.is_empty());
        claimed += summary.claimed.len();
    }
    assert_eq!(
        claimed, 500,
        "the four dispatchers claimed 500 slots between them"
    );

    consumers.catch_up(&pool).await.unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'SlotClaimed'"
        )
        .await,
        500
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        500
    );
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT (schedule_id, scheduled_for)) FROM backup_runs WHERE status = 'queued'").await,
        500
    );
    // every schedule moved on to the next day's slot (CEST by then: 00:30Z)
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM backup_schedules WHERE next_run_at = '2026-03-30T00:30:00Z'"
        )
        .await,
        500
    );
    // a late fifth dispatcher finds nothing left to claim
    let late = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    let summary = late.tick(slot).await.unwrap();
    assert!(summary.claimed.is_empty());
}

#[tokio::test]
async fn a_slot_past_the_grace_period_is_skipped_as_missed_without_catch_up() {
    let (_, pool) = fresh_database().await;
    let ids = create_schedules(&pool, 1, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new(PgEventRepository::new(pool.clone()));
    consumers.catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);

    // the service was down for two days: the 01:30Z slot is long gone at 09:00Z on the 31st
    let summary = dispatcher.tick(at("2026-03-31T09:00:00Z")).await.unwrap();
    assert!(summary.claimed.is_empty());
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].schedule_id, ids[0]);
    assert_eq!(json!(summary.skipped[0].reason), json!("missed"));
    consumers.catch_up(&pool).await.unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 0);
    // no catch-up: the next slot is the first one after now
    let next: DateTime<Utc> = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT next_run_at FROM backup_schedules", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, at("2026-04-01T00:30:00Z"));
}

#[tokio::test]
async fn a_slot_while_the_previous_run_is_still_queued_is_skipped_as_overlap() {
    let (_, pool) = fresh_database().await;
    create_schedules(&pool, 1, at("2026-03-28T12:00:00Z")).await;
    let consumers = Consumers::new(PgEventRepository::new(pool.clone()));
    consumers.catch_up(&pool).await.unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    assert_eq!(
        dispatcher
            .tick(at("2026-03-29T01:30:00Z"))
            .await
            .unwrap()
            .claimed
            .len(),
        1
    );
    consumers.catch_up(&pool).await.unwrap();
    let summary = dispatcher.tick(at("2026-03-30T00:30:00Z")).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(json!(summary.skipped[0].reason), json!("overlap"));
}

#[tokio::test]
async fn disabled_schedules_claim_nothing() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let schedule: Value = app
        .create_schedule(tenant_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    app.post_empty(&format!("{path}/disable")).await;
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        GRACE,
    );
    let summary = dispatcher.tick(at("2026-06-02T00:30:00Z")).await.unwrap();
    assert_eq!(summary.due, 0);
    assert!(summary.claimed.is_empty());
}

#[tokio::test]
async fn a_claim_whose_run_was_not_yet_queued_is_queued_after_a_restart_exactly_once() {
    let (_, pool) = fresh_database().await;
    create_schedules(&pool, 3, at("2026-03-28T12:00:00Z")).await;
    Consumers::new(PgEventRepository::new(pool.clone()))
        .catch_up(&pool)
        .await
        .unwrap();
    let dispatcher = Dispatcher::new(pool.clone(), PgEventRepository::new(pool.clone()), GRACE);
    // the process "dies" right after claiming: no consumer ran
    assert_eq!(
        dispatcher
            .tick(at("2026-03-29T01:30:00Z"))
            .await
            .unwrap()
            .claimed
            .len(),
        3
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        0
    );
    // a new process picks up from the checkpoint
    Consumers::new(PgEventRepository::new(pool.clone()))
        .catch_up(&pool)
        .await
        .unwrap();
    Consumers::new(PgEventRepository::new(pool.clone()))
        .catch_up(&pool)
        .await
        .unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE event_type = 'RunQueued'"
        )
        .await,
        3
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM backup_runs").await, 3);
}

async fn finish_run(pool: &Pool, run_id: &str, status: RunStatus) {
    let runs: AggregateStore<Run> = AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let metadata = EventMetadata::system("worker", "test", Utc::now());
    let now = at("2026-06-01T12:05:00Z");
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
    Consumers::new(PgEventRepository::new(pool.clone()))
        .catch_up(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn run_now_and_retry_follow_their_rules() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let schedule: Value = app
        .create_schedule(tenant_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );

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
    let consumers = Consumers::new(PgEventRepository::new(app.pool.clone()));
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

#[test]
fn dispatch_with_an_unparsable_instant_exits_2_and_writes_nothing() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["dispatch", "--at", "not-a-time"])
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/tp_test_never_created",
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--at must be an RFC 3339 instant"));
}

#[tokio::test]
async fn the_dispatch_command_claims_and_queues_and_prints_a_summary() {
    let (url, pool) = fresh_database().await;
    create_schedules(&pool, 2, at("2026-03-28T12:00:00Z")).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["dispatch", "--at", "2026-03-29T03:30:00+02:00"])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["at"], "2026-03-29T01:30:00Z");
    assert_eq!(summary["claimed"].as_array().unwrap().len(), 2);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM backup_runs WHERE status = 'queued'"
        )
        .await,
        2
    );
}
