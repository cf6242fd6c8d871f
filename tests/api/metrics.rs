use serde_json::Value;

use crate::helpers::{at, nightly, problem, spawn_app};

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
}

#[tokio::test]
async fn metrics_show_consumer_lag_overdue_schedules_and_runs() {
    let app = spawn_app().await;
    // a clock far in the past: the schedule's first slot is long overdue in real time
    app.clock.set(at("2020-01-01T00:00:00Z"));
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let schedule: Value = app
        .create_schedule(tenant_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    app.post_empty(&format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}/run-now",
        schedule["id"].as_str().unwrap()
    ))
    .await;

    let response = app.get("/api/v1/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(value(&text, "tenantpilot_event_log_position") > 0.0);
    assert_eq!(
        value(
            &text,
            "tenantpilot_consumer_lag_events{consumer=\"read_models\"}"
        ),
        0.0
    );
    assert_eq!(value(&text, "tenantpilot_schedules_overdue"), 1.0);
    assert_eq!(
        value(&text, "tenantpilot_schedules{state=\"enabled\"}"),
        1.0
    );
    assert_eq!(value(&text, "tenantpilot_runs{status=\"queued\"}"), 1.0);

    let (_, scoped) = app.issue_token("auditor", Some(vec![tenant_id])).await;
    let (status, _) = problem(app.as_token(Some(&scoped)).get("/api/v1/metrics").await).await;
    assert_eq!(status, 403);
    let (_, everywhere) = app.issue_token("viewer", None).await;
    assert_eq!(
        app.as_token(Some(&everywhere))
            .get("/api/v1/metrics")
            .await
            .status(),
        200
    );
}
