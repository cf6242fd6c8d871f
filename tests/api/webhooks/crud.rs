//! Managing subscriptions: the secret shown once and sealed, reads, changes with `If-Match`,
//! enable/disable, deletion, and who may do what.

use serde_json::{json, Value};

use super::support::{subscribe_with, webhook_app};
use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn a_created_webhook_shows_its_secret_once_and_keeps_it_sealed() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://93.184.216.34/hooks/tp",
                    "event_types": ["backup_run.failed", "backup_run.partial"],
                    "description": "  On-call  "}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["enabled"], true);
    assert_eq!(created["tenant_ids"], Value::Null);
    assert_eq!(created["description"], "On-call");
    assert_eq!(
        created["event_types"],
        json!(["backup_run.partial", "backup_run.failed"])
    );
    assert_eq!(
        location,
        format!("/api/v1/webhooks/{}", created["id"].as_str().unwrap())
    );

    let read: Value = app.get(&location).await.json().await.unwrap();
    assert!(read.get("secret").is_none(), "never shown again");
    let mut without_secret = created.clone();
    without_secret.as_object_mut().unwrap().remove("secret");
    assert_eq!(read, without_secret, "the answer is what a read shows");

    // the secret is in no event, and at rest only sealed
    let key = &secret["whsec_".len()..];
    let everything = app
        .count(&format!(
            "SELECT count(*) FROM events WHERE payload::text LIKE '%{key}%'
                OR metadata::text LIKE '%{key}%'"
        ))
        .await;
    assert_eq!(everything, 0);
    assert_eq!(app.count("SELECT count(*) FROM webhook_secrets").await, 1);
    let client = app.pool.get().await.unwrap();
    let sealed: Vec<u8> = client
        .query_one("SELECT ciphertext FROM webhook_secrets", &[])
        .await
        .unwrap()
        .get(0);
    let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key).unwrap();
    assert!(!sealed.windows(raw.len()).any(|window| window == raw));
    let events = app.events_of(created["id"].as_str().unwrap()).await;
    assert_eq!(events[0].0, "WebhookCreated");
    assert!(events[0].1["secret_id"].is_string());
}

#[tokio::test]
async fn webhooks_are_listed_changed_with_if_match_disabled_enabled_and_deleted() {
    let app = webhook_app().await;
    let mut ids = Vec::new();
    for index in 0..3 {
        let (id, _) = subscribe_with(
            &app,
            json!({"url": format!("http://127.0.0.1:9/{index}"), "event_types": ["*"]}),
        )
        .await;
        ids.push(id);
    }
    let first: Value = app
        .get("/api/v1/webhooks?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/v1/webhooks?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["id"], ids[2].as_str());
    assert_eq!(second["next_cursor"], Value::Null);

    let path = format!("/api/v1/webhooks/{}", ids[0]);
    let stale = app
        .patch(
            &path,
            &json!({"event_types": ["backup_slot.skipped"]}),
            Some("\"7\""),
        )
        .await;
    let (status, body) = problem(stale).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (412, Some("version_mismatch"))
    );
    let tenant = app.create_tenant("Contoso").await;
    let changed = app
        .patch(
            &path,
            &json!({"event_types": ["backup_slot.skipped"], "tenant_ids": [tenant["id"]],
                    "description": "slots"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.headers()["etag"], "\"2\"");
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["event_types"], json!(["backup_slot.skipped"]));
    assert_eq!(changed["tenant_ids"], json!([tenant["id"]]));
    let cleared: Value = app
        .patch(
            &path,
            &json!({"tenant_ids": null, "description": null}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["tenant_ids"], Value::Null);
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["event_types"], json!(["backup_slot.skipped"]));

    let disabled: Value = app
        .post_empty(&format!("{path}/disable"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["disabled_reason"], "manual");
    let enabled: Value = app
        .post_empty(&format!("{path}/enable"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["disabled_reason"], Value::Null);

    assert_eq!(app.delete(&path).await.status(), 204);
    assert_eq!(app.get(&path).await.status(), 404);
    let listed: Value = app.get("/api/v1/webhooks").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let (status, body) = problem(app.post_empty(&format!("{path}/enable")).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let types: Vec<String> = app
        .events_of(&ids[0])
        .await
        .into_iter()
        .map(|(event_type, _, _)| event_type)
        .collect();
    assert_eq!(
        types,
        [
            "WebhookCreated",
            "WebhookUpdated",
            "WebhookUpdated",
            "WebhookDisabled",
            "WebhookEnabled",
            "WebhookDeleted"
        ]
    );
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_only_unscoped_auditors_read_them() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let (id, _) = subscribe_with(
        &app,
        json!({"url": "https://93.184.216.34/", "event_types": ["*"]}),
    )
    .await;
    let (_, auditor) = app.issue_token("auditor", None).await;
    let auditor = app.as_token(Some(&auditor));
    assert_eq!(auditor.get("/api/v1/webhooks").await.status(), 200);
    assert_eq!(
        auditor
            .get(&format!("/api/v1/webhooks/{id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        auditor
            .get(&format!("/api/v1/webhooks/{id}/deliveries"))
            .await
            .status(),
        200
    );
    let (status, body) = problem(
        auditor
            .post_empty(&format!("/api/v1/webhooks/{id}/disable"))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));

    let (_, scoped) = app
        .issue_token("auditor", Some(vec![tenant["id"].as_str().unwrap()]))
        .await;
    let (status, _) = problem(app.as_token(Some(&scoped)).get("/api/v1/webhooks").await).await;
    assert_eq!(
        status, 403,
        "a webhook may span tenants the token cannot see"
    );
    let (_, viewer) = app.issue_token("viewer", None).await;
    let (status, _) = problem(app.as_token(Some(&viewer)).get("/api/v1/webhooks").await).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn rotating_answers_the_new_secret_once_and_refuses_a_stale_version() {
    let app = spawn_app().await;
    let (id, first) = subscribe_with(
        &app,
        json!({"url": "https://93.184.216.34/", "event_types": ["*"]}),
    )
    .await;
    let path = format!("/api/v1/webhooks/{id}/rotate-secret");
    let stale = app
        .request(reqwest::Method::POST, &path)
        .header("If-Match", "\"5\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_secrets").await,
        1,
        "the refused rotation's secret is not kept"
    );
    let rotated = app.post_empty(&path).await;
    assert_eq!(rotated.status(), 200);
    assert_eq!(rotated.headers()["etag"], "\"2\"");
    let rotated: Value = rotated.json().await.unwrap();
    let second = rotated["secret"].as_str().unwrap();
    assert!(second.starts_with("whsec_") && second != first);
    assert_eq!(
        rotated["previous_secret_expires_at"],
        "2026-06-02T12:00:00Z"
    );
    let read: Value = app
        .get(&format!("/api/v1/webhooks/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["secret_rotated_at"], "2026-06-01T12:00:00Z");
    assert_eq!(read["previous_secret_expires_at"], "2026-06-02T12:00:00Z");
}
