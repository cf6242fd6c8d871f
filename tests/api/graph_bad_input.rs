//! Bad input from Graph, put into the simulator through its admin API over real HTTP:
//! objects of a kind the client does not know, without an id or a display name, with
//! 10,000 settings, names in any script and with control characters, a 5 MB script body.
//! Each is captured as served and named in the report; none fails a run or another type.

use serde_json::{json, Value};

use crate::capture_losses::contents;
use crate::graph_world::{tenant_config, World};
use crate::helpers::http_client;

/// `POST /_sim/tenants/{id}/inject`: the object is listed (and read) exactly as given.
async fn inject(world: &World, policy_type: &str, object: Value) {
    let response = http_client()
        .post(format!(
            "{}/_sim/tenants/{}/inject",
            world.sim.graph_url(),
            world.azure_tenant_id()
        ))
        .json(&json!({"policy_type": policy_type, "object": object}))
        .send()
        .await
        .expect("admin API answers");
    assert_eq!(response.status(), 200, "injected");
}

/// The other type every test backs up besides: it must come through untouched.
async fn the_other_type_is_whole(world: &World, run: &Value) {
    let report = &run["sync_report"]["deviceCompliancePolicies"];
    assert_eq!(report["fetched"], 2, "{run:#}");
    assert_eq!(report["whole"], 2, "{run:#}");
    assert_eq!(contents(world, "deviceCompliancePolicies").await.len(), 2);
}

