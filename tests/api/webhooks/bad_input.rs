//! Bad subscriptions are refused with a problem naming the field, and write nothing: no
//! event, no sealed secret.

use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app, TestApp};

async fn refused(app: &TestApp, body: Value) -> (u16, Value) {
    let events = app.event_count().await;
    let (status, problem) = problem(app.post("/api/v1/webhooks", &body).await).await;
    assert_eq!(
        app.event_count().await,
        events,
        "nothing written for {body}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_secrets").await,
        0,
        "no secret kept for {body}"
    );
    (status, problem)
}

#[tokio::test]
async fn urls_that_are_not_absolute_http_are_refused() {
    let app = spawn_app().await;
    for url in [
        "ftp://93.184.216.34/hook",
        "/relative/hook",
        "hooks.example.com/hook",
        "http:93.184.216.34/hook",
        "javascript:alert(1)",
        "https://user:password@93.184.216.34/",
        "https://93.184.216.34/#fragment",
        "",
    ] {
        let (status, body) = refused(&app, json!({"url": url, "event_types": ["*"]})).await;
        assert_eq!(status, 422, "{url}");
        assert_eq!(body["code"], "invalid_webhook_url", "{url}");
        assert_eq!(body["errors"][0]["field"], "url");
    }
}

#[tokio::test]
async fn unknown_or_no_event_types_are_refused() {
    let app = spawn_app().await;
    let url = "https://93.184.216.34/hook";
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["backup_run.failed", "RunFinished"]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_event_type"))
    );
    assert_eq!(body["errors"][0]["field"], "event_types[1]");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("backup_run.succeeded"));
    let (status, body) = refused(&app, json!({"url": url, "event_types": []})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_event_types"))
    );
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["backup_run.failed", "backup_run.failed"]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_event_types"))
    );
    let (status, body) = refused(&app, json!({"url": url})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("missing_field"))
    );
    let (status, body) = refused(&app, json!({"url": url, "event_types": "*"})).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_type")));
}

#[tokio::test]
async fn tenant_scopes_must_name_existing_tenants_once() {
    let app = spawn_app().await;
    let url = "https://93.184.216.34/hook";
    let tenant = app.create_tenant("Contoso").await;
    let missing = uuid::Uuid::now_v7().to_string();
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["*"], "tenant_ids": [tenant["id"], missing]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("unknown_tenant"))
    );
    assert_eq!(body["errors"][0]["field"], "tenant_ids[1]");
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["*"], "tenant_ids": []}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_tenant_ids"))
    );
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["*"], "tenant_ids": [tenant["id"], tenant["id"]]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_tenant_ids"))
    );
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["*"], "description": "a\u{7}b"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_description"))
    );
    let (status, body) = refused(
        &app,
        json!({"url": url, "event_types": ["*"], "secret": "mine"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_field"))
    );
}

#[tokio::test]
async fn private_addresses_are_refused_after_resolution() {
    let app = spawn_app().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ] {
        let (status, body) = refused(&app, json!({"url": url, "event_types": ["*"]})).await;
        assert_eq!(status, 422, "{url}");
        assert_eq!(body["code"], "webhook_url_not_allowed", "{url}");
    }
    let (status, body) = refused(
        &app,
        json!({"url": "https://no-such-host.invalid/hook", "event_types": ["*"]}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("webhook_url_unresolvable"))
    );
}

#[tokio::test]
async fn a_change_to_a_bad_url_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let created: Value = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://93.184.216.34/hook", "event_types": ["*"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap());
    let events = app.event_count().await;
    for (body, code) in [
        (
            json!({"url": "http://127.0.0.1/"}),
            "webhook_url_not_allowed",
        ),
        (
            json!({"url": "ftp://93.184.216.34/"}),
            "invalid_webhook_url",
        ),
        (json!({"event_types": ["nope"]}), "unknown_event_type"),
        (json!({"tenant_ids": []}), "invalid_tenant_ids"),
    ] {
        let (status, body) = problem(app.patch(&path, &body, None).await).await;
        assert_eq!((status, body["code"].as_str()), (422, Some(code)), "{body}");
    }
    let (status, body) = problem(app.get("/api/v1/webhooks/not-a-uuid").await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
    let (status, body) = problem(
        app.post_empty(&format!("{path}/messages/12345/redeliver"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_message_id"))
    );
    let (status, body) = problem(
        app.get(&format!("{path}/deliveries?message_id=msg_nope"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
    assert_eq!(app.event_count().await, events);
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read["url"], "https://93.184.216.34/hook");
}
