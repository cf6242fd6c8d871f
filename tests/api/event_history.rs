//! The per-aggregate histories: a schedule's, a run's and a tenant's own events, paged by
//! position, for admins and auditors of the tenant, still readable after a deletion.

use serde_json::{json, Value};

use crate::helpers::{nightly, problem, TestApp};

/// Every event of the history at `path`, one per page, asserting positions only grow.
async fn read_history(app: &TestApp, path: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let response = app.get(&format!("{path}?after={after}&limit=1")).await;
        assert_eq!(response.status(), 200, "{path}");
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap().clone();
        let Some(last) = items.last() else {
            assert_eq!(page["next_after"], after);
            return events;
        };
        let position = last["position"].as_i64().unwrap();
        assert!(position > after, "positions grow");
        after = position;
        events.extend(items);
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["event_type"].as_str().unwrap())
        .collect()
}

struct Fixture {
    tenant: String,
    schedule: String,
    run: String,
}

impl Fixture {
    fn tenant_path(&self) -> String {
        format!("/api/v1/tenants/{}/events", self.tenant)
    }
    fn schedule_path(&self) -> String {
        format!(
            "/api/v1/tenants/{}/backup-schedules/{}/events",
            self.tenant, self.schedule
        )
    }
    fn run_path(&self) -> String {
        format!(
            "/api/v1/tenants/{}/backup-runs/{}/events",
            self.tenant, self.run
        )
    }
}

/// A tenant, renamed once, with a schedule that ran once (queued).
async fn fixture(app: &TestApp, name: &str) -> Fixture {
    let (tenant, schedule, path) = app.tenant_with_schedule(name, &nightly("Nightly")).await;
    let tenant = tenant["id"].as_str().unwrap().to_owned();
    let renamed = app
        .patch(
            &format!("/api/v1/tenants/{tenant}"),
            &json!({"display_name": format!("{name} Ltd")}),
            None,
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let run: Value = app
        .post_empty(&format!("{path}/run-now"))
        .await
        .json()
        .await
        .unwrap();
    Fixture {
        tenant,
        schedule: schedule["id"].as_str().unwrap().to_owned(),
        run: run["id"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn runs_tenants_and_schedules_each_answer_their_own_events_in_order() {
    let app = crate::helpers::spawn_app().await;
    let own = fixture(&app, "Contoso").await;

    let tenant_events = read_history(&app, &own.tenant_path()).await;
    assert_eq!(types(&tenant_events), ["TenantRegistered", "TenantRenamed"]);
    assert!(tenant_events
        .iter()
        .all(|event| event["aggregate_id"] == own.tenant.as_str()));
    let schedule_events = read_history(&app, &own.schedule_path()).await;
    assert_eq!(types(&schedule_events), ["ScheduleCreated", "SlotClaimed"]);
    let run_events = read_history(&app, &own.run_path()).await;
    assert_eq!(types(&run_events), ["RunQueued"]);
    assert_eq!(run_events[0]["aggregate_type"], "run");
    assert_eq!(
        run_events[0]["metadata"]["actor"], "system:run-creator",
        "{run_events:?}"
    );
    // the run's queueing is a consequence of the schedule's claim: the feed links them
    assert_eq!(
        run_events[0]["metadata"]["correlation_id"],
        schedule_events[1]["metadata"]["correlation_id"]
    );

    // a page past the end is empty, not missing
    let last = run_events[0]["position"].as_i64().unwrap();
    let page: Value = app
        .get(&format!("{}?after={last}", own.run_path()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page, json!({"items": [], "next_after": last}));
}

#[tokio::test]
async fn histories_are_for_auditors_of_the_tenant_and_answer_404_for_others_streams() {
    let app = crate::helpers::spawn_app().await;
    let own = fixture(&app, "Contoso").await;
    let other = fixture(&app, "Fabrikam").await;
    let (_, auditor) = app
        .issue_token("auditor", Some(vec![own.tenant.as_str()]))
        .await;
    let (_, viewer) = app
        .issue_token("viewer", Some(vec![own.tenant.as_str()]))
        .await;
    let (_, operator) = app
        .issue_token("operator", Some(vec![own.tenant.as_str()]))
        .await;
    let auditor = app.as_token(Some(&auditor));
    for path in [own.tenant_path(), own.schedule_path(), own.run_path()] {
        assert_eq!(auditor.get(&path).await.status(), 200, "{path}");
        for token in [&viewer, &operator] {
            let (status, body) = problem(app.as_token(Some(token)).get(&path).await).await;
            assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
        }
    }
    // another tenant's streams, asked for directly or under the own tenant's path, are
    // missing: nothing says whether they exist
    let mixed = Fixture {
        tenant: own.tenant.clone(),
        schedule: other.schedule.clone(),
        run: other.run.clone(),
    };
    let unknown = Fixture {
        tenant: own.tenant.clone(),
        schedule: uuid::Uuid::now_v7().to_string(),
        run: uuid::Uuid::now_v7().to_string(),
    };
    for path in [
        other.tenant_path(),
        other.schedule_path(),
        other.run_path(),
        mixed.schedule_path(),
        mixed.run_path(),
        unknown.schedule_path(),
        unknown.run_path(),
    ] {
        let (status, body) = problem(auditor.get(&path).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
        if !path.contains(&other.tenant) {
            // the admin sees every tenant, and still gets 404 for a path that mixes them
            let (status, _) = problem(app.get(&path).await).await;
            assert_eq!(status, 404, "{path}");
        }
    }
    let (status, body) = problem(app.get(&format!("{}?limit=0", own.run_path())).await).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("limit"))
    );
    let (status, body) = problem(
        app.get(&format!(
            "/api/v1/tenants/{}/backup-runs/nope/events",
            own.tenant
        ))
        .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
}

#[tokio::test]
async fn a_deleted_schedules_and_tenants_history_stays_readable() {
    let app = crate::helpers::spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_eq!(app.get(&path).await.status(), 404, "the schedule is gone");
    let events = read_history(&app, &format!("{path}/events")).await;
    assert_eq!(types(&events), ["ScheduleCreated", "ScheduleDeleted"]);

    let tenant_path = format!("/api/v1/tenants/{tenant_id}");
    assert_eq!(app.delete(&tenant_path).await.status(), 204);
    let events = read_history(&app, &format!("{tenant_path}/events")).await;
    assert_eq!(types(&events), ["TenantRegistered", "TenantDeleted"]);
    assert_eq!(events[1]["metadata"]["actor"], "bootstrap-admin");
}
