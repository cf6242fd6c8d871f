//! What the webhook tests share: an app that delivers webhooks (to local receivers, so
//! private addresses are allowed), subscribing, reading the deliveries log, and a service
//! that can be stopped and started again on the same database.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tenantpilot::clock::{Clock, ManualClock};
use tenantpilot::config::Settings;
use tenantpilot::startup::Application;

use crate::helpers::{spawn_app_with, TestApp, ADMIN_TOKEN};

/// The settings of an app that fans out and delivers webhooks, quickly.
pub fn delivering(name: &str) -> Option<String> {
    match name {
        "TENANTPILOT_ROLES" => Some("api,consumers,webhooks".to_owned()),
        "TENANTPILOT_WEBHOOK_ALLOW_PRIVATE" => Some("1".to_owned()),
        "TENANTPILOT_PROJECTOR_POLL_MS" => Some("50".to_owned()),
        "TENANTPILOT_WEBHOOK_TIMEOUT_MS" => Some("3000".to_owned()),
        _ => None,
    }
}

pub async fn webhook_app() -> TestApp {
    spawn_app_with(delivering).await
}

/// Subscribes `url` to `event_types` (every tenant); returns (id, secret).
pub async fn subscribe(app: &TestApp, url: &str, event_types: &[&str]) -> (String, String) {
    subscribe_with(app, json!({"url": url, "event_types": event_types})).await
}

pub async fn subscribe_with(app: &TestApp, body: Value) -> (String, String) {
    let response = app.post("/api/v1/webhooks", &body).await;
    assert_eq!(response.status(), 201, "webhook created");
    let created: Value = response.json().await.unwrap();
    (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// Every attempt of the webhook, oldest first.
pub async fn attempts(app: &TestApp, webhook_id: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => {
                format!("/api/v1/webhooks/{webhook_id}/deliveries?limit=200&cursor={cursor}")
            }
            None => format!("/api/v1/webhooks/{webhook_id}/deliveries?limit=200"),
        };
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    all.reverse();
    all
}

/// Polls `check` until it holds (at most `limit`).
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Moves the app's clock on (retries come due by the injected clock).
pub fn advance(clock: &ManualClock, by: chrono::Duration) {
    clock.set(clock.now() + by);
}

/// A tenant with a schedule: every write of the schedule is a `backup_schedule.changed`.
pub async fn tenant_with_schedule(app: &TestApp, name: &str) -> (String, String) {
    let (tenant, schedule, _) = app
        .tenant_with_schedule(name, &crate::helpers::nightly("Nightly"))
        .await;
    (
        tenant["id"].as_str().unwrap().to_owned(),
        schedule["id"].as_str().unwrap().to_owned(),
    )
}

/// A service on an existing database that a test stops (gracefully) and starts again.
pub struct Service {
    pub address: String,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Service {
    /// Starts the service on `database_url`, sealing with `key`, with `extra` settings
    /// answering before the webhook test defaults.
    pub async fn start(
        database_url: &str,
        key: &str,
        clock: ManualClock,
        extra: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let settings = Settings::from_lookup(|name| {
            extra(name)
                .or_else(|| delivering(name))
                .or_else(|| match name {
                    "DATABASE_URL" => Some(database_url.to_owned()),
                    "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
                    "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
                    "TENANTPILOT_SECRET_KEY" => Some(key.to_owned()),
                    _ => None,
                })
        })
        .expect("test settings are valid");
        let app = Application::build(&settings, Arc::new(clock))
            .await
            .expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop,
            running,
        }
    }

    /// A client of this service, as admin.
    pub fn client(&self, template: &TestApp) -> TestApp {
        TestApp {
            address: self.address.clone(),
            token: Some(ADMIN_TOKEN.to_owned()),
            ..template.clone()
        }
    }

    /// Stops it the way SIGTERM does, and waits until every loop has ended.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.running)
            .await
            .expect("the service stops")
            .expect("the service task ends")
            .expect("the service ran");
    }
}
