//! Every kind of bad input answers a problem document naming the field, and writes nothing.

use serde_json::{json, Value};

use crate::helpers::{nightly, problem, spawn_app, TestApp, ADMIN_TOKEN};

fn with(field: &str, value: Value) -> Value {
    let mut body = nightly("Nightly");
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = nightly("Nightly");
    body.as_object_mut().unwrap().remove(field);
    body
}

/// (body, expected status, expected code, expected field)
fn bad_schedule_bodies() -> Vec<(Value, u16, &'static str, &'static str)> {
    vec![
        (
            with("timezone", json!("Mars/Olympus_Mons")),
            422,
            "invalid_timezone",
            "timezone",
        ),
        (
            with("timezone", json!("")),
            422,
            "invalid_timezone",
            "timezone",
        ),
        (with("name", json!("")), 422, "invalid_name", "name"),
        (with("name", json!("   ")), 422, "invalid_name", "name"),
        (
            with("name", json!("n".repeat(101))),
            422,
            "invalid_name",
            "name",
        ),
        (with("name", json!(42)), 422, "invalid_type", "name"),
        (
            with("policy_types", json!([])),
            422,
            "invalid_policy_types",
            "policy_types",
        ),
        (
            with("policy_types", json!(["nope"])),
            422,
            "unknown_policy_type",
            "policy_types",
        ),
        (
            with(
                "policy_types",
                json!(["settingsCatalog", "settingsCatalog"]),
            ),
            422,
            "invalid_policy_types",
            "policy_types",
        ),
        (
            with("policy_types", json!("settingsCatalog")),
            422,
            "invalid_type",
            "policy_types",
        ),
        (
            with("retention_keep_last", json!(0)),
            422,
            "invalid_retention",
            "retention_keep_last",
        ),
        (
            with("retention_keep_last", json!(366)),
            422,
            "invalid_retention",
            "retention_keep_last",
        ),
        (
            with("retention_keep_last", json!("7")),
            422,
            "invalid_type",
            "retention_keep_last",
        ),
        (
            with("enabled", json!("yes")),
            422,
            "invalid_type",
            "enabled",
        ),
        (
            with("unexpected", json!(true)),
            422,
            "unknown_field",
            "unexpected",
        ),
        (without("name"), 422, "missing_field", "name"),
        (without("cadence"), 422, "missing_field", "cadence"),
        (
            with("cadence", json!({"kind": "daily", "times": ["2:30"]})),
            422,
            "invalid_value",
            "cadence",
        ),
        (
            with("cadence", json!({"kind": "daily", "times": ["24:00"]})),
            422,
            "invalid_value",
            "cadence",
        ),
        (
            with(
                "cadence",
                json!({"kind": "daily", "times": ["02:30", "02:30"]}),
            ),
            422,
            "invalid_cadence",
            "cadence.times",
        ),
        (
            with("cadence", json!({"kind": "daily", "times": []})),
            422,
            "invalid_cadence",
            "cadence.times",
        ),
        (
            with(
                "cadence",
                json!({"kind": "weekly", "days": [], "times": ["22:00"]}),
            ),
            422,
            "invalid_cadence",
            "cadence.days",
        ),
        (
            with("cadence", json!({"kind": "hourly", "times": ["22:00"]})),
            422,
            "invalid_value",
            "cadence.kind",
        ),
        (json!([1, 2]), 422, "invalid_type", "body"),
    ]
}

async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    status: u16,
    code: &str,
    field: &str,
) {
    let (actual_status, body) = problem(response).await;
    assert_eq!(actual_status, status, "status for {body}");
    assert_eq!(body["code"], code, "code for {body}");
    assert_eq!(body["status"], status);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|error| error["field"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(fields.contains(&field), "{field} named in {body}");
    let _ = app;
}

#[tokio::test]
async fn invalid_schedule_bodies_are_refused_with_the_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let before = app.event_count().await;
    for (body, status, code, field) in bad_schedule_bodies() {
        let response = app.create_schedule(tenant_id, &body).await;
        assert_refused(&app, response, status, code, field).await;
    }
    assert_eq!(app.event_count().await, before, "no event written");
}

