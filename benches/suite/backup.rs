//! Run execution against the Graph simulator, with the service as a separate process
//! (`tenantpilot serve`, built with this profile) so its peak memory can be read:
//!
//! - `backup`: a 2,000-policy tenant of mixed types (settings catalog with paged settings,
//!   scripts read one by one), backed up once: time and the service's peak RSS;
//! - `storage`: the backup tables after 1 and after 30 runs of that unchanged tenant;
//! - `tenants`: 50 tenants of 200 policies queued at once: time until all finished, and the
//!   most concurrent Graph requests any one tenant saw (the per-tenant bound).
//!
//! `cargo bench --bench suite -- backup storage tenants`. Needs the local PostgreSQL; makes
//! and drops its own database.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tenantpilot::graph_sim::{GraphSimulator, RunningSimulator, SimConfig, TenantConfig};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::common::{free_port, server_url, Report, ADMIN_TOKEN};

/// The service's default pacing (TENANTPILOT_GRAPH_REQUESTS_PER_20S).
pub(crate) const DEFAULT_PACING: &str = "800";

/// 2,000 objects: mostly types whose list is complete (with `$expand`), some settings-catalog
/// policies whose 40 settings take two pages each, some scripts read one by one.
fn mixed_tenant(label: &str, scale: usize) -> TenantConfig {
    let mut tenant = TenantConfig::new(
        &Uuid::new_v4().to_string(),
        &Uuid::new_v4().to_string(),
        &format!("bench~{label}~secret-value-0123456789"),
    );
    let counts = [
        ("deviceConfigurations", 1_140),
        ("deviceCompliancePolicies", 400),
        ("appConfigManagedDevices", 300),
        ("settingsCatalog", 40),
        ("policySets", 100),
        ("powershellScripts", 20),
    ];
    for (key, count) in counts {
        tenant.counts.insert(key.to_owned(), count * scale / 10);
    }
    tenant.settings_per_policy = 40;
    tenant
}

pub(crate) struct Service {
    child: Child,
    base: String,
    http: reqwest::Client,
    database: String,
}

