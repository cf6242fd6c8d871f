//! Every fault the Graph simulator can inject, against the service as a process of its own:
//! each ends in its documented status and error code (README, "Run execution"), and no
//! thread of the service panics on any of them.

use serde_json::Value;
use tenantpilot::graph_sim::Fault;

use crate::graph_world::{finished, register, start_simulator, tenant_config};
use crate::service::Service;

const FAULTED: &str = "deviceConfigurations";
const CLEAN: &str = "featureUpdates";

/// (fault, the run's status, the run's error code, the faulted type's error code)
fn matrix() -> Vec<(
    Fault,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
)> {
    let faulted = || Some(FAULTED.to_owned());
    let mut cases = Vec::new();
    // login faults first: once a token is cached the login endpoint is not asked again
    for (aadsts, code) in [
        (7_000_215, "auth_invalid_secret"),
        (7_000_222, "auth_secret_expired"),
        (700_016, "auth_app_not_in_tenant"),
        (7_000_112, "auth_app_disabled"),
        (90_002, "tenant_not_found"),
    ] {
        cases.push((Fault::TokenError { aadsts }, "failed", Some(code), None));
    }
    cases.extend([
        (Fault::NoRoles, "failed", Some("consent_missing"), None),
        (
            Fault::IntuneNotProvisioned,
            "failed",
            Some("intune_not_provisioned"),
            None,
        ),
        (
            Fault::LicenseExpired,
            "failed",
            Some("intune_license_inactive"),
            None,
        ),
        (
            Fault::Forbidden {
                policy_type: FAULTED.to_owned(),
                scope: None,
            },
            "partial",
            Some("permission_missing"),
            Some("permission_missing"),
        ),
        (
            Fault::Throttle {
                policy_type: faulted(),
                count: 1_000,
                retry_after_secs: 1,
            },
            "partial",
            Some("throttled"),
            Some("throttled"),
        ),
        (
            Fault::ServerError {
                policy_type: faulted(),
                status: 502,
                count: 1_000,
            },
            "partial",
            Some("graph_unavailable"),
            Some("graph_unavailable"),
        ),
        (
            Fault::MalformedJson {
                policy_type: FAULTED.to_owned(),
            },
            "partial",
            Some("graph_unavailable"),
            Some("graph_unavailable"),
        ),
        // what a retry or a skip absorbs ends in success
        (
            Fault::Throttle {
                policy_type: faulted(),
                count: 2,
                retry_after_secs: 1,
            },
            "success",
            None,
            None,
        ),
        (
            Fault::ServerError {
                policy_type: faulted(),
                status: 503,
                count: 1,
            },
            "success",
            None,
            None,
        ),
        (
            Fault::Slow {
                policy_type: None,
                delay_ms: 300,
            },
            "success",
            None,
            None,
        ),
        (
            Fault::DeletedBeforeDetail {
                policy_type: FAULTED.to_owned(),
                index: 0,
            },
            "success",
            None,
            None,
        ),
    ]);
    cases
}

#[tokio::test]
async fn every_simulated_graph_fault_ends_in_its_documented_code_without_a_panic() {
    let _serial = crate::serial().await;
    let tenant = tenant_config(&[(FAULTED, 3), (CLEAN, 2)]);
    let sim = start_simulator(vec![tenant.clone()]).await;
    let service = Service::start(&[
        ("TENANTPILOT_GRAPH_URL", sim.graph_url()),
        ("TENANTPILOT_LOGIN_URL", sim.login_url()),
        // the matrix checks codes, not patience: a type that never recovers (429s, 502s)
        // gives up after 5 s of waiting instead of the default minute
        ("TENANTPILOT_GRAPH_RETRY_WAIT_SECONDS", "5".to_owned()),
    ])
    .await;
    let app = &service.app;
    let tenant_id = register(app, &tenant).await;
    let body = serde_json::json!({
        "name": "Fault matrix", "cadence": {"kind": "daily", "times": ["02:30"]},
        "timezone": "UTC", "policy_types": [FAULTED, CLEAN],
        "include_foundations": false, "retention_keep_last": 50,
    });
    let schedule: Value = app
        .create_schedule(&tenant_id, &body)
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}/run-now",
        schedule["id"].as_str().unwrap()
    );
    for (fault, status, run_code, type_code) in matrix() {
        sim.set_faults(&tenant.azure_tenant_id, vec![fault.clone()])
            .expect("faults set");
        let response = app.post_empty(&path).await;
        assert_eq!(response.status(), 202, "{fault:?}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let run = finished(app, &location).await;
        assert_eq!(run["status"], status, "{fault:?}: {run:#}");
        assert_eq!(run["error_code"].as_str(), run_code, "{fault:?}: {run:#}");
        if status != "failed" {
            let report = &run["sync_report"];
            assert_eq!(
                report[FAULTED]["error_code"].as_str(),
                type_code,
                "{fault:?}: {run:#}"
            );
            assert!(report[CLEAN]["error_code"].is_null(), "{fault:?}: {run:#}");
            assert_eq!(report[CLEAN]["fetched"], 2, "{fault:?}: the clean type");
        } else {
            assert!(
                run["backup_set_id"].is_null(),
                "{fault:?}: nothing backed up"
            );
        }
    }
    sim.set_faults(&tenant.azure_tenant_id, Vec::new())
        .expect("faults cleared");
    service.assert_no_panic();
}