#[tokio::test]
async fn several_invalid_fields_are_reported_together() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let mut body = nightly("");
    body["timezone"] = json!("Nowhere/Land");
    body["retention_keep_last"] = json!(0);
    let (status, problem_body) = problem(
        app.create_schedule(tenant["id"].as_str().unwrap(), &body)
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem_body["code"], "validation_failed");
    assert_eq!(problem_body["errors"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_json_wrong_media_type_and_oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let path = app.url(&format!(
        "/api/v1/tenants/{}/backup-schedules",
        tenant["id"].as_str().unwrap()
    ));
    let before = app.event_count().await;

    let malformed = app
        .http
        .post(&path)
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(malformed).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_json"))
    );

    let trailing = app
        .http
        .post(&path)
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(format!("{} x", nightly("Nightly")))
        .send()
        .await
        .unwrap();
    let (status, body) = problem(trailing).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_json"))
    );

    let form = app
        .http
        .post(&path)
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Nightly")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(form).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    let mut huge = nightly("Nightly");
    huge["name"] = json!("x".repeat(70 * 1024));
    let oversized = app
        .http
        .post(&path)
        .bearer_auth(ADMIN_TOKEN)
        .json(&huge)
        .send()
        .await
        .unwrap();
    let (status, body) = problem(oversized).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn invalid_tenant_bodies_are_refused_and_never_echo_the_secret() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"display_name": "", "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
                "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e"}),
            "invalid_display_name",
            "display_name",
        ),
        (
            json!({"display_name": "C", "azure_tenant_id": "not-a-guid",
                "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e"}),
            "invalid_guid",
            "azure_tenant_id",
        ),
        (
            json!({"display_name": "C", "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
                "client_id": "nope", "client_secret": "SECRET-NOT-ECHOED"}),
            "invalid_guid",
            "client_id",
        ),
        (
            json!({"display_name": "C", "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
                "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e", "client_secret": "   "}),
            "invalid_client_secret",
            "client_secret",
        ),
        (
            json!({"display_name": "C", "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
                "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e", "client_secret": 5}),
            "invalid_type",
            "client_secret",
        ),
    ];
    for (body, code, field) in cases {
        let response = app.post("/api/v1/tenants", &body).await;
        let (status, problem_body) = problem(response).await;
        assert_eq!(status, 422, "{problem_body}");
        assert!(!problem_body.to_string().contains("SECRET-NOT-ECHOED"));
        assert_eq!(problem_body["code"], code);
        assert_eq!(problem_body["errors"][0]["field"], field);
    }
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn bad_ids_queries_and_if_match_headers_are_refused() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let before = app.event_count().await;

    let (status, body) = problem(app.get("/api/v1/tenants/not-a-uuid").await).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("tenant_id"))
    );
    let (status, body) = problem(
        app.get(&format!("/api/v1/tenants/{tenant_id}/backup-schedules/123"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("schedule_id"))
    );
    let (status, body) = problem(
        app.get(&format!("/api/v1/tenants/{}", uuid::Uuid::new_v4()))
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    for query in ["limit=0", "limit=201", "limit=abc", "cursor=xyz", "bogus=1"] {
        let (status, body) = problem(app.get(&format!("/api/v1/tenants?{query}")).await).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let (status, body) = problem(
        app.patch(
            &format!("/api/v1/tenants/{tenant_id}"),
            &json!({"display_name": "X"}),
            Some("W/\"x\""),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_if_match"))
    );
    let (status, body) = problem(app.get("/api/v1/nothing-here").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("route_not_found"))
    );
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_known_path_with_another_method_answers_405_with_allow() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    for (method, path, allow) in [
        (reqwest::Method::TRACE, "/healthz".to_owned(), "GET"),
        (reqwest::Method::POST, "/readyz".to_owned(), "GET"),
        (
            reqwest::Method::PUT,
            format!("/api/v1/tenants/{tenant_id}"),
            "GET, DELETE, PATCH",
        ),
    ] {
        let response = app
            .request(method.clone(), &path)
            .header("Idempotency-Key", "k-405")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["allow"].to_str().unwrap(),
            allow,
            "{method} {path}"
        );
        let (status, body) = problem(response).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (405, Some("method_not_allowed")),
            "{method} {path}"
        );
    }
    let (status, body) = problem(app.get("/healthz?verbose=1").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
}
