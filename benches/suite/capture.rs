//! `capture`: what a whole capture costs against Graph. The demo tenant and
//! `examples/graph-sim.json`'s 2,000-policy tenant (with the coverage types of the demo
//! added), every type and foundation selected, backed up once by a separate service process
//! at the default pacing: Graph requests (per object and per kind), wall time against what
//! the pacing allows (requests less the first burst, at 40 a second), and the service's
//! peak RSS.
//!
//! `cargo bench --bench suite -- capture`.

use std::path::Path;
use std::time::Instant;

use serde_json::json;
use tenantpilot::domain::policy_types::POLICY_TYPES;
use tenantpilot::graph_sim::{SimConfig, TenantConfig};

use crate::backup::{simulator, start_service, Service, DEFAULT_PACING};
use crate::common::Report;

/// The default pacing's steady rate (800 per 20 s) and the burst it allows after a quiet
/// spell (`src/graph/pacing.rs`: a twentieth of the window).
const REQUESTS_PER_SECOND: f64 = 40.0;
const FIRST_BURST: f64 = 40.0;

fn example_tenant_with_new_types() -> TenantConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/graph-sim.json");
    let mut tenant = SimConfig::from_file(&path)
        .expect("the example configuration")
        .tenants[0]
        .clone();
    for (key, count) in TenantConfig::demo().counts {
        tenant.counts.entry(key).or_insert(count);
    }
    tenant
}

async fn schedule_everything(service: &Service, tenant: &TenantConfig) -> String {
    let created = service
        .post(
            "/api/v1/tenants",
            &json!({"display_name": "Bench tenant", "azure_tenant_id": tenant.azure_tenant_id,
                    "client_id": tenant.client_id, "client_secret": tenant.client_secret}),
        )
        .await;
    let tenant_id = created["id"].as_str().expect("tenant id").to_owned();
    let types: Vec<&str> = POLICY_TYPES
        .iter()
        .map(|kind| kind.key)
        .filter(|key| tenant.count(key) > 0)
        .collect();
    let schedule = service
        .post(
            &format!("/api/v1/tenants/{tenant_id}/backup-schedules"),
            &json!({"name": "Capture", "cadence": {"kind": "daily", "times": ["02:30"]},
                    "timezone": "UTC", "policy_types": types, "include_foundations": true,
                    "retention_keep_last": 365}),
        )
        .await;
    format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}/run-now",
        schedule["id"].as_str().expect("schedule id")
    )
}

async fn capture(report: &mut Report, label: &str, tenant: TenantConfig) {
    let sim = simulator(vec![tenant.clone()]).await;
    let service = start_service(&sim, DEFAULT_PACING, "4").await;
    let run_now = schedule_everything(&service, &tenant).await;
    sim.handle().stats().reset();
    let started = Instant::now();
    let run = service.run(&run_now).await;
    let wall = started.elapsed().as_secs_f64();
    let stats = sim.stats().tenant(&tenant.azure_tenant_id);
    assert_eq!(run["status"], "success", "{run:#}");
    let objects: u64 = run["sync_report"]
        .as_object()
        .expect("a report")
        .values()
        .map(|type_report| type_report["listed"].as_u64().unwrap_or(0))
        .sum();
    let requests = stats.graph_requests as f64;
    let paced = ((requests - FIRST_BURST) / REQUESTS_PER_SECOND).max(0.0);
    report.add(
        format!("capture of the {label}: Graph requests"),
        format!(
            "{} for {objects} objects ({:.2} per object); by kind {:?}",
            stats.graph_requests,
            requests / objects.max(1) as f64,
            stats.requests_by_kind
        ),
        "at most 4.0 per object",
    );
    report.add(
        format!("capture of the {label}: wall time (pacing {DEFAULT_PACING}/20 s)"),
        format!(
            "{wall:.1} s run-now to finished; the pacing allows {paced:.1} s \
             ((requests - {FIRST_BURST}) / {REQUESTS_PER_SECOND}/s): {:+.1} %",
            (wall / paced.max(f64::EPSILON) - 1.0) * 100.0
        ),
        "within 10 % of the pacing",
    );
    report.add(
        format!("capture of the {label}: service peak RSS"),
        format!("{:.0} MB", service.peak_rss_mb()),
        "at most 150 MB",
    );
    service.stop().await;
    sim.stop().await;
}

pub async fn run(report: &mut Report) {
    capture(report, "demo tenant", TenantConfig::demo()).await;
    capture(
        report,
        "2,000-policy tenant with the new types",
        example_tenant_with_new_types(),
    )
    .await;
}
