//! Runs executed end to end against the Graph simulator over real HTTP: every catalog type
//! and foundation, partial and failed runs with their codes, throttling and transient
//! failures, paging, items deleted mid-read, content-addressed storage across runs.

use serde_json::Value;
use tenantpilot::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use tenantpilot::graph_sim::Fault;

use crate::graph_world::{report_figures, tenant_config, World};

fn every_key(count: usize) -> Vec<(&'static str, usize)> {
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .map(|kind| (kind.key, count))
        .collect()
}

fn policy_keys() -> Vec<&'static str> {
    POLICY_TYPES.iter().map(|kind| kind.key).collect()
}

async fn content_of(world: &World, policy_type: &str) -> Value {
    world
        .app
        .pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT c.content FROM policies p JOIN content_blobs c ON c.hash = p.content_hash
             WHERE p.policy_type = $1 ORDER BY p.graph_id LIMIT 1",
            &[&policy_type],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_run_backs_up_every_catalog_type_and_foundation_with_full_content() {
    // three each: the first two remediations are Microsoft's global scripts, which are skipped
    let world = World::new(tenant_config(&every_key(3))).await;
    let path = world.schedule("Everything", &policy_keys(), true).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert!(run["error_code"].is_null());

    let fetched = report_figures(&run, "fetched");
    for kind in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        assert!(fetched[kind.key] >= 1, "{} read: {run:#}", kind.key);
    }
    let policies: u64 = POLICY_TYPES.iter().map(|kind| fetched[kind.key]).sum();
    let foundations: u64 = FOUNDATION_TYPES.iter().map(|kind| fetched[kind.key]).sum();
    let set = &run["backup_set"];
    assert_eq!(set["status"], "completed");
    assert_eq!(set["item_count"].as_u64().unwrap(), policies);
    assert_eq!(set["foundation_count"].as_u64().unwrap(), foundations);
    assert!(set["name"].as_str().unwrap().starts_with("Everything - "));
    assert!(run["duration_ms"].as_i64().is_some());

    // full content: settings read past their first page, script content from the detail,
    // macOS assignments through $expand
    let settings = content_of(&world, "settingsCatalog").await;
    assert_eq!(
        settings["settings"].as_array().map(Vec::len),
        Some(world.tenant.settings_per_policy),
        "every settings page"
    );
    assert!(settings["assignments"].is_array());
    let script = content_of(&world, "powershellScripts").await;
    assert!(script["scriptContent"].is_string(), "{script:#}");
    let mac = content_of(&world, "macosShellScripts").await;
    assert!(mac["assignments"].is_array(), "{mac:#}");

    let inventory: Value = world
        .app
        .get(&format!(
            "/api/v1/tenants/{}/policies?limit=200",
            world.tenant_id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        inventory["items"].as_array().unwrap().len() as u64,
        policies + foundations
    );
}

#[tokio::test]
async fn a_type_without_permission_makes_the_run_partial_and_names_the_scope() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 3),
        ("appProtection", 2),
    ]))
    .await;
    world.set_faults(vec![Fault::Forbidden {
        policy_type: "appProtection".into(),
        scope: Some("DeviceManagementApps.Read.All".into()),
    }]);
    let path = world
        .schedule("Partial", &["deviceConfigurations", "appProtection"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    assert_eq!(run["error_code"], "permission_missing");
    let report = &run["sync_report"]["appProtection"];
    assert_eq!(report["error_code"], "permission_missing");
    assert_eq!(report["scope"], "DeviceManagementApps.Read.All");
    assert_eq!(run["sync_report"]["deviceConfigurations"]["fetched"], 3);
    assert_eq!(run["backup_set"]["status"], "partial");
    assert_eq!(run["backup_set"]["item_count"], 3);
}

#[tokio::test]
async fn login_consent_and_intune_failures_fail_the_run_with_their_codes() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 2)])).await;
    let path = world
        .schedule("Failing", &["deviceConfigurations"], false)
        .await;
    // token faults first: a cached token would never ask the login endpoint again
    let cases = [
        (
            Fault::TokenError { aadsts: 7_000_215 },
            "auth_invalid_secret",
        ),
        (
            Fault::TokenError { aadsts: 7_000_222 },
            "auth_secret_expired",
        ),
        (
            Fault::TokenError { aadsts: 700_016 },
            "auth_app_not_in_tenant",
        ),
        (Fault::TokenError { aadsts: 7_000_112 }, "auth_app_disabled"),
        (Fault::TokenError { aadsts: 90_002 }, "tenant_not_found"),
        (Fault::NoRoles, "consent_missing"),
        (Fault::IntuneNotProvisioned, "intune_not_provisioned"),
        (Fault::LicenseExpired, "intune_license_inactive"),
    ];
    for (fault, code) in cases {
        world.set_faults(vec![fault.clone()]);
        let run = world.run_now(&path).await;
        assert_eq!(run["status"], "failed", "{fault:?}: {run:#}");
        assert_eq!(run["error_code"], code, "{fault:?}");
        assert!(run["error_message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(run["backup_set_id"].is_null(), "nothing backed up");
    }
    // and with the faults gone, the same schedule backs up again
    world.set_faults(Vec::new());
    assert_eq!(world.run_now(&path).await["status"], "success");
}

#[tokio::test]
async fn throttling_and_transient_errors_are_retried_to_success() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 4)])).await;
    let path = world
        .schedule("Retried", &["deviceConfigurations"], false)
        .await;
    world.set_faults(vec![Fault::Throttle {
        policy_type: Some("deviceConfigurations".into()),
        count: 2,
        retry_after_secs: 1,
    }]);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert_eq!(
        world
            .sim
            .stats()
            .tenant(world.azure_tenant_id())
            .throttled
            .len(),
        2
    );

    world.set_faults(vec![Fault::ServerError {
        policy_type: Some("deviceConfigurations".into()),
        status: 503,
        count: 1,
    }]);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert_eq!(run["sync_report"]["deviceConfigurations"]["fetched"], 4);
}

