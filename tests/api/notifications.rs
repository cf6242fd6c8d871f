//! User notifications: who is told of a failed or partial run, a missed slot and an
//! auto-disabled schedule; listing, marking read; replays and rebuilds tell nobody twice.

use serde_json::{json, Value};
use tenantpilot::domain::run::RunStatus;
use tenantpilot::graph_sim::Fault;
use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::PgEventRepository;

use crate::graph_world::{tenant_config, World};
use crate::helpers::{at, nightly, problem, spawn_app, TestApp, ADMIN_TOKEN};
use crate::runs::finish_run;
use crate::scheduler::GRACE;

/// Lets the consumers and then the notifier pass everything committed so far.
async fn notify(app: &TestApp) {
    Consumers::new().catch_up(&app.pool).await.unwrap();
    tenantpilot::notifications::consumer()
        .catch_up(&app.pool)
        .await
        .unwrap();
}

/// The caller's first page of notifications.
async fn page(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/notifications{query}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn kinds(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect()
}

/// Queues a manual run of the schedule at `path` and finishes it with `status`; returns
/// the run's id.
async fn run_ending(app: &TestApp, path: &str, status: RunStatus) -> String {
    let response = app.post_empty(&format!("{path}/run-now")).await;
    assert_eq!(response.status(), 202, "run queued");
    let run: Value = response.json().await.unwrap();
    let run_id = run["id"].as_str().unwrap().to_owned();
    finish_run(&app.pool, &run_id, status).await;
    run_id
}

async fn notifications_of_principal(app: &TestApp, principal: &str) -> i64 {
    let client = app.pool.get().await.unwrap();
    client
        .query_one(
            "SELECT count(*) FROM notifications WHERE principal = $1",
            &[&principal],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_failed_run_notifies_everyone_who_sees_its_tenant_and_nobody_else() {
    let app = spawn_app().await;
    let (contoso, schedule, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let fabrikam_id = fabrikam["id"].as_str().unwrap();
    let (_, admin) = app.issue_token("admin", None).await;
    let (_, operator) = app.issue_token("operator", Some(vec![contoso_id])).await;
    let (_, viewer) = app.issue_token("viewer", Some(vec![contoso_id])).await;
    let (_, auditor) = app.issue_token("auditor", None).await;
    let (_, other_operator) = app.issue_token("operator", Some(vec![fabrikam_id])).await;
    let (revoked_id, _) = app.issue_token("operator", Some(vec![contoso_id])).await;
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{revoked_id}"))
            .await
            .status(),
        204
    );

    let run_id = run_ending(&app, &path, RunStatus::Failed).await;
    // issued after the failure: not told of it
    let (late_id, late) = app.issue_token("admin", None).await;
    notify(&app).await;

    for (who, token) in [
        ("bootstrap admin", ADMIN_TOKEN),
        ("admin", admin.as_str()),
        ("operator of the tenant", operator.as_str()),
        ("viewer of the tenant", viewer.as_str()),
        ("auditor of every tenant", auditor.as_str()),
    ] {
        let page = page(&app.as_token(Some(token)), "").await;
        assert_eq!(kinds(&page), ["run_failed"], "{who}: {page:#}");
        assert_eq!(page["unread_count"], 1, "{who}");
        let item = &page["items"][0];
        assert_eq!(item["tenant_id"], contoso_id);
        assert_eq!(item["schedule_id"], schedule["id"]);
        assert_eq!(item["run_id"], run_id.as_str());
        assert_eq!(item["title"], "Backup run failed: Nightly (Contoso)");
        assert!(item["message"].as_str().unwrap().contains("throttled"));
        assert_eq!(
            item["links"]["run"],
            format!("/api/v1/tenants/{contoso_id}/backup-runs/{run_id}")
        );
        assert_eq!(item["links"]["schedule"], path.as_str());
        assert!(item["read_at"].is_null());
    }
    for (who, token) in [
        ("operator of another tenant", other_operator.as_str()),
        ("token issued later", late.as_str()),
    ] {
        let page = page(&app.as_token(Some(token)), "").await;
        assert_eq!(kinds(&page), Vec::<&str>::new(), "{who}");
        assert_eq!(page["unread_count"], 0, "{who}");
    }
    assert_eq!(notifications_of_principal(&app, &revoked_id).await, 0);
    assert_eq!(notifications_of_principal(&app, &late_id).await, 0);
    assert_eq!(app.count("SELECT count(*) FROM notifications").await, 5);
}

#[tokio::test]
async fn unread_come_first_newest_first_and_marking_read_moves_them_down() {
    let app = spawn_app().await;
    let (_, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let first = run_ending(&app, &path, RunStatus::Failed).await;
    let second = run_ending(&app, &path, RunStatus::Partial).await;
    let third = run_ending(&app, &path, RunStatus::Failed).await;
    // a success tells nobody
    run_ending(&app, &path, RunStatus::Success).await;
    notify(&app).await;

    let all = page(&app, "").await;
    assert_eq!(kinds(&all), ["run_failed", "run_partial", "run_failed"]);
    let run_ids: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(run_ids, [&third, &second, &first]);
    assert_eq!(all["unread_count"], 3);
    assert!(all["next_cursor"].is_null());

    // the newest is read: it moves below the unread ones
    let newest = all["items"][0]["id"].as_str().unwrap().to_owned();
    app.clock.set(at("2026-06-01T13:00:00Z"));
    let response = app
        .post_empty(&format!("/api/v1/notifications/{newest}/read"))
        .await;
    assert_eq!(response.status(), 200);
    let read: Value = response.json().await.unwrap();
    assert_eq!(read["id"], newest.as_str());
    assert_eq!(read["read_at"], "2026-06-01T13:00:00Z");
    // marking it again keeps the first time
    app.clock.set(at("2026-06-01T14:00:00Z"));
    let again: Value = app
        .post_empty(&format!("/api/v1/notifications/{newest}/read"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["read_at"], "2026-06-01T13:00:00Z");

    let after = page(&app, "").await;
    let order: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [&second, &first, &third]);
    assert_eq!(after["unread_count"], 2);
    assert_eq!(kinds(&page(&app, "?unread=true").await).len(), 2);

    // pages of one walk the same order
    let mut walked = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let one = page(&app, &query).await;
        assert_eq!(one["unread_count"], 2);
        walked.push(one["items"][0]["run_id"].as_str().unwrap().to_owned());
        match one["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(walked, [second.clone(), first.clone(), third.clone()]);

    // read-all marks the rest, once; it takes an Idempotency-Key like every write
    let read_all = |key: &'static str| {
        app.request(reqwest::Method::POST, "/api/v1/notifications/read-all")
            .header("Idempotency-Key", key)
            .send()
    };
    let response = read_all("read-all-1").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"marked": 2})
    );
    let replayed = read_all("read-all-1").await.unwrap();
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(
        replayed.json::<Value>().await.unwrap(),
        json!({"marked": 2})
    );
    let fresh = read_all("read-all-2").await.unwrap();
    assert_eq!(fresh.json::<Value>().await.unwrap(), json!({"marked": 0}));
    let done = page(&app, "").await;
    assert_eq!(done["unread_count"], 0);
    assert_eq!(done["items"].as_array().unwrap().len(), 3);
    assert_eq!(kinds(&page(&app, "?unread=true").await).len(), 0);
}

#[tokio::test]
async fn another_principals_notification_answers_404_and_bad_input_400() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let (_, operator) = app
        .issue_token("operator", Some(vec![tenant["id"].as_str().unwrap()]))
        .await;
    run_ending(&app, &path, RunStatus::Failed).await;
    notify(&app).await;
    let admins = page(&app, "").await;
    let admins_id = admins["items"][0]["id"].as_str().unwrap();
    let operator_app = app.as_token(Some(&operator));

    let (status, body) = problem(
        operator_app
            .post_empty(&format!("/api/v1/notifications/{admins_id}/read"))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _) = problem(
        operator_app
            .post_empty(&format!(
                "/api/v1/notifications/{}/read",
                uuid::Uuid::new_v4()
            ))
            .await,
    )
    .await;
    assert_eq!(status, 404, "exactly like one that does not exist");
    assert_eq!(page(&app, "").await["unread_count"], 1, "still unread");
    // the operator's own read-all leaves the admin's alone
    let marked: Value = operator_app
        .post_empty("/api/v1/notifications/read-all")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(marked, json!({"marked": 1}));
    assert_eq!(page(&app, "").await["unread_count"], 1);

    for (request, code) in [
        ("/api/v1/notifications?limit=0", "invalid_query"),
        ("/api/v1/notifications?unread=maybe", "invalid_query"),
        ("/api/v1/notifications?sort=asc", "invalid_query"),
        ("/api/v1/notifications?cursor=abc", "invalid_cursor"),
    ] {
        let (status, body) = problem(app.get(request).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{request}"
        );
    }
    let (status, body) = problem(app.post_empty("/api/v1/notifications/nope/read").await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
    let (status, _) = problem(app.as_token(None).get("/api/v1/notifications").await).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_missed_slot_is_notified() {
    let app = spawn_app().await;
    let (tenant, schedule, _) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    assert_eq!(schedule["next_run_at"], "2026-06-02T00:30:00Z");
    // the service was down: the dispatcher reaches the slot a day and a half late
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        GRACE,
    );
    let summary = dispatcher.tick(at("2026-06-03T09:00:00Z")).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    notify(&app).await;

    let page = page(&app, "").await;
    assert_eq!(kinds(&page), ["slot_missed"]);
    let item = &page["items"][0];
    assert_eq!(item["tenant_id"], tenant["id"]);
    assert_eq!(item["schedule_id"], schedule["id"]);
    assert!(item["run_id"].is_null());
    assert_eq!(item["title"], "Scheduled backup missed: Nightly (Contoso)");
    let message = item["message"].as_str().unwrap();
    assert!(message.contains("2026-06-02T00:30:00+00:00"), "{message}");
    assert!(message.contains("2026-06-04T00:30:00+00:00"), "{message}");
}

#[tokio::test]
async fn a_replayed_feed_or_a_rebuild_of_the_read_models_notifies_nobody_twice() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    app.issue_token("operator", Some(vec![tenant["id"].as_str().unwrap()]))
        .await;
    run_ending(&app, &path, RunStatus::Failed).await;
    run_ending(&app, &path, RunStatus::Partial).await;
    notify(&app).await;
    let newest = page(&app, "").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_empty(&format!("/api/v1/notifications/{newest}/read"))
        .await;
    let snapshot = || async { app.count("SELECT count(*) FROM notifications").await };
    assert_eq!(snapshot().await, 4, "two runs, two recipients");
    let before = page(&app, "").await;

    // a crash before the checkpoint moved: the notifier sees every event again
    app.pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE consumer_checkpoints SET position = 0 WHERE name = 'notifications'",
            &[],
        )
        .await
        .unwrap();
    notify(&app).await;
    assert_eq!(snapshot().await, 4);
    assert_eq!(page(&app, "").await, before, "read marks kept");

    // a rebuild of the read models leaves the notifier's checkpoint and rows alone
    Consumer::new(READ_MODELS, ReadModels)
        .rebuild(&app.pool)
        .await
        .unwrap();
    notify(&app).await;
    assert_eq!(snapshot().await, 4);
    assert_eq!(page(&app, "").await, before);
}

