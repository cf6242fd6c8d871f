//! The operator console as the server serves it: index.html at `/` and at every screen's
//! path (deep links), never in place of the API's own answers; its assets precompressed,
//! versioned and cached; a strict Content-Security-Policy on all of it. And `GET /api/v1/me`,
//! which the console shapes its screens by.

use serde_json::Value;

use crate::helpers::{problem, spawn_app, TestApp};

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(app.url(path));
    if let Some(encoding) = accept_encoding {
        request = request.header("Accept-Encoding", encoding);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

#[tokio::test]
async fn the_console_answers_at_the_root_and_at_every_screen_path_with_a_strict_csp() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/schedules/x",
        "/notifications",
        "/webhooks/abc",
    ] {
        let response = get(&app, path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache");
        let csp = header(&response, "content-security-policy").to_owned();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<div id="app"></div>"#), "{html}");
        assert!(html.contains("/assets/app.js?v="), "{html}");
        // no inline script: every <script> has a src from this origin
        assert!(!html.contains("<script>"), "{html}");
    }
}

#[tokio::test]
async fn api_document_health_and_unknown_paths_keep_their_own_answers() {
    let app = spawn_app().await;
    let (status, body) = problem(app.get("/api/v1/nothing-here").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("route_not_found"))
    );
    let (status, _) = problem(get(&app, "/no-such-screen", None).await).await;
    assert_eq!(status, 404);
    let response = get(&app, "/openapi.json", None).await;
    assert_eq!(header(&response, "content-type"), "application/json");
    let response = get(&app, "/healthz", None).await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-security-policy").is_empty());
    // a write to a screen's path is not the console's: the API's 404 problem
    let response = app.http.post(app.url("/tenants")).send().await.unwrap();
    let (status, _) = problem(response).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn assets_come_precompressed_and_versioned_urls_are_cached_for_good() {
    let app = spawn_app().await;
    let html = get(&app, "/", None).await.text().await.unwrap();
    let script = html
        .split('"')
        .find(|part| part.starts_with("/assets/app.js?v="))
        .expect("index.html links the versioned script")
        .to_owned();
    let plain = get(&app, &script, None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(
        header(&plain, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&plain, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&plain, "content-encoding").is_empty());
    let etag = header(&plain, "etag").to_owned();
    let identity = plain.bytes().await.unwrap();

    let gzip = get(&app, &script, Some("gzip, deflate")).await;
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    assert_eq!(header(&gzip, "vary"), "Accept-Encoding");
    let gzip = gzip.bytes().await.unwrap();
    assert!(
        gzip.len() < identity.len() / 2,
        "{} vs {}",
        gzip.len(),
        identity.len()
    );
    let brotli = get(&app, &script, Some("gzip, deflate, br")).await;
    assert_eq!(header(&brotli, "content-encoding"), "br");
    let refused = get(&app, &script, Some("br;q=0, gzip")).await;
    assert_eq!(header(&refused, "content-encoding"), "gzip");

    // an unversioned or stale URL is revalidated instead, and an unchanged file is a 304
    let stale = get(&app, "/assets/app.js?v=0000000000000000", None).await;
    assert_eq!(header(&stale, "cache-control"), "no-cache");
    let again = app
        .http
        .get(app.url("/assets/app.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let css = get(&app, "/assets/app.css", None).await;
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    let (status, _) = problem(get(&app, "/assets/other.js", None).await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn me_tells_each_token_its_role_tenants_and_permissions() {
    let app = spawn_app().await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["tenant_ids"], Value::Null);
    assert!(me["permissions"]
        .as_array()
        .unwrap()
        .contains(&Value::from("manage_tokens")));

    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let (_, auditor) = app.issue_token("auditor", None).await;
    let me: Value = app
        .as_token(Some(&auditor))
        .get("/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "auditor");
    assert_eq!(
        me["permissions"],
        serde_json::json!(["read", "read_events", "own_notifications", "read_webhooks"])
    );
    let (_, operator) = app.issue_token("operator", Some(vec![tenant_id])).await;
    let me: Value = app
        .as_token(Some(&operator))
        .get("/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["tenant_ids"], serde_json::json!([tenant_id]));
    assert_eq!(
        me["permissions"],
        serde_json::json!([
            "read",
            "manage_schedules",
            "operate_runs",
            "own_notifications"
        ])
    );
    let (status, body) = problem(app.as_token(None).get("/api/v1/me").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
}
