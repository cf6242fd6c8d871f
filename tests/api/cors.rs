//! CORS over HTTP: listed origins get preflights answered without a token and readable
//! responses; other origins, and an app with no origins configured, get no CORS headers.

use reqwest::header::HeaderMap;
use reqwest::{Method, Response};

use crate::helpers::{spawn_app_with, TestApp, ADMIN_TOKEN};

const ALLOWED: &str = "https://admin.example.com";

/// The app with `TENANTPILOT_CORS_ORIGINS` set to `origins` (`None`: unset).
async fn spawn_with_origins(origins: Option<&str>) -> TestApp {
    let origins = origins.map(str::to_owned);
    spawn_app_with(move |name| match name {
        "TENANTPILOT_CORS_ORIGINS" => origins.clone(),
        _ => None,
    })
    .await
}

async fn preflight(address: &str, origin: &str) -> Response {
    crate::helpers::http_client()
        .request(Method::OPTIONS, format!("{address}/api/v1/tenants"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, idempotency-key",
        )
        .send()
        .await
        .expect("request sent")
}

async fn get_with_token(address: &str, origin: &str) -> Response {
    crate::helpers::http_client()
        .get(format!("{address}/api/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .header("Origin", origin)
        .send()
        .await
        .expect("request sent")
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|value| value.to_str().expect("ASCII").to_ascii_lowercase())
        .unwrap_or_default()
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_is_answered_without_a_token() {
    let app = spawn_with_origins(Some("http://localhost:5173, https://admin.example.com")).await;
    let address = app.address.clone();
    let response = preflight(&address, ALLOWED).await;
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), ALLOWED);
    let methods = header(headers, "access-control-allow-methods");
    for method in ["get", "post", "patch", "put", "delete"] {
        assert!(methods.contains(method), "{method} not in {methods}");
    }
    let allowed = header(headers, "access-control-allow-headers");
    for name in [
        "authorization",
        "content-type",
        "if-match",
        "idempotency-key",
        "x-request-id",
    ] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
    assert!(!header(headers, "access-control-max-age").is_empty());
}

#[tokio::test]
async fn a_listed_origin_may_read_the_response_and_its_headers() {
    let app = spawn_with_origins(Some(ALLOWED)).await;
    let address = app.address.clone();
    let response = get_with_token(&address, ALLOWED).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), ALLOWED);
    let exposed = header(headers, "access-control-expose-headers");
    for name in [
        "etag",
        "location",
        "x-request-id",
        "idempotent-replayed",
        "retry-after",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }

    // a refusal is readable too, so the app can tell "log in again" from a network error
    let response = crate::helpers::http_client()
        .get(format!("{address}/api/v1/tenants"))
        .header("Origin", ALLOWED)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 401);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        ALLOWED
    );
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_cors_headers_and_no_preflight() {
    let app = spawn_with_origins(Some(ALLOWED)).await;
    let address = app.address.clone();
    let evil = "https://evil.example.com";
    let response = get_with_token(&address, evil).await;
    // still served: CORS guards browsers' reading, it is not access control
    assert_eq!(response.status(), 200);
    assert_eq!(cors_headers(response.headers()), Vec::<String>::new());

    let response = preflight(&address, evil).await;
    assert!(!response.status().is_success(), "{}", response.status());
    assert_eq!(cors_headers(response.headers()), Vec::<String>::new());
}

#[tokio::test]
async fn without_configured_origins_there_are_no_cors_headers() {
    let app = spawn_with_origins(None).await;
    let address = app.address.clone();
    let response = get_with_token(&address, ALLOWED).await;
    assert_eq!(response.status(), 200);
    assert_eq!(cors_headers(response.headers()), Vec::<String>::new());

    let response = preflight(&address, ALLOWED).await;
    assert!(!response.status().is_success(), "{}", response.status());
    assert_eq!(cors_headers(response.headers()), Vec::<String>::new());
}
