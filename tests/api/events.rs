//! The audit feed: complete, in order, filtered, and limited to the caller's tenants.

use serde_json::Value;

use crate::helpers::{nightly, problem, spawn_app, TestApp};

async fn read_feed(app: &TestApp, query: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = app
            .get(&format!("/api/v1/events?after={after}&limit=3{query}"))
            .await
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            assert_eq!(page["next_after"], after, "an empty page keeps the cursor");
            return events;
        }
        after = page["next_after"].as_i64().unwrap();
        events.extend(items);
    }
}

#[tokio::test]
async fn the_feed_pages_through_every_event_in_position_order() {
    let app = spawn_app().await;
    let (_, schedule, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    app.post_empty(&format!("{path}/disable")).await;
    app.issue_token("viewer", None).await;

    let events = read_feed(&app, "").await;
    assert_eq!(events.len() as i64, app.event_count().await);
    let positions: Vec<i64> = events
        .iter()
        .map(|event| event["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "TenantRegistered",
            "ScheduleCreated",
            "ScheduleDisabled",
            "TokenIssued"
        ]
    );
    assert_eq!(events[1]["metadata"]["actor"], "bootstrap-admin");

    let only_disabled = read_feed(&app, "&event_type=ScheduleDisabled").await;
    assert_eq!(only_disabled.len(), 1);
    let of_schedule = read_feed(
        &app,
        &format!("&aggregate_id={}", schedule["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(of_schedule.len(), 2);
    let future = read_feed(&app, "&from=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());

    let own: Value = app
        .get(&format!("{path}/events"))
        .await
        .json()
        .await
        .unwrap();
    let own_types: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(own_types, ["ScheduleCreated", "ScheduleDisabled"]);
}

#[tokio::test]
async fn an_auditor_sees_the_events_of_its_tenants_only_and_a_viewer_none() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let fabrikam_id = fabrikam["id"].as_str().unwrap();
    app.create_schedule(contoso_id, &nightly("Nightly")).await;
    app.create_schedule(fabrikam_id, &nightly("Nightly")).await;
    let (_, auditor_token) = app.issue_token("auditor", Some(vec![contoso_id])).await;
    let (_, viewer_token) = app.issue_token("viewer", Some(vec![contoso_id])).await;
    let auditor = app.as_token(Some(&auditor_token));

    let events = read_feed(&auditor, "").await;
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|event| event["tenant_id"] == contoso_id));
    let (status, _) = problem(
        auditor
            .get(&format!("/api/v1/events?tenant_id={fabrikam_id}"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let viewer = app.as_token(Some(&viewer_token));
    let (status, body) = problem(viewer.get("/api/v1/events").await).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    for query in [
        "limit=0",
        "limit=1001",
        "after=-1",
        "from=yesterday",
        "nope=1",
    ] {
        let (status, _) = problem(auditor.get(&format!("/api/v1/events?{query}")).await).await;
        assert_eq!(status, 400, "{query}");
    }
}
