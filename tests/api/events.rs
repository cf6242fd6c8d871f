//! The audit feed: complete, in order, filtered, and limited to the caller's tenants.

use serde_json::{json, Value};

use crate::helpers::{nightly, problem, spawn_app, TestApp};

/// Every event of the feed with `query`, three per page, asserting positions only grow
/// from page to page.
pub async fn read_feed(app: &TestApp, query: &str) -> Vec<Value> {
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
        for item in &items {
            let position = item["position"].as_i64().unwrap();
            assert!(position > after, "position {position} after {after}");
            after = position;
        }
        assert_eq!(
            page["next_after"], after,
            "next_after is the page's last position"
        );
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

fn event_types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["event_type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_feed_filters_by_actor_correlation_id_and_position() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let (operator_id, operator_token) = app.issue_token("operator", Some(vec![tenant_id])).await;
    let operator = app.as_token(Some(&operator_token));
    let created = operator
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
        )
        .header("X-Request-Id", "req-create-nightly")
        .json(&nightly("Nightly"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let schedule: Value = created.json().await.unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    // one request, two events: the change and the disabling, under one correlation id
    let changed = operator
        .request(reqwest::Method::PATCH, &path)
        .header("X-Request-Id", "req-rename-and-disable")
        .json(&json!({"name": "Nightly (paused)", "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    let by_operator = read_feed(&app, &format!("&actor={operator_id}")).await;
    assert_eq!(
        event_types(&by_operator),
        ["ScheduleCreated", "ScheduleUpdated", "ScheduleDisabled"]
    );
    assert!(by_operator
        .iter()
        .all(|event| event["metadata"]["actor"] == operator_id.as_str()));
    let by_admin = read_feed(&app, "&actor=bootstrap-admin").await;
    assert_eq!(event_types(&by_admin), ["TenantRegistered", "TokenIssued"]);
    let one_request = read_feed(&app, "&correlation_id=req-rename-and-disable").await;
    assert_eq!(
        event_types(&one_request),
        ["ScheduleUpdated", "ScheduleDisabled"]
    );
    let combined = read_feed(
        &app,
        &format!("&actor={operator_id}&correlation_id=req-create-nightly&tenant_id={tenant_id}"),
    )
    .await;
    assert_eq!(event_types(&combined), ["ScheduleCreated"]);
    assert!(read_feed(&app, "&actor=system:dispatcher").await.is_empty());
    // an empty time range is no error, just empty
    let (from, to) = ("2026-06-02T00:00:00Z", "2026-06-01T00:00:00Z");
    assert!(read_feed(&app, &format!("&from={from}&to={to}"))
        .await
        .is_empty());
    assert!(read_feed(
        &app,
        "&actor=bootstrap-admin&correlation_id=req-create-nightly"
    )
    .await
    .is_empty());

    // to_position is inclusive, and pages stop there
    let all = read_feed(&app, "").await;
    let third = all[2]["position"].as_i64().unwrap();
    let upto = read_feed(&app, &format!("&to_position={third}")).await;
    assert_eq!(upto, all[..3].to_vec());
}

#[tokio::test]
async fn bad_filter_values_answer_400_naming_the_parameter_and_write_nothing() {
    let app = spawn_app().await;
    app.tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let before = app.event_count().await;
    let long = |name: &str| format!("{name}={}", "a".repeat(201));
    let cases: Vec<(String, &str)> = vec![
        ("actor=".to_owned(), "actor"),
        (long("actor"), "actor"),
        ("correlation_id=".to_owned(), "correlation_id"),
        (long("correlation_id"), "correlation_id"),
        ("event_type=".to_owned(), "event_type"),
        (long("aggregate_id"), "aggregate_id"),
        ("aggregate_type=".to_owned(), "aggregate_type"),
        ("actor=a%00b".to_owned(), "actor"),
        ("correlation_id=x%1Fy".to_owned(), "correlation_id"),
        ("to_position=-1".to_owned(), "to_position"),
        ("to_position=last".to_owned(), "to_position"),
        ("from=yesterday".to_owned(), "from"),
        ("tenant_id=contoso".to_owned(), "tenant_id"),
        ("after=-1".to_owned(), "after"),
        ("limit=0".to_owned(), "limit"),
        ("actors=bootstrap-admin".to_owned(), "actors"),
    ];
    for (query, field) in &cases {
        for path in ["/api/v1/events", "/api/v1/events/export"] {
            if path.ends_with("export") && *field == "limit" {
                continue;
            }
            let (status, body) = problem(app.get(&format!("{path}?{query}")).await).await;
            assert_eq!(status, 400, "{path}?{query}");
            assert_eq!(body["code"], "invalid_query", "{path}?{query}");
            assert_eq!(body["errors"][0]["field"], *field, "{path}?{query}: {body}");
        }
    }
    // the export streams everything it is asked for: a limit is refused, not ignored
    let (status, body) = problem(app.get("/api/v1/events/export?limit=10").await).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("limit"))
    );
    assert_eq!(app.event_count().await, before, "bad queries write nothing");
}
