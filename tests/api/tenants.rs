use serde_json::{json, Value};

use crate::helpers::{nightly, problem, spawn_app, ADMIN_TOKEN};

#[tokio::test]
async fn a_registered_tenant_is_readable_at_once_and_its_secret_never_leaves() {
    let app = spawn_app().await;
    let body = json!({
        "display_name": "Contoso",
        "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
        "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e",
        "client_secret": "VERY-SECRET-VALUE-123"
    });
    let response = app
        .http
        .post(app.url("/api/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .header("X-Request-Id", "req-create-contoso")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.headers()["x-request-id"], "req-create-contoso");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created_text = response.text().await.unwrap();
    assert!(!created_text.contains("VERY-SECRET-VALUE-123"));
    let created: Value = serde_json::from_str(&created_text).unwrap();
    assert_eq!(
        location,
        format!("/api/v1/tenants/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["has_client_secret"], true);
    assert_eq!(created["status"], "active");

    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, created);

    let events = app.events_of(created["id"].as_str().unwrap()).await;
    assert_eq!(events.len(), 1);
    let (event_type, payload, metadata) = &events[0];
    assert_eq!(event_type, "TenantRegistered");
    assert_eq!(metadata["correlation_id"], "req-create-contoso");
    assert!(!payload.to_string().contains("VERY-SECRET-VALUE-123"));
    assert!(payload["client_secret_id"].is_string());
}

#[tokio::test]
async fn renaming_with_a_stale_etag_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!("/api/v1/tenants/{}", tenant["id"].as_str().unwrap());

    let renamed = app
        .patch(
            &path,
            &json!({"display_name": "Contoso Ltd"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(renamed.headers()["etag"], "\"2\"");
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["display_name"], "Contoso Ltd");

    let before = app.event_count().await;
    let stale = app
        .patch(&path, &json!({"display_name": "Other"}), Some("\"1\""))
        .await;
    assert_eq!(stale.headers()["etag"], "\"2\"");
    let (status, body) = problem(stale).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (412, Some("version_mismatch"))
    );
    assert_eq!(app.event_count().await, before);
    let current: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(current["display_name"], "Contoso Ltd");
}

#[tokio::test]
async fn a_new_secret_is_recorded_as_a_credentials_change_without_the_value() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let id = tenant["id"].as_str().unwrap();
    let response = app
        .patch(
            &format!("/api/v1/tenants/{id}"),
            &json!({"client_secret": "ROTATED-SECRET-456"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let events = app.events_of(id).await;
    assert_eq!(events.last().unwrap().0, "TenantCredentialsChanged");
    for (_, payload, metadata) in &events {
        assert!(!payload.to_string().contains("ROTATED-SECRET-456"));
        assert!(!metadata.to_string().contains("ROTATED-SECRET-456"));
    }
}

#[tokio::test]
async fn deactivation_and_reactivation_show_in_the_status() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = format!("/api/v1/tenants/{}", tenant["id"].as_str().unwrap());
    let inactive: Value = app
        .post_empty(&format!("{path}/deactivate"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inactive["status"], "inactive");
    // deactivating again changes nothing and records nothing
    let before = app.event_count().await;
    let again: Value = app
        .post_empty(&format!("{path}/deactivate"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], inactive["version"]);
    assert_eq!(app.event_count().await, before);
    let active: Value = app
        .post_empty(&format!("{path}/reactivate"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["status"], "active");
}

#[tokio::test]
async fn a_tenant_with_schedules_cannot_be_deleted_and_a_deleted_one_is_gone() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let id = tenant["id"].as_str().unwrap();
    let schedule: Value = app
        .create_schedule(id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let (status, body) = problem(app.delete(&format!("/api/v1/tenants/{id}")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("tenant_has_schedules"))
    );

    let schedule_path = format!(
        "/api/v1/tenants/{id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    assert_eq!(app.delete(&schedule_path).await.status(), 204);
    assert_eq!(
        app.delete(&format!("/api/v1/tenants/{id}")).await.status(),
        204
    );
    let (status, body) = problem(app.get(&format!("/api/v1/tenants/{id}")).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let list: Value = app.get("/api/v1/tenants").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_same_azure_tenant_cannot_be_registered_twice() {
    let app = spawn_app().await;
    let body = json!({
        "display_name": "Contoso",
        "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
        "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e"
    });
    assert_eq!(app.post("/api/v1/tenants", &body).await.status(), 201);
    let before = app.event_count().await;
    let (status, problem_body) = problem(app.post("/api/v1/tenants", &body).await).await;
    assert_eq!(
        (status, problem_body["code"].as_str()),
        (409, Some("azure_tenant_already_registered"))
    );
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn tenants_are_listed_page_by_page() {
    let app = spawn_app().await;
    for index in 0..5 {
        app.create_tenant(&format!("Tenant {index}")).await;
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/tenants?limit=2&cursor={cursor}"),
            None => "/api/v1/tenants?limit=2".to_owned(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            names.push(item["display_name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        (0..5).map(|i| format!("Tenant {i}")).collect::<Vec<_>>()
    );
}
