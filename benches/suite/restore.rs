//! `restore`: a 2,000-policy backup set restored into an empty simulated tenant by a
//! separate service process at the default pacing: wall time from apply to finished, Graph
//! requests (reads and writes), the time the pacing allows for them (reads at 40 a second,
//! writes at 5 a second: Graph's 100 writes per 20 s per app per tenant), and the
//! service's peak RSS from the plan to the end (counted again after the source's backup).
//!
//! `cargo bench --bench suite -- restore`.

use std::time::{Duration, Instant};

use serde_json::json;
use tenantpilot::graph_sim::{default_roles, TenantConfig};
use uuid::Uuid;

use crate::backup::{simulator, start_service, Service, DEFAULT_PACING};
use crate::common::Report;

const READS_PER_SECOND: f64 = 40.0;
const WRITES_PER_SECOND: f64 = 5.0;

fn with_write_roles(mut tenant: TenantConfig) -> TenantConfig {
    let mut roles = default_roles();
    for role in [
        "DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementApps.ReadWrite.All",
        "DeviceManagementServiceConfig.ReadWrite.All",
    ] {
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_owned());
        }
    }
    tenant.roles = roles;
    tenant
}

fn tenant(label: &str) -> TenantConfig {
    with_write_roles(TenantConfig::new(
        &Uuid::new_v4().to_string(),
        &Uuid::new_v4().to_string(),
        &format!("bench~{label}~secret-value-0123456789"),
    ))
}

/// 2,000 policies of the restorable types, settings-catalog policies with 40 settings.
fn source_tenant() -> TenantConfig {
    let mut source = tenant("source");
    for (key, count) in [
        ("deviceConfigurations", 1_000),
        ("deviceCompliancePolicies", 400),
        ("settingsCatalog", 300),
        ("administrativeTemplates", 150),
        ("powershellScripts", 150),
    ] {
        source.counts.insert(key.to_owned(), count);
    }
    source.settings_per_policy = 40;
    source
}

async fn register(service: &Service, tenant: &TenantConfig, name: &str) -> String {
    let created = service
        .post(
            "/api/v1/tenants",
            &json!({"display_name": name, "azure_tenant_id": tenant.azure_tenant_id,
                    "client_id": tenant.client_id, "client_secret": tenant.client_secret}),
        )
        .await;
    created["id"].as_str().expect("tenant id").to_owned()
}

pub async fn run(report: &mut Report) {
    let source = source_tenant();
    let target = tenant("target");
    let sim = simulator(vec![source.clone(), target.clone()]).await;
    let service = start_service(&sim, DEFAULT_PACING, "4").await;
    let source_id = register(&service, &source, "Source").await;
    let target_id = register(&service, &target, "Target").await;
    let types: Vec<&String> = source.counts.keys().collect();
    let schedule = service
        .post(
            &format!("/api/v1/tenants/{source_id}/backup-schedules"),
            &json!({"name": "Bench", "cadence": {"kind": "daily", "times": ["02:30"]},
                    "timezone": "UTC", "policy_types": types, "retention_keep_last": 365}),
        )
        .await;
    let run = service
        .run(&format!(
            "/api/v1/tenants/{source_id}/backup-schedules/{}/run-now",
            schedule["id"].as_str().expect("schedule id")
        ))
        .await;
    assert_eq!(run["status"], "success", "{run:#}");
    let set = run["backup_set_id"].as_str().expect("a set").to_owned();

    // the source's backup is the capture bench's figure; this one is the restore's
    service.reset_peak_rss();
    let planning = Instant::now();
    let plan = service
        .post(
            &format!("/api/v1/tenants/{target_id}/restores"),
            &json!({"source_backup_set_id": set}),
        )
        .await;
    let planned_in = planning.elapsed().as_secs_f64();
    // the plan's part of the peak (it runs in the API; the apply in a worker)
    let planned_rss = service.peak_rss_mb();
    let restore = plan["id"].as_str().expect("a plan").to_owned();
    let path = format!("/api/v1/tenants/{target_id}/restores/{restore}");
    sim.handle().stats().reset();
    let started = Instant::now();
    service.post(&format!("{path}/apply"), &json!({})).await;
    let done = loop {
        // as the console's restore screen does while it runs: the restore and a page of items
        service.get(&format!("{path}/items?limit=100")).await;
        let current = service.get(&path).await;
        if ["completed", "partial", "failed"].contains(&current["status"].as_str().unwrap_or("")) {
            break current;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(done["status"], "completed", "{:#}", done["counts"]);
    let stats = sim.stats().tenant(&target.azure_tenant_id);
    let writes = stats.writes.requests as f64;
    let reads = stats.graph_requests as f64 - writes;
    let paced = reads / READS_PER_SECOND + writes / WRITES_PER_SECOND;
    report.add(
        "restore of 2,000 policies into an empty tenant: plan".to_owned(),
        format!(
            "{planned_in:.1} s (reads the source set and the live target); service peak RSS \
             {planned_rss:.0} MB by then"
        ),
        "—",
    );
    report.add(
        "restore of 2,000 policies into an empty tenant: Graph requests".to_owned(),
        format!(
            "{} ({} writes, {} reads: the apply's check and the verification); {} items applied, {} verified",
            stats.graph_requests, stats.writes.requests, reads, done["counts"]["applied"], done["counts"]["verified"]
        ),
        "—",
    );
    report.add(
        "restore of 2,000 policies into an empty tenant: wall time".to_owned(),
        format!(
            "{wall:.1} s apply to finished; the pacing allows {paced:.1} s (reads / {READS_PER_SECOND}/s \
             + writes / {WRITES_PER_SECOND}/s): {:+.1} %",
            (wall / paced.max(f64::EPSILON) - 1.0) * 100.0
        ),
        "within 10 % of the pacing",
    );
    report.add(
        "restore of 2,000 policies into an empty tenant: service peak RSS (plan, apply, verify)"
            .to_owned(),
        format!("{:.0} MB", service.peak_rss_mb()),
        "at most 150 MB",
    );
    service.stop().await;
    sim.stop().await;
}
