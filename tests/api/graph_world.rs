//! A simulated Microsoft 365 tenant and a service that backs it up: the Graph simulator on a
//! free port, the app with workers pointed at it, and the tenant registered through the API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tenantpilot::graph_sim::{Fault, GraphSimulator, RunningSimulator, SimConfig, TenantConfig};

use crate::helpers::{spawn_app_with, TestApp};

pub struct World {
    pub app: TestApp,
    pub sim: RunningSimulator,
    pub tenant: TenantConfig,
    pub tenant_id: String,
}

/// A tenant with `counts` objects per key (policy types and foundations alike).
pub fn tenant_config(counts: &[(&str, usize)]) -> TenantConfig {
    let mut tenant = TenantConfig::new(
        &uuid::Uuid::new_v4().to_string(),
        &uuid::Uuid::new_v4().to_string(),
        "sim~client.secret-value-0123456789",
    );
    let foundations = tenantpilot::domain::policy_types::FOUNDATION_TYPES;
    for (key, count) in counts {
        if foundations.iter().any(|kind| kind.key == *key) {
            tenant.foundations.insert((*key).to_owned(), *count);
        } else {
            tenant.counts.insert((*key).to_owned(), *count);
        }
    }
    tenant
}

pub async fn start_simulator(tenants: Vec<TenantConfig>) -> RunningSimulator {
    let config = SimConfig {
        tenants,
        ..SimConfig::demo()
    };
    let bind: SocketAddr = "127.0.0.1:0".parse().unwrap();
    GraphSimulator::start(config, bind)
        .await
        .expect("simulator starts")
}

/// The settings that point the app's workers at `sim`, quick to pick up work.
pub fn graph_settings(sim: &RunningSimulator) -> impl Fn(&str) -> Option<String> + Clone {
    let (graph, login) = (sim.graph_url(), sim.login_url());
    move |name| match name {
        "TENANTPILOT_ROLES" => Some("api,consumers,worker".to_owned()),
        "TENANTPILOT_GRAPH_URL" => Some(graph.clone()),
        "TENANTPILOT_LOGIN_URL" => Some(login.clone()),
        "TENANTPILOT_WORKER_POLL_MS" => Some("50".to_owned()),
        "TENANTPILOT_PROJECTOR_POLL_MS" => Some("50".to_owned()),
        _ => None,
    }
}

impl World {
    pub async fn new(tenant: TenantConfig) -> Self {
        Self::paced(tenant, None).await
    }

    /// A world whose service paces Graph requests far above Intune's budget: for tests of
    /// large tenants, where the default pacing (40 a second) would be most of the test.
    pub async fn unpaced(tenant: TenantConfig) -> Self {
        Self::paced(tenant, Some("100000")).await
    }

    async fn paced(tenant: TenantConfig, requests_per_20s: Option<&'static str>) -> Self {
        let sim = start_simulator(vec![tenant.clone()]).await;
        let settings = graph_settings(&sim);
        let app = spawn_app_with(move |name| match (name, requests_per_20s) {
            ("TENANTPILOT_GRAPH_REQUESTS_PER_20S", Some(rate)) => Some(rate.to_owned()),
            _ => settings(name),
        })
        .await;
        let tenant_id = register(&app, &tenant).await;
        Self {
            app,
            sim,
            tenant,
            tenant_id,
        }
    }

    pub fn azure_tenant_id(&self) -> &str {
        &self.tenant.azure_tenant_id
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.sim
            .set_faults(self.azure_tenant_id(), faults)
            .expect("faults set");
    }

    /// A schedule of `policy_types`; returns its path.
    pub async fn schedule(&self, name: &str, policy_types: &[&str], foundations: bool) -> String {
        let body = json!({
            "name": name, "cadence": {"kind": "daily", "times": ["02:30"]},
            "timezone": "Europe/Berlin", "policy_types": policy_types,
            "include_foundations": foundations, "retention_keep_last": 7,
        });
        let response = self.app.create_schedule(&self.tenant_id, &body).await;
        assert_eq!(response.status(), 201, "schedule created");
        let schedule: Value = response.json().await.unwrap();
        format!(
            "/api/v1/tenants/{}/backup-schedules/{}",
            self.tenant_id,
            schedule["id"].as_str().unwrap()
        )
    }

    /// Runs the schedule now and waits for the run to end; returns the run.
    pub async fn run_now(&self, schedule_path: &str) -> Value {
        self.run_now_within(schedule_path, Duration::from_secs(60))
            .await
    }

    /// Runs now and waits for the end, `limit` at most.
    pub async fn run_now_within(&self, schedule_path: &str, limit: Duration) -> Value {
        let response = self
            .app
            .post_empty(&format!("{schedule_path}/run-now"))
            .await;
        assert_eq!(response.status(), 202, "run queued");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        finished_within(&self.app, &location, limit).await
    }

    /// The content blobs stored so far.
    pub async fn blob_count(&self) -> i64 {
        self.app.count("SELECT count(*) FROM content_blobs").await
    }
}

/// Registers the simulated tenant through the API; returns the service's tenant id.
pub async fn register(app: &TestApp, tenant: &TenantConfig) -> String {
    let response = app
        .post(
            "/api/v1/tenants",
            &json!({
                "display_name": "Simulated tenant",
                "azure_tenant_id": tenant.azure_tenant_id,
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
            }),
        )
        .await;
    assert_eq!(response.status(), 201, "tenant registered");
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Polls a run until it has ended (a minute at most).
pub async fn finished(app: &TestApp, location: &str) -> Value {
    finished_within(app, location, Duration::from_secs(60)).await
}

/// Polls a run until it has ended, `limit` at most.
pub async fn finished_within(app: &TestApp, location: &str, limit: Duration) -> Value {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        let run: Value = app.get(location).await.json().await.unwrap();
        if ["success", "partial", "failed"].contains(&run["status"].as_str().unwrap_or("")) {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the run at {location} did not finish within {limit:?}");
}

/// The report's per-type figure `field`, by key.
pub fn report_figures(run: &Value, field: &str) -> BTreeMap<String, u64> {
    run["sync_report"]
        .as_object()
        .expect("a sync report")
        .iter()
        .map(|(key, report)| (key.clone(), report[field].as_u64().unwrap_or(0)))
        .collect()
}

/// A token from the simulator's login endpoint, as any Graph client gets one.
pub async fn sim_token(sim: &RunningSimulator, tenant: &TenantConfig) -> String {
    let token: Value = crate::helpers::http_client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.login_url(),
            tenant.azure_tenant_id
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("client_id", tenant.client_id.as_str()),
                    ("client_secret", tenant.client_secret.as_str()),
                    ("scope", "https://graph.microsoft.com/.default"),
                    ("grant_type", "client_credentials"),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

/// `GET {graph}/beta{path}` as the tenant's app registration (a fresh token), as JSON.
pub async fn graph_get(sim: &RunningSimulator, tenant: &TenantConfig, path: &str) -> Value {
    let token = sim_token(sim, tenant).await;
    crate::helpers::http_client()
        .get(format!("{}/beta{path}", sim.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
