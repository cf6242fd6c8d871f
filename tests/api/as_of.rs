//! Point-in-time replay: `?as_of=` at every version and every recorded time of a schedule's
//! and a tenant's history answers exactly what the API showed then.
//!
//! No field of either resource is relative to the moment it is read: `next_run_at` is
//! decided by the aggregate and recorded in the events, and the timestamps are the events'
//! own. So a replay must equal the recorded answer field for field; it only adds `as_of`.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use tenantpilot::domain::run::RunStatus;
use tenantpilot::scheduler::Dispatcher;
use tenantpilot::store::PgEventRepository;

use crate::helpers::{nightly, problem, spawn_app, TestApp};
use crate::runs::finish_run;
use crate::scheduler::GRACE;

/// What the API showed after one change: the body, and its newest event.
struct Shown {
    body: Value,
    version: i64,
    recorded_at: DateTime<Utc>,
    position: i64,
}

fn instant(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

async fn history(app: &TestApp, events_path: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("{events_path}?limit=1000"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Reads the resource once the read model shows its newest event (consumers of the test's
/// own passes may still be projecting).
async fn shown(app: &TestApp, path: &str, events_path: &str) -> Shown {
    for _ in 0..200 {
        let events = history(app, events_path).await;
        let last = events.last().unwrap();
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        if body["version"] == last["sequence"] {
            assert_eq!(etag, format!("\"{}\"", body["version"]));
            return Shown {
                version: last["sequence"].as_i64().unwrap(),
                recorded_at: last["recorded_at"].as_str().unwrap().parse().unwrap(),
                position: last["position"].as_i64().unwrap(),
                body,
            };
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} never showed its newest event");
}

/// The replay at `as_of`, which must be `shown`.
async fn assert_replays(app: &TestApp, path: &str, as_of: &str, shown: &Shown) {
    let response = app.get(&format!("{path}?as_of={as_of}")).await;
    assert_eq!(response.status(), 200, "{path}?as_of={as_of}");
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", shown.version)
    );
    let mut body: Value = response.json().await.unwrap();
    let stamp = body.as_object_mut().unwrap().remove("as_of");
    assert_eq!(
        stamp,
        Some(
            // the instant as the API writes every timestamp (chrono's RFC 3339, which
            // drops trailing zero digit groups: .583Z, not .583000Z)
            json!({"version": shown.version, "recorded_at": shown.recorded_at,
                    "position": shown.position})
        ),
        "as_of={as_of}"
    );
    assert_eq!(body, shown.body, "as_of={as_of}");
}

/// Every state by its version, by its time, and by the last instant before the next one.
async fn assert_history_replays(app: &TestApp, path: &str, states: &[Shown]) {
    for (index, state) in states.iter().enumerate() {
        assert_replays(app, path, &state.version.to_string(), state).await;
        assert_replays(app, path, &instant(state.recorded_at), state).await;
        if let Some(next) = states.get(index + 1) {
            let just_before = next.recorded_at - chrono::Duration::microseconds(1);
            if just_before >= state.recorded_at {
                assert_replays(app, path, &instant(just_before), state).await;
            }
        }
    }
}

async fn assert_not_at(app: &TestApp, path: &str, as_of: &str, code: &str) {
    let (status, body) = problem(app.get(&format!("{path}?as_of={as_of}")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some(code)),
        "{as_of}: {body}"
    );
    if code != "not_found" {
        assert_eq!(body["errors"][0]["field"], "as_of");
    }
}

#[tokio::test]
async fn a_schedule_replays_at_every_version_and_time_as_the_api_showed_it() {
    let app = spawn_app().await;
    let (tenant, schedule, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap().to_owned();
    let events_path = format!("{path}/events");
    let mut states = vec![shown(&app, &path, &events_path).await];

    let changed = app
        .patch(
            &path,
            &json!({"name": "Twice daily", "cadence": {"kind": "daily", "times": ["01:00", "13:00"]},
                    "retention_keep_last": 3, "include_foundations": false}),
            None,
        )
        .await;
    assert_eq!(changed.status(), 200);
    states.push(shown(&app, &path, &events_path).await);
    assert_eq!(
        app.post_empty(&format!("{path}/disable")).await.status(),
        200
    );
    states.push(shown(&app, &path, &events_path).await);
    app.clock.set(crate::helpers::at("2026-06-01T15:00:00Z"));
    assert_eq!(
        app.post_empty(&format!("{path}/enable")).await.status(),
        200
    );
    states.push(shown(&app, &path, &events_path).await);
    let run: Value = app
        .post_empty(&format!("{path}/run-now"))
        .await
        .json()
        .await
        .unwrap();
    states.push(shown(&app, &path, &events_path).await);
    // the run ends; the run recorder records it on the schedule (last run, read model only)
    finish_run(&app.pool, run["id"].as_str().unwrap(), RunStatus::Partial).await;
    states.push(shown(&app, &path, &events_path).await);
    assert_eq!(states[5].body["last_run_status"], "partial");
    // the dispatcher claims the next slot, which moves next_run_at
    let slot: DateTime<Utc> = states[5].body["next_run_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        GRACE,
    );
    assert_eq!(dispatcher.tick(slot).await.unwrap().claimed.len(), 1);
    states.push(shown(&app, &path, &events_path).await);
    assert_ne!(states[6].body["next_run_at"], states[5].body["next_run_at"]);
    let types: Vec<Value> = history(&app, &events_path)
        .await
        .iter()
        .map(|event| event["event_type"].clone())
        .collect();
    assert_eq!(
        types,
        [
            "ScheduleCreated",
            "ScheduleUpdated",
            "ScheduleDisabled",
            "ScheduleEnabled",
            "SlotClaimed",
            "RunRecorded",
            "SlotClaimed"
        ]
    );
    assert_history_replays(&app, &path, &states).await;

    // deleted: gone now, but every earlier point still replays
    assert_eq!(app.delete(&path).await.status(), 204);
    let deleted = history(&app, &events_path).await.last().unwrap().clone();
    assert_eq!(app.get(&path).await.status(), 404);
    assert_history_replays(&app, &path, &states).await;
    let before = app.event_count().await;
    assert_not_at(&app, &path, "8", "as_of_deleted").await;
    assert_not_at(
        &app,
        &path,
        deleted["recorded_at"].as_str().unwrap(),
        "as_of_deleted",
    )
    .await;
    assert_not_at(&app, &path, "2999-01-01T00:00:00Z", "as_of_deleted").await;
    assert_not_at(&app, &path, "9", "as_of_version_not_reached").await;
    let created = instant(states[0].recorded_at - chrono::Duration::microseconds(1));
    assert_not_at(&app, &path, &created, "as_of_before_creation").await;
    assert_not_at(&app, &path, "1970-01-01T00:00:00Z", "as_of_before_creation").await;
    for bad in [
        "0",
        "-1",
        "",
        "latest",
        "2026-13-01T00:00:00Z",
        "99999999999999999999",
    ] {
        let (status, body) = problem(app.get(&format!("{path}?as_of={bad}")).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_query")),
            "{bad}"
        );
        assert_eq!(body["errors"][0]["field"], "as_of", "{bad}");
    }
    let (status, _) = problem(app.get(&format!("{path}?as_of=1&as_off=2")).await).await;
    assert_eq!(status, 400);
    assert_eq!(app.event_count().await, before, "replays write nothing");

    // another tenant's schedule under this tenant's path is missing, at any point
    let other = app.create_tenant("Fabrikam").await;
    let elsewhere = format!(
        "/api/v1/tenants/{}/backup-schedules/{}",
        other["id"].as_str().unwrap(),
        schedule["id"].as_str().unwrap()
    );
    assert_not_at(&app, &elsewhere, "1", "not_found").await;
    assert_not_at(&app, &elsewhere, "2999-01-01T00:00:00Z", "not_found").await;
    let unknown = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        uuid::Uuid::now_v7()
    );
    assert_not_at(&app, &unknown, "1", "not_found").await;
}

#[tokio::test]
async fn a_tenant_replays_at_every_version_and_time_as_the_api_showed_it() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!("/api/v1/tenants/{}", tenant["id"].as_str().unwrap());
    let events_path = format!("{path}/events");
    let mut states = vec![shown(&app, &path, &events_path).await];
    for change in [
        json!({"display_name": "Contoso Ltd"}),
        json!({"client_secret": "a-new-app-secret"}),
    ] {
        assert_eq!(app.patch(&path, &change, None).await.status(), 200);
        states.push(shown(&app, &path, &events_path).await);
    }
    for action in ["deactivate", "reactivate"] {
        assert_eq!(
            app.post_empty(&format!("{path}/{action}")).await.status(),
            200
        );
        states.push(shown(&app, &path, &events_path).await);
    }
    assert_eq!(states[3].body["status"], "inactive");
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_eq!(app.get(&path).await.status(), 404);
    assert_history_replays(&app, &path, &states).await;
    assert_not_at(&app, &path, "6", "as_of_deleted").await;
    assert_not_at(&app, &path, "7", "as_of_version_not_reached").await;
    assert_not_at(&app, &path, "2000-01-01T00:00:00Z", "as_of_before_creation").await;
}

#[tokio::test]
async fn replays_are_for_those_who_may_read_the_history_of_the_tenant() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let tenant_path = format!("/api/v1/tenants/{tenant_id}");
    let (fabrikam, _, fabrikam_path) = app
        .tenant_with_schedule("Fabrikam", &nightly("Nightly"))
        .await;
    let fabrikam_path_of_tenant = format!("/api/v1/tenants/{}", fabrikam["id"].as_str().unwrap());
    let token = |role: &'static str| {
        let app = app.clone();
        let tenant_id = tenant_id.to_owned();
        async move {
            let (_, token) = app.issue_token(role, Some(vec![tenant_id.as_str()])).await;
            app.as_token(Some(&token))
        }
    };
    let auditor = token("auditor").await;
    for resource in [&path, &tenant_path] {
        assert_eq!(
            auditor.get(&format!("{resource}?as_of=1")).await.status(),
            200
        );
        for role in ["viewer", "operator"] {
            let caller = token(role).await;
            assert_eq!(caller.get(resource).await.status(), 200, "{role} reads now");
            let (status, body) = problem(caller.get(&format!("{resource}?as_of=1")).await).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (403, Some("forbidden")),
                "{role}"
            );
            // refused for the history before the value is looked at
            let (status, _) = problem(caller.get(&format!("{resource}?as_of=nope")).await).await;
            assert_eq!(status, 403, "{role}");
        }
    }
    for resource in [&fabrikam_path, &fabrikam_path_of_tenant] {
        let (status, body) = problem(auditor.get(&format!("{resource}?as_of=1")).await).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    }
}