fn names_in(report: &Value) -> Vec<(String, String)> {
    report["incomplete"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            (
                item["graph_id"].as_str().unwrap_or_default().to_owned(),
                item["display_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_app_protection_policy_of_an_unknown_kind_is_kept_as_served_and_named() {
    let world = World::new(tenant_config(&[
        ("appProtection", 3),
        ("deviceCompliancePolicies", 2),
    ]))
    .await;
    let future = json!({
        "@odata.type": "#microsoft.graph.visionOsManagedAppProtection",
        "id": "T_9f0e8d7c-0000-4000-8000-00000000f00d",
        "displayName": "Vision Pro MAM",
        "pinRequired": true,
    });
    inject(&world, "appProtection", future.clone()).await;
    let path = world
        .schedule(
            "Unknown",
            &["appProtection", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    assert_eq!(run["error_code"], "incomplete_capture");
    let report = &run["sync_report"]["appProtection"];
    assert_eq!(
        (report["listed"].as_u64(), report["whole"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(
        names_in(report),
        [(
            "T_9f0e8d7c-0000-4000-8000-00000000f00d".to_owned(),
            "Vision Pro MAM".to_owned()
        )]
    );
    assert!(report["incomplete"][0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("visionOsManagedAppProtection")));
    let stored = contents(&world, "appProtection").await;
    assert_eq!(stored["T_9f0e8d7c-0000-4000-8000-00000000f00d"], future);
    the_other_type_is_whole(&world, &run).await;
}

#[tokio::test]
async fn a_device_configuration_of_an_unknown_kind_is_kept_as_served_and_named() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 6),
        ("deviceCompliancePolicies", 2),
    ]))
    .await;
    let future = json!({
        "@odata.type": "#microsoft.graph.futureConfigurationKind",
        "id": "7c2e4a10-0000-4000-8000-0000000000fc",
        "displayName": "Profile of a kind from the future",
        "quantumSetting": {"level": 3, "entangled": true},
    });
    inject(&world, "deviceConfigurations", future.clone()).await;
    let path = world
        .schedule(
            "Future",
            &["deviceConfigurations", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let report = &run["sync_report"]["deviceConfigurations"];
    assert_eq!(
        (report["listed"].as_u64(), report["whole"].as_u64()),
        (Some(7), Some(7)),
        "{report:#}"
    );
    // named once, and only it: the six kinds the simulator serves are all known
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("is not one this client knows"))
        .collect();
    assert_eq!(
        warnings,
        ["7c2e4a10-0000-4000-8000-0000000000fc: @odata.type \
          #microsoft.graph.futureConfigurationKind is not one this client knows; kept as served"],
        "{report:#}"
    );
    // in the backup set with every field as served
    let stored = contents(&world, "deviceConfigurations").await;
    let kept = &stored["7c2e4a10-0000-4000-8000-0000000000fc"];
    for (field, value) in future.as_object().unwrap() {
        assert_eq!(&kept[field], value, "{field}: {kept:#}");
    }
    the_other_type_is_whole(&world, &run).await;
}

#[tokio::test]
async fn objects_without_an_id_or_a_name_are_kept_and_named() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 2),
        ("deviceCompliancePolicies", 2),
    ]))
    .await;
    let nameless = json!({
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": "6b1d1c52-0000-4000-8000-0000000000aa",
        "omaSettings": [],
    });
    let idless = json!({
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "displayName": "Listed without an id",
    });
    inject(&world, "deviceConfigurations", nameless).await;
    inject(&world, "deviceConfigurations", idless.clone()).await;
    let path = world
        .schedule(
            "Idless",
            &["deviceConfigurations", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    let report = &run["sync_report"]["deviceConfigurations"];
    assert_eq!(report["fetched"], 4, "{report:#}");
    assert_eq!(
        (report["listed"].as_u64(), report["whole"].as_u64()),
        (Some(4), Some(3))
    );
    let named = names_in(report);
    assert_eq!(named.len(), 1, "{report:#}");
    assert!(named[0].0.starts_with("no-id-"), "{named:?}");
    assert_eq!(named[0].1, "Listed without an id");
    // the nameless one is whole, kept under its id, and said so
    assert!(report["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("6b1d1c52-0000-4000-8000-0000000000aa")))));
    let stored = contents(&world, "deviceConfigurations").await;
    assert_eq!(stored[&named[0].0], idless);
    assert!(stored["6b1d1c52-0000-4000-8000-0000000000aa"]["assignments"].is_array());
    the_other_type_is_whole(&world, &run).await;
}

#[tokio::test]
async fn a_policy_with_ten_thousand_settings_is_read_whole() {
    let mut tenant = tenant_config(&[("settingsCatalog", 1), ("deviceCompliancePolicies", 2)]);
    tenant.settings_per_policy = 10_000;
    let world = World::new(tenant).await;
    let path = world
        .schedule(
            "Huge",
            &["settingsCatalog", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let stored = contents(&world, "settingsCatalog").await;
    let policy = stored.values().next().expect("the policy");
    assert_eq!(policy["settings"].as_array().map(Vec::len), Some(10_000));
    assert_eq!(policy["settingCount"], 10_000);
    assert_eq!(run["sync_report"]["settingsCatalog"]["whole"], 1);
    the_other_type_is_whole(&world, &run).await;
}

#[tokio::test]
async fn display_names_in_any_script_and_with_control_characters_are_kept() {
    let world = World::new(tenant_config(&[
        ("settingsCatalog", 1),
        ("deviceCompliancePolicies", 2),
    ]))
    .await;
    let name = "Richtlinie ✓ 政策 سياسة नीति политика 🛡️ \u{7}bell\u{1b}[31m\tand\r\nbreak\u{0}nul\u{202e}rtl";
    inject(
        &world,
        "settingsCatalog",
        json!({"id": "a1b2c3d4-0000-4000-8000-00000000cafe", "name": name}),
    )
    .await;
    let path = world
        .schedule(
            "Scripts",
            &["settingsCatalog", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let inventory: Value = world
        .app
        .get(&format!(
            "/api/v1/tenants/{}/policies?policy_type=settingsCatalog&limit=10",
            world.tenant_id
        ))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = inventory["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item["display_name"].as_str())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Richtlinie ✓ 政策 سياسة")
                && n.contains("\u{7}bell")
                && n.ends_with("rtl")),
        "{inventory:#}"
    );
    let stored = contents(&world, "settingsCatalog").await;
    assert_eq!(
        stored["a1b2c3d4-0000-4000-8000-00000000cafe"]["name"]
            .as_str()
            .map(str::to_owned),
        Some(name.replace('\u{0}', "\u{fffd}")),
        "kept as served (PostgreSQL holds no NUL: that one character is the only change)"
    );
    assert!(run["sync_report"]["settingsCatalog"]["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("a1b2c3d4-0000-4000-8000-00000000cafe") && w.contains("NUL")));
    the_other_type_is_whole(&world, &run).await;
}

#[tokio::test]
async fn a_five_megabyte_script_body_is_captured() {
    use base64::Engine;
    let world = World::new(tenant_config(&[
        ("powershellScripts", 1),
        ("deviceCompliancePolicies", 2),
    ]))
    .await;
    let script: String = (0..)
        .map(|n| format!("Write-Output 'line {n}'\n"))
        .take_while({
            let mut size = 0;
            move |line| {
                size += line.len();
                size <= 5 * 1024 * 1024
            }
        })
        .collect();
    let body = base64::engine::general_purpose::STANDARD.encode(&script);
    inject(
        &world,
        "powershellScripts",
        json!({"@odata.type": "#microsoft.graph.deviceManagementScript",
               "id": "5e5e5e5e-0000-4000-8000-000000000005", "displayName": "Huge script",
               "fileName": "huge.ps1", "runAsAccount": "system", "scriptContent": body}),
    )
    .await;
    let path = world
        .schedule(
            "Big",
            &["powershellScripts", "deviceCompliancePolicies"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let stored = contents(&world, "powershellScripts").await;
    assert_eq!(
        stored["5e5e5e5e-0000-4000-8000-000000000005"]["scriptContent"].as_str(),
        Some(body.as_str())
    );
    the_other_type_is_whole(&world, &run).await;
}
