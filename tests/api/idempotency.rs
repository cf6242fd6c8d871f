//! Idempotency-Key: a retried write is answered from the first response, once.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{nightly, problem, spawn_app, TestApp};

fn tenant_body() -> Value {
    json!({"display_name": "Contoso", "azure_tenant_id": Uuid::new_v4(), "client_id": Uuid::new_v4()})
}

async fn post_with_key(app: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    app.request(reqwest::Method::POST, path)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_create_is_answered_from_the_first_response_and_writes_once() {
    let app = spawn_app().await;
    let body = tenant_body();
    let first = post_with_key(&app, "/api/v1/tenants", "create-contoso-1", &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first_body: Value = first.json().await.unwrap();
    let events = app.event_count().await;

    let retry = post_with_key(&app, "/api/v1/tenants", "create-contoso-1", &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.json::<Value>().await.unwrap(), first_body);
    assert_eq!(app.event_count().await, events, "the retry wrote nothing");

    // another caller's identical key is its own
    let (_, token) = app.issue_token("admin", None).await;
    let other = app.as_token(Some(&token));
    let mut other_body = tenant_body();
    other_body["display_name"] = json!("Fabrikam");
    assert_eq!(
        post_with_key(&other, "/api/v1/tenants", "create-contoso-1", &other_body)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        post_with_key(&app, "/api/v1/tenants", "k-1", &tenant_body())
            .await
            .status(),
        201
    );
    let before = app.event_count().await;
    let (status, body) =
        problem(post_with_key(&app, "/api/v1/tenants", "k-1", &tenant_body()).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    assert_eq!(app.event_count().await, before);
    let (status, body) =
        problem(post_with_key(&app, "/api/v1/tenants", &"k".repeat(256), &tenant_body()).await)
            .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_idempotency_key"))
    );
}

#[tokio::test]
async fn concurrent_retries_with_one_key_run_the_write_once() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!(
        "/api/v1/tenants/{}/backup-schedules",
        tenant["id"].as_str().unwrap()
    );
    let body = nightly("Nightly");
    let before = app.event_count().await;
    let attempts = (0..6).map(|_| post_with_key(&app, &path, "create-nightly", &body));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|status| *status == 201 || *status == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    assert_eq!(app.event_count().await, before + 1, "one ScheduleCreated");
    // once the first finished, a retry replays it
    let retry = post_with_key(&app, &path, "create-nightly", &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn a_refused_write_is_replayed_as_refused() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!(
        "/api/v1/tenants/{}/backup-schedules",
        tenant["id"].as_str().unwrap()
    );
    let mut bad = nightly("Nightly");
    bad["timezone"] = json!("Nowhere/Land");
    let (status, first) = problem(post_with_key(&app, &path, "bad-1", &bad).await).await;
    assert_eq!(status, 422);
    let (status, again) = problem(post_with_key(&app, &path, "bad-1", &bad).await).await;
    assert_eq!((status, again), (422, first));
}
