//! Throttling as Intune does it, and the details kept with every Graph error, over real
//! HTTP against the simulator: a 25-second storm of 429s without `Retry-After`, 502s,
//! `request-id` / `client-request-id` / `date` on every recorded error, token failures
//! with an AADSTS code the client does not know.

use std::time::Instant;

use serde_json::Value;
use tenantpilot::graph_sim::Fault;

use crate::graph_world::{tenant_config, World};

fn assert_support_details(report: &Value, what: &str) {
    for field in ["request_id", "client_request_id", "date"] {
        assert!(
            report[field]
                .as_str()
                .is_some_and(|value| !value.is_empty()),
            "{what} has no {field}: {report:#}"
        );
    }
}

#[tokio::test]
async fn a_25_second_intune_storm_without_retry_after_ends_in_success_with_everything() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 6),
        ("settingsCatalog", 4),
        ("powershellScripts", 3),
    ]))
    .await;
    let types = [
        "deviceConfigurations",
        "settingsCatalog",
        "powershellScripts",
    ];
    let path = world.schedule("Stormy", &types, false).await;
    // through the simulator's admin API, as a test in another process would
    let response = crate::helpers::http_client()
        .put(format!(
            "{}/_sim/tenants/{}/faults",
            world.sim.graph_url(),
            world.azure_tenant_id()
        ))
        .json(&serde_json::json!([{"kind": "intune_storm", "duration_secs": 25}]))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let started = Instant::now();
    let run = world.run_now(&path).await;
    assert_eq!(
        (&run["status"], &run["error_code"]),
        (&Value::from("success"), &Value::Null),
        "{run:#}"
    );
    assert!(started.elapsed().as_secs() >= 25, "the storm lasted 25 s");
    let report = &run["sync_report"];
    assert_eq!(report["deviceConfigurations"]["fetched"], 6);
    assert_eq!(report["settingsCatalog"]["fetched"], 4);
    assert_eq!(report["powershellScripts"]["fetched"], 3);
    // every encrypted OMA value captured too, after the storm
    assert!(
        report["deviceConfigurations"]["warnings"].is_null(),
        "{report:#}"
    );

    let stats = world.sim.stats().tenant(world.azure_tenant_id());
    assert!(stats.throttled.len() >= 3, "{stats:#?}");
    assert!(stats.throttled.iter().all(|t| t.retry_after_secs.is_none()));
    // the simulator saw a client-request-id on every request
    assert!(stats.graph_requests > stats.throttled.len() as u64);
    assert_eq!(stats.without_client_request_id, 0);
}

#[tokio::test]
async fn a_502_is_retried_like_the_other_transient_failures() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 3)])).await;
    let path = world
        .schedule("Gateway", &["deviceConfigurations"], false)
        .await;
    world.set_faults(vec![Fault::ServerError {
        policy_type: Some("deviceConfigurations".into()),
        status: 502,
        count: 2,
    }]);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert_eq!(run["sync_report"]["deviceConfigurations"]["fetched"], 3);
    let stats = world.sim.stats().tenant(world.azure_tenant_id());
    assert_eq!(stats.responses_by_status.get(&502), Some(&2));
}

#[tokio::test]
async fn every_recorded_graph_error_carries_request_id_client_request_id_and_date() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 2),
        ("powershellScripts", 2),
    ]))
    .await;
    let types = ["deviceConfigurations", "powershellScripts"];
    let path = world.schedule("Errors", &types, false).await;

    // a type's failure, in the sync report
    world.set_faults(vec![Fault::Forbidden {
        policy_type: "powershellScripts".into(),
        scope: None,
    }]);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    let failed = &run["sync_report"]["powershellScripts"];
    assert_eq!(failed["error_code"], "permission_missing");
    assert_support_details(failed, "the failed type");
    let message = run["error_message"].as_str().unwrap();
    for detail in ["request-id ", "client-request-id ", "date "] {
        assert!(message.contains(detail), "{detail}: {message}");
    }

    // a tenant-wide failure, in the run's error message
    world.set_faults(vec![Fault::IntuneNotProvisioned]);
    let run = world.run_now(&path).await;
    assert_eq!(run["error_code"], "intune_not_provisioned", "{run:#}");
    let message = run["error_message"].as_str().unwrap();
    for detail in ["request-id ", "client-request-id ", "date "] {
        assert!(message.contains(detail), "{detail}: {message}");
    }
    let stats = world.sim.stats().tenant(world.azure_tenant_id());
    assert_eq!(stats.without_client_request_id, 0);
}

#[tokio::test]
async fn an_unknown_aadsts_code_with_invalid_client_maps_by_the_oauth_error_field() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Login", &["deviceConfigurations"], false)
        .await;
    // AADSTS7000218 is in no table of the client; its `error` is invalid_client
    world.set_faults(vec![Fault::TokenError { aadsts: 7_000_218 }]);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "failed", "{run:#}");
    assert_eq!(run["error_code"], "auth_invalid_secret");
    let message = run["error_message"].as_str().unwrap();
    assert!(message.starts_with("AADSTS7000218"), "{message}");
    for detail in ["request-id ", "client-request-id ", "date "] {
        assert!(message.contains(detail), "{detail}: {message}");
    }
}
