//! Spawns the real application on a fresh database per test, bound to a free port.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use reqwest::{Client, Response};
use serde_json::Value;
use tenantpilot::clock::ManualClock;
use tenantpilot::config::Settings;
use tenantpilot::startup::Application;
use uuid::Uuid;

/// Server URL of the PostgreSQL the tests create their databases on.
pub fn server_url() -> String {
    std::env::var("TENANTPILOT_TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A new, migrated database of its own, dropped again when the guard goes out of scope
/// (when the test ends, passed or failed), so test runs leave nothing behind.
pub async fn fresh_database() -> (String, Pool, DatabaseGuard) {
    let name = format!("tp_test_{}", Uuid::new_v4().simple());
    let url = format!("{}/{name}", server_url());
    let guard = DatabaseGuard { name };
    let pool = tenantpilot::db::prepare(&url, 16)
        .await
        .expect("test database can be prepared");
    (url, pool, guard)
}

/// Drops its test database on drop, even while the test's app still holds connections to
/// it (`WITH (FORCE)` ends them). It blocks for the drop on a thread of its own, since a
/// test's runtime may be the one being torn down.
pub struct DatabaseGuard {
    name: String,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the drop");
            runtime.block_on(async move {
                let maintenance = format!("{}/postgres", server_url());
                let (client, connection) =
                    tokio_postgres::connect(&maintenance, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("test database {} could not be dropped", self.name);
        }
    }
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid RFC 3339")
        .with_timezone(&Utc)
}

/// An HTTP client for tests (the process's TLS provider installed first: see
/// `tenantpilot::graph::install_tls_provider`).
pub fn http_client() -> Client {
    tenantpilot::graph::install_tls_provider();
    Client::new()
}

/// The bootstrap admin token every test app accepts.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub pool: Pool,
    pub clock: ManualClock,
    pub http: Client,
    /// Sent as `Authorization: Bearer` by the request helpers; `None` sends no header.
    pub token: Option<String>,
    /// Drops the database when the last clone of the app goes (held only for that).
    #[allow(dead_code)]
    pub database: Arc<DatabaseGuard>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| None).await
}

/// The app with some settings of the test's own (`extra` answers first).
pub async fn spawn_app_with(extra: impl Fn(&str) -> Option<String>) -> TestApp {
    tenantpilot::graph::install_tls_provider();
    let (url, _, database) = fresh_database().await;
    let database_url = url.clone();
    let settings =
        Settings::from_lookup(|name| extra(name).or_else(|| default_setting(name, &url)))
            .expect("test settings are valid");
    let clock = ManualClock::new(at("2026-06-01T12:00:00Z"));
    let app = Application::build(&settings, Arc::new(clock.clone()))
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        database_url,
        pool,
        clock,
        http: http_client(),
        token: Some(ADMIN_TOKEN.to_owned()),
        database: Arc::new(database),
    }
}

