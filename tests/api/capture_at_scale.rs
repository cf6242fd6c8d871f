//! The scale case: `examples/graph-sim.json`'s 2,000-policy tenant, every type and
//! foundation selected, with every `$expand`ed collection cut to one member without a link
//! and a 25-second Intune-style 429 storm (no `Retry-After`) from the first request: the run
//! ends `success` with every listed object captured whole.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tenantpilot::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use tenantpilot::graph_sim::SimConfig;

use crate::graph_world::World;

#[tokio::test]
async fn a_large_tenant_with_cut_expansions_and_a_25_second_storm_is_captured_whole() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/graph-sim.json");
    let tenant = SimConfig::from_file(&path).unwrap().tenants[0].clone();
    // the pacing is not what is tested: the storm is
    let world = World::unpaced(tenant.clone()).await;
    let types: Vec<&str> = POLICY_TYPES
        .iter()
        .map(|kind| kind.key)
        .filter(|key| tenant.count(key) > 0)
        .collect();
    let schedule = world.schedule("Large and stormy", &types, true).await;
    let faults = json!([
        {"kind": "cut_expansions", "keep": 1},
        {"kind": "intune_storm", "duration_secs": 25}
    ]);
    let response = crate::helpers::http_client()
        .put(format!(
            "{}/_sim/tenants/{}/faults",
            world.sim.graph_url(),
            world.azure_tenant_id()
        ))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let started = Instant::now();
    let run = world
        .run_now_within(&schedule, Duration::from_secs(300))
        .await;
    assert_eq!(
        (&run["status"], &run["error_code"]),
        (&Value::from("success"), &Value::Null),
        "{run:#}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(25),
        "the storm ran"
    );

    let report = &run["sync_report"];
    let mut listed_total = 0;
    for kind in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        let type_report = &report[kind.key];
        if type_report.is_null() {
            continue;
        }
        let listed = type_report["listed"].as_u64().unwrap_or(0);
        assert_eq!(
            type_report["whole"].as_u64(),
            Some(listed),
            "{}: {type_report:#}",
            kind.key
        );
        listed_total += listed;
    }
    for key in &types {
        let listed = report[key]["listed"].as_u64().unwrap_or(0);
        assert!(listed >= tenant.count(key) as u64 / 2, "{key}: {report:#}");
    }
    assert!(listed_total >= 2_000, "{listed_total} objects listed");
    let set = &run["backup_set"];
    assert_eq!(set["status"], "completed");

    let stats = world.sim.stats().tenant(world.azure_tenant_id());
    assert!(!stats.throttled.is_empty(), "the storm throttled requests");
    assert!(stats.throttled.iter().all(|t| t.retry_after_secs.is_none()));
}