pub(crate) async fn start_service(sim: &RunningSimulator, pacing: &str, workers: &str) -> Service {
    let database = format!("tp_bench_backup_{}", Uuid::new_v4().simple());
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("serve")
        .env("DATABASE_URL", format!("{}/{database}", server_url()))
        .env("TENANTPILOT_BIND", format!("127.0.0.1:{port}"))
        .env("TENANTPILOT_ROLES", "api,consumers,worker")
        .env("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env(
            "TENANTPILOT_SECRET_KEY",
            tenantpilot::secrets::SecretKey::generate().to_base64(),
        )
        .env("TENANTPILOT_GRAPH_URL", sim.graph_url())
        .env("TENANTPILOT_LOGIN_URL", sim.login_url())
        .env("TENANTPILOT_GRAPH_REQUESTS_PER_20S", pacing)
        .env("TENANTPILOT_WORKERS", workers)
        .env("TENANTPILOT_WORKER_POLL_MS", "100")
        .env(
            "RUST_LOG",
            std::env::var("BENCH_SERVICE_LOG").unwrap_or("error".into()),
        )
        .kill_on_drop(true)
        .spawn()
        .expect("the service starts");
    tenantpilot::graph::install_tls_provider();
    let service = Service {
        child,
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        database,
    };
    for _ in 0..200 {
        if let Ok(response) = service
            .http
            .get(format!("{}/readyz", service.base))
            .send()
            .await
        {
            if response.status().is_success() {
                return service;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service did not become ready");
}

impl Service {
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .json(body)
            .send()
            .await
            .expect("request sent");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("a JSON body")
    }

    pub(crate) async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON body")
    }

    /// Registers the tenant and a schedule of every type it holds; returns the run-now path.
    async fn tenant_with_schedule(&self, tenant: &TenantConfig) -> String {
        let created = self
            .post(
                "/api/v1/tenants",
                &json!({"display_name": "Bench tenant", "azure_tenant_id": tenant.azure_tenant_id,
                        "client_id": tenant.client_id, "client_secret": tenant.client_secret}),
            )
            .await;
        let tenant_id = created["id"].as_str().expect("tenant id").to_owned();
        let types: Vec<&String> = tenant.counts.keys().collect();
        let schedule = self
            .post(
                &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
                &json!({"name": "Bench", "cadence": {"kind": "daily", "times": ["02:30"]},
                        "timezone": "UTC", "policy_types": types, "retention_keep_last": 365}),
            )
            .await;
        format!(
            "/api/v1/tenants/{tenant_id}/backup-schedules/{}/run-now",
            schedule["id"].as_str().expect("schedule id")
        )
    }

    /// Runs now and waits; returns the finished run.
    pub(crate) async fn run(&self, run_now: &str) -> Value {
        let run = self.post(run_now, &json!({})).await;
        let location = format!(
            "/api/v1/tenants/{}/backup-runs/{}",
            run["tenant_id"].as_str().expect("tenant"),
            run["id"].as_str().expect("run id")
        );
        self.finished(&location).await
    }

    async fn finished(&self, location: &str) -> Value {
        loop {
            let run = self.get(location).await;
            if ["success", "partial", "failed"].contains(&run["status"].as_str().unwrap_or("")) {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the peak-RSS count again from the current RSS (`clear_refs` 5: Linux resets
    /// VmHWM), so a figure can cover one phase of the service's life.
    pub(crate) fn reset_peak_rss(&self) {
        let pid = self.child.id().expect("running");
        std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("peak RSS reset");
    }

    /// The service's peak resident memory so far (VmHWM), in MB.
    pub(crate) fn peak_rss_mb(&self) -> f64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    async fn backup_tables_bytes(&self) -> i64 {
        let pool = tenantpilot::db::create_pool(&format!("{}/{}", server_url(), self.database), 1)
            .unwrap();
        let client = pool.get().await.unwrap();
        client
            .query_one(
                "SELECT pg_total_relation_size('content_blobs') + pg_total_relation_size('backup_trees')
                      + pg_total_relation_size('backup_sets')",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
        let pool = tenantpilot::db::create_pool(&format!("{}/postgres", server_url()), 1).unwrap();
        if let Ok(client) = pool.get().await {
            let _ = client
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.database
                ))
                .await;
        }
    }
}

pub(crate) async fn simulator(tenants: Vec<TenantConfig>) -> RunningSimulator {
    let config = SimConfig {
        tenants,
        workers: 2,
    };
    let bind: SocketAddr = "127.0.0.1:0".parse().unwrap();
    GraphSimulator::start(config, bind)
        .await
        .expect("the simulator starts")
}

pub async fn backup_of_a_large_tenant(report: &mut Report) {
    let tenant = mixed_tenant("large", 10);
    let sim = simulator(vec![tenant.clone()]).await;
    let service = start_service(&sim, DEFAULT_PACING, "4").await;
    let run_now = service.tenant_with_schedule(&tenant).await;
    let started = Instant::now();
    let run = service.run(&run_now).await;
    let elapsed = started.elapsed();
    let stats = sim.stats().tenant(&tenant.azure_tenant_id);
    assert_eq!(run["status"], "success", "{run:#}");
    report.add(
        format!("backup of a 2,000-policy tenant (pacing {DEFAULT_PACING}/20 s)"),
        format!(
            "{:.2} s run-now to finished (run {} ms), {} items, {} Graph requests",
            elapsed.as_secs_f64(),
            run["duration_ms"],
            run["backup_set"]["item_count"],
            stats.graph_requests,
        ),
        "measured",
    );
    report.add(
        "service peak RSS over that backup",
        format!("{:.0} MB", service.peak_rss_mb()),
        "measured",
    );
    service.stop().await;
    sim.stop().await;
}

pub async fn storage_of_unchanged_runs(report: &mut Report) {
    let tenant = mixed_tenant("storage", 10);
    let sim = simulator(vec![tenant.clone()]).await;
    // pacing is not what is measured here: let the runs go as fast as they can
    let service = start_service(&sim, "100000", "2").await;
    let run_now = service.tenant_with_schedule(&tenant).await;
    assert_eq!(service.run(&run_now).await["status"], "success");
    let one = service.backup_tables_bytes().await;
    for _ in 1..30 {
        assert_eq!(service.run(&run_now).await["status"], "success");
    }
    let thirty = service.backup_tables_bytes().await;
    report.add(
        "storage of 30 unchanged runs vs one (backup tables)",
        format!(
            "{:.3} x ({:.2} MB after 1 run, {:.2} MB after 30)",
            thirty as f64 / one as f64,
            one as f64 / 1e6,
            thirty as f64 / 1e6
        ),
        "about 1 x",
    );
    service.stop().await;
    sim.stop().await;
}

pub async fn herd_of_tenants(report: &mut Report) {
    let tenants: Vec<TenantConfig> = (0..50)
        .map(|index| mixed_tenant(&format!("herd{index}"), 1))
        .collect();
    let sim = simulator(tenants.clone()).await;
    let service = start_service(&sim, DEFAULT_PACING, "8").await;
    let mut paths = Vec::new();
    for tenant in &tenants {
        paths.push(service.tenant_with_schedule(tenant).await);
    }
    let started = Instant::now();
    let mut locations = Vec::new();
    for path in &paths {
        let run = service.post(path, &json!({})).await;
        let (Some(tenant_id), Some(run_id)) = (run["tenant_id"].as_str(), run["id"].as_str())
        else {
            panic!("run-now answered {run}");
        };
        locations.push(format!("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}"));
    }
    let mut succeeded = 0;
    for location in &locations {
        if service.finished(location).await["status"] == "success" {
            succeeded += 1;
        }
    }
    let elapsed = started.elapsed();
    let max_in_flight = tenants
        .iter()
        .map(|tenant| sim.stats().tenant(&tenant.azure_tenant_id).max_in_flight)
        .max()
        .unwrap_or(0);
    report.add(
        "50 tenants of 200 policies queued at once",
        format!(
            "{succeeded}/50 succeeded in {:.1} s, at most {max_in_flight} Graph requests \
             in flight for one tenant",
            elapsed.as_secs_f64()
        ),
        "per-tenant bound 4",
    );
    service.stop().await;
    sim.stop().await;
}