/// The settings every test app runs with: the API and the consumers (no dispatcher: tests
/// tick it themselves), on its own database.
fn default_setting(name: &str, database_url: &str) -> Option<String> {
    match name {
        "DATABASE_URL" => Some(database_url.to_owned()),
        "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
        "TENANTPILOT_ROLES" => Some("api,consumers".to_owned()),
        "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
        "TENANTPILOT_SECRET_KEY" => Some(tenantpilot::secrets::SecretKey::generate().to_base64()),
        _ => None,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The same app, calling with another token (or none).
    pub fn as_token(&self, token: Option<&str>) -> TestApp {
        TestApp {
            token: token.map(str::to_owned),
            ..self.clone()
        }
    }

    /// A request with this app's token.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_empty(&self, path: &str) -> Response {
        self.request(reqwest::Method::POST, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn patch(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut request = self.request(reqwest::Method::PATCH, path).json(body);
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        request.send().await.expect("request sent")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(reqwest::Method::DELETE, path)
            .send()
            .await
            .expect("request sent")
    }

    /// Issues a token through the API and returns (id, value).
    pub async fn issue_token(&self, role: &str, tenant_ids: Option<Vec<&str>>) -> (String, String) {
        let mut body = serde_json::json!({"name": format!("{role} token"), "role": role});
        if let Some(ids) = tenant_ids {
            body["tenant_ids"] = serde_json::json!(ids);
        }
        let response = self
            .as_token(Some(ADMIN_TOKEN))
            .post("/api/v1/tokens", &body)
            .await;
        assert_eq!(response.status(), 201, "token issued");
        let created: Value = response.json().await.expect("token body");
        (
            created["id"].as_str().expect("id").to_owned(),
            created["token"].as_str().expect("token").to_owned(),
        )
    }

    /// The single number `sql` selects (a `count(*)`, usually).
    pub async fn count(&self, sql: &str) -> i64 {
        let client = self.pool.get().await.expect("connection");
        client.query_one(sql, &[]).await.expect("count").get(0)
    }

    /// How many events the store holds: bad requests must not change it.
    pub async fn event_count(&self) -> i64 {
        let client = self.pool.get().await.expect("connection");
        client
            .query_one("SELECT count(*) FROM events", &[])
            .await
            .expect("count")
            .get(0)
    }

    pub async fn events_of(&self, aggregate_id: &str) -> Vec<(String, Value, Value)> {
        let client = self.pool.get().await.expect("connection");
        client
            .query(
                "SELECT event_type, payload, metadata FROM events
                 WHERE aggregate_id = $1 ORDER BY sequence",
                &[&aggregate_id],
            )
            .await
            .expect("events")
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
    }

    pub async fn create_tenant(&self, name: &str) -> Value {
        let body = serde_json::json!({
            "display_name": name,
            "azure_tenant_id": Uuid::new_v4().to_string(),
            "client_id": Uuid::new_v4().to_string(),
            "client_secret": "app-secret-value",
        });
        let response = self.post("/api/v1/tenants", &body).await;
        assert_eq!(response.status(), 201, "tenant created");
        response.json().await.expect("tenant body")
    }

    /// A new tenant with one schedule: (tenant, schedule, the schedule's path).
    pub async fn tenant_with_schedule(
        &self,
        tenant_name: &str,
        body: &Value,
    ) -> (Value, Value, String) {
        let tenant = self.create_tenant(tenant_name).await;
        let tenant_id = tenant["id"].as_str().expect("tenant id");
        let response = self.create_schedule(tenant_id, body).await;
        assert_eq!(response.status(), 201, "schedule created");
        let schedule: Value = response.json().await.expect("schedule body");
        let path = format!(
            "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
            schedule["id"].as_str().expect("schedule id")
        );
        (tenant, schedule, path)
    }

    pub async fn create_schedule(&self, tenant_id: &str, body: &Value) -> Response {
        self.post(
            &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
            body,
        )
        .await
    }
}

/// The domain's form of `nightly`: daily 02:30 Europe/Berlin, settings catalog, keep 7.
pub fn nightly_spec(name: &str) -> tenantpilot::domain::schedule::ScheduleSpec {
    use tenantpilot::domain::cadence::{Cadence, TimeOfDay};
    use tenantpilot::domain::schedule::{
        PolicyTypeSelection, RetentionKeepLast, ScheduleName, ScheduleSpec,
    };
    ScheduleSpec {
        name: ScheduleName::parse(name).expect("a valid name"),
        enabled: true,
        cadence: Cadence::Daily {
            times: vec![TimeOfDay::parse("02:30").expect("a valid time")],
        },
        timezone: "Europe/Berlin".parse().expect("a known zone"),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()])
            .expect("a known type"),
        include_foundations: false,
        retention_keep_last: RetentionKeepLast::new(7).expect("in range"),
    }
}

pub fn nightly(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "cadence": {"kind": "daily", "times": ["02:30"]},
        "timezone": "Europe/Berlin",
        "policy_types": ["deviceConfigurations", "settingsCatalog"],
        "include_foundations": true,
        "retention_keep_last": 7
    })
}

pub async fn problem(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "errors are problem+json"
    );
    (status, response.json().await.expect("problem body"))
}