#[tokio::test]
async fn five_failed_runs_disable_the_schedule_and_tell_whoever_sees_it() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 2)])).await;
    let app = &world.app;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    // the app registration's secret is wrong: every run fails (not retryable)
    world.set_faults(vec![Fault::TokenError { aadsts: 7_000_215 }]);
    let mut runs = Vec::new();
    for attempt in 1..=5 {
        let schedule: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(schedule["enabled"], true, "before failure {attempt}");
        let run = world.run_now(&path).await;
        assert_eq!(run["status"], "failed", "{run:#}");
        assert_eq!(run["error_code"], "auth_invalid_secret");
        runs.push(run["id"].as_str().unwrap().to_owned());
        // the schedule records the run before the next run-now
        Consumers::new().catch_up(&app.pool).await.unwrap();
    }
    let schedule: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(schedule["enabled"], false, "{schedule:#}");
    assert!(schedule["next_run_at"].is_null());
    assert_eq!(schedule["disabled_reason"], "consecutive_failures");
    let events = app.events_of(schedule["id"].as_str().unwrap()).await;
    let (last_type, last_payload, last_metadata) = events.last().unwrap();
    assert_eq!(last_type, "ScheduleAutoDisabled");
    assert_eq!(
        last_payload,
        &json!({"type": "ScheduleAutoDisabled", "consecutive_failures": 5,
                "last_run_id": runs[4]})
    );
    assert_eq!(events[events.len() - 2].0, "RunRecorded");
    assert_eq!(last_metadata["actor"], "system:run-recorder");

    notify(app).await;
    let notified = page(app, "").await;
    assert_eq!(
        kinds(&notified),
        [
            "schedule_auto_disabled",
            "run_failed",
            "run_failed",
            "run_failed",
            "run_failed",
            "run_failed"
        ]
    );
    let disabled = &notified["items"][0];
    assert_eq!(disabled["run_id"], runs[4].as_str());
    assert_eq!(disabled["schedule_id"], schedule["id"]);
    assert_eq!(
        disabled["title"],
        "Schedule disabled after 5 failed runs: Nightly (Simulated tenant)"
    );

    // enabled again, it starts a new streak: one more failure leaves it enabled
    let enabled: Value = app
        .post_empty(&format!("{path}/enable"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["enabled"], true);
    assert!(enabled["disabled_reason"].is_null());
    assert_eq!(world.run_now(&path).await["status"], "failed");
    Consumers::new().catch_up(&app.pool).await.unwrap();
    let schedule: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(schedule["enabled"], true);
}
