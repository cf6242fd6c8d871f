//! Idempotency-Key: a retried write is answered from the first response, once.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{nightly, problem, spawn_app, TestApp};

const STALE_CLAIM_AGE: &str = "3 minutes";

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
    let mut statuses = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        let status = response.status().as_u16();
        if status == 409 {
            // the idempotency layer's answer, not the schedule name clash a second
            // execution would meet
            let (_, body) = problem(response).await;
            assert_eq!(body["code"], "idempotency_key_in_progress");
        } else if status == 201 && response.headers().contains_key("idempotent-replayed") {
            statuses.push(0); // a replay of the one execution
            continue;
        }
        statuses.push(status);
    }
    assert!(
        statuses.iter().all(|status| [0, 201, 409].contains(status)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 201).count(),
        1,
        "the handler ran once: {statuses:?}"
    );
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
    let retry = post_with_key(&app, &path, "bad-1", &bad).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let (status, again) = problem(retry).await;
    assert_eq!((status, again), (422, first));
}

/// The fingerprint the idempotency layer keeps for a POST of `body` to `path`.
fn fingerprint(path: &str, body: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(format!("POST {path}\n").as_bytes());
    hasher.update(body);
    hasher.finalize().to_vec()
}

#[tokio::test]
async fn a_claim_left_by_a_dead_request_is_taken_over_after_two_minutes() {
    let app = spawn_app().await;
    let path = "/api/v1/tenants";
    let body = serde_json::to_vec(&tenant_body()).unwrap();
    let client = app.pool.get().await.unwrap();
    // rows as a crashed request leaves them: claimed for this very request, never answered
    for (key, age) in [("stale", STALE_CLAIM_AGE), ("fresh", "5 seconds")] {
        client
            .execute(
                &format!(
                    "INSERT INTO idempotency_keys (principal, key, request_hash, created_at)
                     VALUES ('bootstrap-admin', $1, $2, now() - interval '{age}')"
                ),
                &[&key, &fingerprint(path, &body)],
            )
            .await
            .unwrap();
    }
    drop(client);
    let send = |key: &'static str| {
        app.request(reqwest::Method::POST, path)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };
    let before = app.event_count().await;
    let (status, problem_body) = problem(send("fresh").await.unwrap()).await;
    assert_eq!(
        (status, problem_body["code"].as_str()),
        (409, Some("idempotency_key_in_progress"))
    );
    assert_eq!(app.event_count().await, before);
    let taken_over = send("stale").await.unwrap();
    assert_eq!(taken_over.status(), 201);
    assert!(!taken_over.headers().contains_key("idempotent-replayed"));
    assert_eq!(app.event_count().await, before + 1);
    let replay = send("stale").await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn issued_tokens_are_replayed_but_never_rest_in_clear() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for index in 0..3 {
        let body = serde_json::json!({"name": format!("ci {index}"), "role": "viewer"});
        let key = format!("issue-{index}");
        let first = post_with_key(&app, "/api/v1/tokens", &key, &body).await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        // a client that lost the answer gets the same token again
        let replay = post_with_key(&app, "/api/v1/tokens", &key, &body).await;
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        assert_eq!(replay.json::<Value>().await.unwrap(), first);
        tokens.push(first["token"].as_str().unwrap().to_owned());
    }
    let database = app.database_url.rsplit('/').next().unwrap().to_owned();
    let dump = tokio::process::Command::new("pg_dump")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "--data-only",
            &database,
        ])
        .output()
        .await
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dump.contains("idempotency_keys"),
        "the table is in the dump"
    );
    for token in &tokens {
        let hex: String = token.bytes().map(|byte| format!("{byte:02x}")).collect();
        assert!(!dump.contains(token.as_str()), "a token value in clear");
        assert!(!dump.contains(&hex), "a token value in clear, hex-encoded");
    }
}
