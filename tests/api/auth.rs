//! Authentication and tenant isolation beyond the route matrix: revocation, malformed
//! credentials, actors in event metadata, and no secret or token anywhere it must not be.

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};
use tenantpilot::secrets::{load_secret, rotate_key, SecretCipher, SecretError, SecretKey};
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

use crate::helpers::{fresh_database, nightly, problem, spawn_app, ADMIN_TOKEN};

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    let (token_id, token) = app.issue_token("viewer", None).await;
    let viewer = app.as_token(Some(&token));
    assert_eq!(viewer.get("/api/v1/tenants").await.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{token_id}"))
            .await
            .status(),
        204
    );
    let (status, body) = problem(viewer.get("/api/v1/tenants").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let listed: Value = app.get("/api/v1/tokens").await.json().await.unwrap();
    let entry = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == token_id.as_str())
        .unwrap()
        .clone();
    assert!(entry["revoked_at"].is_string());
    assert!(
        entry.get("token").is_none(),
        "lists never show token values"
    );
}

#[tokio::test]
async fn malformed_or_unknown_credentials_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    app.create_tenant("Contoso").await;
    let before = app.event_count().await;
    let unknown = format!("tp_{}", "A".repeat(43));
    let headers: Vec<Option<HeaderValue>> = vec![
        None,
        Some(HeaderValue::from_static("Bearer")),
        Some(HeaderValue::from_static("Bearer ")),
        Some(HeaderValue::from_static("Basic dXNlcjpwYXNz")),
        Some(HeaderValue::from_static("Bearer tp_short")),
        Some(HeaderValue::from_str(&format!("Bearer xx_{}", "A".repeat(43))).unwrap()),
        Some(HeaderValue::from_str(&format!("Bearer {unknown}")).unwrap()),
        Some(HeaderValue::from_str(&format!("Bearer {}", "tp_".repeat(400))).unwrap()),
        Some(HeaderValue::from_bytes(b"Bearer tp_\xff\xfe").unwrap()),
        Some(HeaderValue::from_str(&format!("Bearer {ADMIN_TOKEN}x")).unwrap()),
    ];
    for header in headers {
        let mut request = app.http.post(app.url("/api/v1/tenants")).json(
            &json!({"display_name": "Evil", "azure_tenant_id": Uuid::new_v4(),
                          "client_id": Uuid::new_v4()}),
        );
        if let Some(value) = &header {
            request = request.header(AUTHORIZATION, value.clone());
        }
        let response = request.send().await.unwrap();
        assert!(response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        let (status, body) = problem(response).await;
        assert_eq!(status, 401, "{header:?}");
        assert_eq!(body["code"], "unauthenticated");
        assert!(
            !body.to_string().contains(&unknown),
            "the token is not echoed"
        );
    }
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_token_of_a_deleted_tenant_sees_nothing_and_new_grants_to_it_are_refused() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Short-lived").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let (_, token) = app.issue_token("operator", Some(vec![tenant_id])).await;
    assert_eq!(
        app.delete(&format!("/api/v1/tenants/{tenant_id}"))
            .await
            .status(),
        204
    );
    let operator = app.as_token(Some(&token));
    let before = app.event_count().await;
    let (status, _) = problem(operator.get(&format!("/api/v1/tenants/{tenant_id}")).await).await;
    assert_eq!(status, 404);
    let (status, _) = problem(
        operator
            .create_schedule(tenant_id, &nightly("Nightly"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let list: Value = operator.get("/api/v1/tenants").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    assert_eq!(app.event_count().await, before);

    let (status, body) = problem(
        app.post(
            "/api/v1/tokens",
            &json!({"name": "late", "role": "viewer", "tenant_ids": [tenant_id]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("unknown_tenant"))
    );
    assert_eq!(body["errors"][0]["field"], "tenant_ids[0]");
}

#[tokio::test]
async fn token_requests_are_validated() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let cases = [
        (json!({"name": "x", "role": "root"}), "invalid_role"),
        (json!({"name": "", "role": "viewer"}), "invalid_name"),
        (json!({"name": "x", "role": "operator"}), "invalid_grant"),
        (
            json!({"name": "x", "role": "admin", "tenant_ids": [tenant_id]}),
            "invalid_grant",
        ),
        (
            json!({"name": "x", "role": "viewer", "tenant_ids": []}),
            "invalid_grant",
        ),
        (
            json!({"name": "x", "role": "viewer", "tenant_ids": ["nope"]}),
            "invalid_value",
        ),
    ];
    let before = app.event_count().await;
    for (body, code) in cases {
        let (status, problem_body) = problem(app.post("/api/v1/tokens", &body).await).await;
        assert_eq!(
            (status, problem_body["code"].as_str()),
            (422, Some(code)),
            "{body}"
        );
    }
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn events_record_the_acting_token_by_id_and_name_never_its_value() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let (token_id, token) = app.issue_token("operator", Some(vec![tenant_id])).await;
    let operator = app.as_token(Some(&token));
    let schedule: Value = operator
        .create_schedule(tenant_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let events = app.events_of(schedule["id"].as_str().unwrap()).await;
    let (_, _, metadata) = &events[0];
    assert_eq!(metadata["actor"], token_id.as_str());
    assert_eq!(metadata["actor_name"], "operator token");
    let tenant_events = app.events_of(tenant_id).await;
    assert_eq!(tenant_events[0].2["actor"], "bootstrap-admin");
    assert!(!metadata.to_string().contains(&token));
}

#[tokio::test]
async fn rotating_the_key_reseals_every_secret_all_or_nothing() {
    let (_, pool, _database) = fresh_database().await;
    let old = SecretCipher::new(SecretKey::generate());
    let new = SecretCipher::new(SecretKey::generate());
    let client = pool.get().await.unwrap();
    let mut stored = Vec::new();
    for index in 0..3 {
        let tenant_id = Uuid::now_v7();
        let secret = format!("client-secret-{index}");
        let id = tenantpilot::secrets::store_secret(&client, &old, tenant_id, &secret)
            .await
            .unwrap();
        stored.push((tenant_id, id, secret));
    }
    let raw: Vec<Vec<u8>> = client
        .query("SELECT ciphertext FROM tenant_secrets", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(raw
        .iter()
        .all(|bytes| !String::from_utf8_lossy(bytes).contains("client-secret")));

    assert_eq!(rotate_key(&pool, &old, &new).await.unwrap(), 3);
    for (tenant_id, id, secret) in &stored {
        assert_eq!(
            &load_secret(&client, &new, *tenant_id, *id).await.unwrap(),
            secret
        );
        assert!(matches!(
            load_secret(&client, &old, *tenant_id, *id).await,
            Err(tenantpilot::secrets::LoadSecretError::Secret(
                SecretError::WrongKey { .. }
            ))
        ));
    }
    // again: nothing left to re-seal
    assert_eq!(rotate_key(&pool, &old, &new).await.unwrap(), 0);
    // with the wrong current key nothing changes
    let third = SecretCipher::new(SecretKey::generate());
    client
        .execute(
            "UPDATE tenant_secrets SET key_fingerprint = 'elsewhere' WHERE id = $1",
            &[&stored[0].1],
        )
        .await
        .unwrap();
    assert!(rotate_key(&pool, &new, &third).await.is_err());
    assert_eq!(
        load_secret(&client, &new, stored[1].0, stored[1].1)
            .await
            .unwrap(),
        stored[1].2
    );
}

#[tokio::test]
async fn the_tokens_command_issues_a_working_token() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args([
            "tokens", "create", "--role", "viewer", "--tenant", tenant_id, "--name", "cli",
        ])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let viewer = app.as_token(created["token"].as_str());
    let list: Value = viewer.get("/api/v1/tenants").await.json().await.unwrap();
    assert_eq!(list["items"][0]["id"], tenant_id);
    let (status, _) = problem(viewer.post("/api/v1/tenants", &json!({})).await).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_service_refuses_to_start_without_a_secret_key_outside_demo_mode() {
    let (url, _, _database) = fresh_database().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["serve"])
        .env("DATABASE_URL", &url)
        .env("TENANTPILOT_BIND", "127.0.0.1:0")
        .env_remove("TENANTPILOT_SECRET_KEY")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("TENANTPILOT_SECRET_KEY"));
}

/// The real binary with debug logs: after driving the API through its paths (failures
/// included), no secret or token value may appear in an event, a response or a log line.
#[tokio::test]
async fn no_secret_or_token_value_appears_in_events_responses_or_logs() {
    let (url, pool, _database) = fresh_database().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("TENANTPILOT_BIND", "127.0.0.1:0")
        .env("TENANTPILOT_ROLES", "api,consumers,dispatcher")
        .env("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("TENANTPILOT_SECRET_KEY", SecretKey::generate().to_base64())
        .env("TENANTPILOT_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let logs = Arc::new(Mutex::new(String::new()));
    let (port_sender, port_receiver) = tokio::sync::oneshot::channel();
    let stderr = child.stderr.take().unwrap();
    let collected = logs.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut port_sender = Some(port_sender);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(entry) = serde_json::from_str::<Value>(&line) {
                if entry["message"] == "serving" {
                    if let Some(sender) = port_sender.take() {
                        let _ = sender.send(entry["port"].as_u64().unwrap_or_default());
                    }
                }
            }
            collected.lock().unwrap().push_str(&line);
            collected.lock().unwrap().push('\n');
        }
    });
    let port = tokio::time::timeout(std::time::Duration::from_secs(30), port_receiver)
        .await
        .expect("the service started")
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = crate::helpers::http_client();
    let mut bodies = String::new();
    let secrets = ["FIRST-CLIENT-SECRET-9f8e7d", "ROTATED-CLIENT-SECRET-1a2b3c"];
    let send = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };

    let tenant: Value = send(
        reqwest::Method::POST,
        "/api/v1/tenants",
        ADMIN_TOKEN,
        Some(
            json!({"display_name": "Contoso", "azure_tenant_id": Uuid::new_v4(),
                    "client_id": Uuid::new_v4(), "client_secret": secrets[0]}),
        ),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    bodies.push_str(&tenant.to_string());
    let tenant_id = tenant["id"].as_str().unwrap().to_owned();
    let created: Value = send(
        reqwest::Method::POST,
        "/api/v1/tokens",
        ADMIN_TOKEN,
        Some(json!({"name": "ops", "role": "operator", "tenant_ids": [tenant_id]})),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let operator_token = created["token"].as_str().unwrap().to_owned();
    let steps: Vec<(reqwest::Method, String, String, Option<Value>)> = vec![
        (
            reqwest::Method::PATCH,
            format!("/api/v1/tenants/{tenant_id}"),
            ADMIN_TOKEN.into(),
            Some(json!({"client_secret": secrets[1]})),
        ),
        // a refused secret change, and a secret in a malformed body
        (
            reqwest::Method::PATCH,
            format!("/api/v1/tenants/{tenant_id}"),
            operator_token.clone(),
            Some(json!({"client_secret": secrets[0]})),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tenants".into(),
            ADMIN_TOKEN.into(),
            Some(json!({"display_name": "", "client_secret": secrets[1], "x": 1})),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
            operator_token.clone(),
            Some(nightly("Nightly")),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/tenants/{tenant_id}"),
            operator_token.clone(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/tokens".into(),
            ADMIN_TOKEN.into(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/tokens".into(),
            operator_token.clone(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/tenants".into(),
            format!("{operator_token}x"),
            None,
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v1/tokens/{}", created["id"].as_str().unwrap()),
            ADMIN_TOKEN.into(),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/v1/tenants".into(),
            operator_token.clone(),
            None,
        ),
    ];
    for (method, path, token, body) in steps {
        let response = send(method, &path, &token, body).await.unwrap();
        bodies.push_str(&response.text().await.unwrap());
    }
    let _ = child.kill().await;

    let client = pool.get().await.unwrap();
    let stored: String = client
        .query("SELECT payload::text || metadata::text FROM events", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect();
    let logs = logs.lock().unwrap().clone();
    assert!(logs.contains("request finished"), "logs were captured");
    for needle in [secrets[0], secrets[1], operator_token.as_str(), ADMIN_TOKEN] {
        assert!(!stored.contains(needle), "{needle} in the event store");
        assert!(!bodies.contains(needle), "{needle} in a response body");
        assert!(!logs.contains(needle), "{needle} in the logs");
    }
}