#[tokio::test]
async fn malformed_json_on_one_type_fails_that_type_only() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 2),
        ("featureUpdates", 2),
    ]))
    .await;
    world.set_faults(vec![Fault::MalformedJson {
        policy_type: "featureUpdates".into(),
    }]);
    let path = world
        .schedule(
            "Malformed",
            &["deviceConfigurations", "featureUpdates"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    assert!(run["sync_report"]["featureUpdates"]["error_code"].is_string());
    assert_eq!(run["backup_set"]["item_count"], 2);
}

#[tokio::test]
async fn two_thousand_policies_paged_at_25_are_all_backed_up() {
    let mut tenant = tenant_config(&[("deviceConfigurations", 2_000)]);
    tenant.page_sizes.insert("deviceConfigurations".into(), 25);
    let world = World::unpaced(tenant).await;
    let path = world
        .schedule("Large", &["deviceConfigurations"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert_eq!(run["sync_report"]["deviceConfigurations"]["fetched"], 2_000);
    assert_eq!(run["backup_set"]["item_count"], 2_000);
}

#[tokio::test]
async fn an_item_deleted_between_list_and_detail_is_skipped() {
    let world = World::new(tenant_config(&[("powershellScripts", 3)])).await;
    world.set_faults(vec![Fault::DeletedBeforeDetail {
        policy_type: "powershellScripts".into(),
        index: 1,
    }]);
    let path = world
        .schedule("Scripts", &["powershellScripts"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let report = &run["sync_report"]["powershellScripts"];
    assert_eq!(report["skipped_deleted"], 1);
    assert_eq!(report["fetched"], 2);
    assert_eq!(run["backup_set"]["item_count"], 2);
}

#[tokio::test]
async fn unchanged_policies_cost_no_new_storage_and_a_change_costs_one_blob() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 5),
        ("settingsCatalog", 3),
    ]))
    .await;
    let path = world
        .schedule(
            "Nightly",
            &["deviceConfigurations", "settingsCatalog"],
            false,
        )
        .await;
    let first = world.run_now(&path).await;
    assert_eq!(first["status"], "success", "{first:#}");
    assert_eq!(report_figures(&first, "created")["settingsCatalog"], 3);
    let blobs = world.blob_count().await;

    let second = world.run_now(&path).await;
    assert_eq!(second["status"], "success");
    assert_eq!(
        report_figures(&second, "unchanged")["deviceConfigurations"],
        5
    );
    assert_eq!(
        report_figures(&second, "created")["deviceConfigurations"],
        0
    );
    assert_eq!(world.blob_count().await, blobs, "no new content");
    assert_eq!(
        world.app.count("SELECT count(*) FROM backup_trees").await,
        1
    );
    assert_ne!(first["backup_set_id"], second["backup_set_id"]);

    world
        .sim
        .mutate(world.azure_tenant_id(), "settingsCatalog", 0)
        .unwrap();
    let third = world.run_now(&path).await;
    assert_eq!(report_figures(&third, "updated")["settingsCatalog"], 1);
    assert_eq!(report_figures(&third, "unchanged")["settingsCatalog"], 2);
    assert_eq!(world.blob_count().await, blobs + 1, "exactly one new blob");
}

#[tokio::test]
async fn ignored_policies_are_synced_but_not_backed_up() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 3)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    assert_eq!(world.run_now(&path).await["backup_set"]["item_count"], 3);
    let inventory: Value = world
        .app
        .get(&format!("/api/v1/tenants/{}/policies", world.tenant_id))
        .await
        .json()
        .await
        .unwrap();
    let policy_id = inventory["items"][0]["id"].as_str().unwrap();
    let ignored = world
        .app
        .post_empty(&format!(
            "/api/v1/tenants/{}/policies/{policy_id}/ignore",
            world.tenant_id
        ))
        .await;
    assert_eq!(ignored.status(), 200);
    let run = world.run_now(&path).await;
    assert_eq!(run["sync_report"]["deviceConfigurations"]["fetched"], 3);
    assert_eq!(run["backup_set"]["item_count"], 2);
}

#[tokio::test]
async fn a_deactivated_tenants_run_fails_with_tenant_inactive() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let response = world
        .app
        .post_empty(&format!("/api/v1/tenants/{}/deactivate", world.tenant_id))
        .await;
    assert_eq!(response.status(), 200);
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["error_code"], "tenant_inactive");
    let calls = world
        .sim
        .stats()
        .tenant(world.azure_tenant_id())
        .total_requests;
    assert_eq!(calls, 0, "Graph is not asked for an inactive tenant");
}
