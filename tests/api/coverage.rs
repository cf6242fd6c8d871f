//! The areas the established tools back up (README "What a backup holds"), backed up whole
//! over real HTTP: every object the simulator serves for each area is in the backup set,
//! with its assignments and children; connector secrets never reach storage; Conditional
//! Access without `Policy.Read.All` ends `permission_missing` while the other types succeed.
//! The simulator is read independently (its own token, every page) as the witness.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::Value;
use tenantpilot::graph_sim::{default_roles, TenantConfig, SIMULATED_SECRET};

use crate::graph_world::{report_figures, sim_token, tenant_config, World};
use crate::helpers::http_client;

/// The catalog types this coverage added.
const NEW_TYPES: &[&str] = &[
    "mobileApps",
    "conditionalAccessPolicies",
    "roleDefinitions",
    "depEnrollmentProfiles",
    "appleUserInitiatedProfiles",
    "macosCustomAttributes",
    "brandingProfiles",
    "termsAndConditions",
    "hardwareConfigurations",
    "inventoryPolicies",
    "cloudPcProvisioningPolicies",
    "cloudPcUserSettings",
    "autopilotDevices",
];

/// The foundations it added.
const NEW_FOUNDATIONS: &[&str] = &[
    "mobileAppCategories",
    "namedLocations",
    "authenticationStrengths",
    "deviceCategories",
    "admxFiles",
    "tenantSettings",
    "apnsCertificate",
    "vppTokens",
    "managedGooglePlay",
    "complianceManagementPartners",
    "deviceManagementPartners",
    "remoteAssistancePartners",
];

fn graph_path(key: &str) -> &'static str {
    tenantpilot::domain::policy_types::POLICY_TYPES
        .iter()
        .chain(tenantpilot::domain::policy_types::FOUNDATION_TYPES)
        .find(|kind| kind.key == key)
        .map(|kind| kind.graph_path)
        .unwrap()
}

fn everything(count: usize) -> TenantConfig {
    let counts: Vec<(&str, usize)> = NEW_TYPES
        .iter()
        .chain(NEW_FOUNDATIONS)
        .map(|key| (*key, count))
        .collect();
    tenant_config(&counts)
}

/// Reads the simulator the way any Graph client would: its own token, every page.
struct Witness {
    graph: String,
    token: String,
}

impl Witness {
    async fn new(world: &World) -> Self {
        Self {
            graph: world.sim.graph_url(),
            token: sim_token(&world.sim, &world.tenant).await,
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}/beta{path}", self.graph)
        };
        let response = http_client()
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(url) = next {
            let (status, body) = self.get(&url).await;
            assert_eq!(status, 200, "{url}: {body}");
            items.extend(body["value"].as_array().unwrap().iter().cloned());
            next = body["@odata.nextLink"].as_str().map(str::to_owned);
        }
        items
    }

    /// The objects of `key` a backup must hold, by id, as Graph serves their detail.
    async fn expected(&self, key: &str) -> BTreeMap<String, Value> {
        let path = graph_path(key);
        if matches!(
            key,
            "tenantSettings" | "apnsCertificate" | "managedGooglePlay"
        ) {
            let (status, body) = self.get(path).await;
            assert_eq!(status, 200, "{key}: {body}");
            let id = body["id"].as_str().unwrap_or(key).to_owned();
            return BTreeMap::from([(id, body)]);
        }
        let mut objects = BTreeMap::new();
        for entry in self.all(path).await {
            let id = entry["id"].as_str().unwrap().to_owned();
            if key == "depEnrollmentProfiles" {
                for profile in self.all(&format!("{path}/{id}/enrollmentProfiles")).await {
                    objects.insert(profile["id"].as_str().unwrap().to_owned(), profile);
                }
                continue;
            }
            // Microsoft's built-in roles and strengths are not the tenant's configuration
            if entry["isBuiltIn"] == true || entry["policyType"] == "builtIn" {
                continue;
            }
            objects.insert(id, entry);
        }
        objects
    }

    /// The ids of an object's assignments (or other child collection) as Graph serves them.
    async fn child_ids(&self, key: &str, id: &str, child: &str) -> BTreeSet<String> {
        let path = graph_path(key);
        let members = if key.starts_with("cloudPc") {
            // Cloud PC assignments are only served through `$expand`
            let (_, body) = self.get(&format!("{path}/{id}?$expand={child}")).await;
            body[child].as_array().unwrap().clone()
        } else {
            self.all(&format!("{path}/{id}/{child}")).await
        };
        ids(&Value::Array(members))
    }
}

fn ids(members: &Value) -> BTreeSet<String> {
    members
        .as_array()
        .unwrap_or_else(|| panic!("not a collection: {members}"))
        .iter()
        .map(|member| member["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every item of the run's backup set with its content, by type and Graph id.
async fn backup_contents(world: &World, run: &Value) -> BTreeMap<(String, String), Value> {
    let set_id = run["backup_set_id"].as_str().unwrap();
    let base = format!(
        "/api/v1/tenants/{}/backup-sets/{set_id}/items",
        world.tenant_id
    );
    let mut contents = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(cursor) => format!("{base}?limit=200&cursor={cursor}"),
            None => format!("{base}?limit=200"),
        };
        let page: Value = world.app.get(&page_url).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            let detail: Value = world
                .app
                .get(&format!("{base}/{}", item["id"].as_str().unwrap()))
                .await
                .json()
                .await
                .unwrap();
            let key = (
                item["policy_type"].as_str().unwrap().to_owned(),
                item["graph_id"].as_str().unwrap().to_owned(),
            );
            contents.insert(key, detail["content"].clone());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return contents,
        }
    }
}

/// The child collections a backup keeps per type: (field in the content, Graph's segment).
fn children(key: &str) -> &'static [(&'static str, &'static str)] {
    match key {
        "mobileApps" => &[("assignments", "assignments"), ("categories", "categories")],
        "roleDefinitions" => &[("roleAssignments", "roleAssignments")],
        "inventoryPolicies" => &[("assignments", "assignments"), ("settings", "settings")],
        "appleUserInitiatedProfiles"
        | "macosCustomAttributes"
        | "brandingProfiles"
        | "termsAndConditions"
        | "hardwareConfigurations"
        | "cloudPcProvisioningPolicies"
        | "cloudPcUserSettings" => &[("assignments", "assignments")],
        _ => &[],
    }
}

#[tokio::test]
async fn every_new_area_is_backed_up_whole_with_its_assignments_and_children() {
    let world = World::new(everything(3)).await;
    let path = world.schedule("Coverage", NEW_TYPES, true).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let contents = backup_contents(&world, &run).await;
    let witness = Witness::new(&world).await;

    let mut checked_children = 0;
    for key in NEW_TYPES.iter().chain(NEW_FOUNDATIONS) {
        let expected = witness.expected(key).await;
        assert!(!expected.is_empty(), "{key}: the simulator serves some");
        let backed_up: BTreeSet<&String> = contents
            .keys()
            .filter(|(kind, _)| kind == key)
            .map(|(_, id)| id)
            .collect();
        assert_eq!(
            backed_up,
            expected.keys().collect::<BTreeSet<_>>(),
            "{key}: every object Graph serves is in the set, and nothing else"
        );
        for id in expected.keys() {
            let content = &contents[&((*key).to_owned(), id.clone())];
            for (field, segment) in children(key) {
                let want = witness.child_ids(key, id, segment).await;
                assert_eq!(ids(&content[*field]), want, "{key} {id}: {field}");
                checked_children += 1;
            }
        }
    }
    // 3 apps x 2, 3 roles, 3 inventory policies x 2, 7 assigned types x 3
    assert_eq!(checked_children, 36, "child collections compared");

    // content only the detail read gives: script bodies and the ADMX file's bytes
    for ((key, _), content) in &contents {
        match key.as_str() {
            "macosCustomAttributes" => assert!(
                content["scriptContent"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{content:#}"
            ),
            "admxFiles" => assert!(content["content"].as_str().is_some_and(|s| !s.is_empty())),
            "depEnrollmentProfiles" => assert!(content["depOnboardingSettingId"].is_string()),
            "inventoryPolicies" => assert_eq!(
                content["settings"].as_array().map(Vec::len),
                content["settingCount"].as_u64().map(|n| n as usize)
            ),
            _ => {}
        }
    }
    let settings = &contents[&("tenantSettings".to_owned(), "tenantSettings".to_owned())];
    assert!(settings["deviceComplianceCheckinThresholdDays"].is_number());
    let fetched = report_figures(&run, "fetched");
    assert_eq!(fetched["roleDefinitions"], 3, "custom roles only");
    assert_eq!(
        fetched["authenticationStrengths"], 3,
        "custom strengths only"
    );
}

#[tokio::test]
async fn connector_secrets_never_reach_storage_and_are_named_as_left_out() {
    let world = World::new(everything(2)).await;
    let path = world
        .schedule("Connectors", &["autopilotDevices"], true)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let witness = Witness::new(&world).await;
    // the simulator serves the secrets Graph documents on these objects
    let (_, certificate) = witness.get(graph_path("apnsCertificate")).await;
    let served = certificate["certificate"].as_str().unwrap().to_owned();
    let tokens = witness.all(graph_path("vppTokens")).await;
    assert!(tokens[0]["token"]
        .as_str()
        .unwrap()
        .contains(SIMULATED_SECRET));

    let contents = backup_contents(&world, &run).await;
    for ((key, _), content) in &contents {
        let left_out: &[&str] = match key.as_str() {
            "apnsCertificate" => &["certificate"],
            "vppTokens" => &["token"],
            "autopilotDevices" => &["deviceAccountPassword"],
            _ => continue,
        };
        for field in left_out {
            assert!(content.get(*field).is_none(), "{key}: {field} kept");
        }
        assert_eq!(
            content["@tenantpilot.redacted"],
            serde_json::json!(left_out)
        );
    }
    // nowhere in any stored blob or event, in clear or as the base64 Graph served
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&served)
        .unwrap();
    assert!(String::from_utf8(decoded)
        .unwrap()
        .contains(SIMULATED_SECRET));
    for needle in [SIMULATED_SECRET, served.as_str()] {
        let pattern = format!("%{needle}%");
        let client = world.app.pool.get().await.unwrap();
        for sql in [
            "SELECT count(*) FROM content_blobs WHERE content::text LIKE $1",
            "SELECT count(*) FROM events WHERE payload::text LIKE $1",
        ] {
            let found: i64 = client.query_one(sql, &[&pattern]).await.unwrap().get(0);
            assert_eq!(found, 0, "{sql}");
        }
    }
}

#[tokio::test]
async fn conditional_access_without_policy_read_all_ends_permission_missing_and_the_rest_succeed() {
    let mut tenant = everything(2);
    tenant.roles = default_roles()
        .into_iter()
        .filter(|role| role != "Policy.Read.All")
        .collect();
    let world = World::new(tenant).await;

    // Entra's answer, not Intune's: no scope named
    let witness = Witness::new(&world).await;
    let (status, body) = witness.get(graph_path("conditionalAccessPolicies")).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "AccessDenied");
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );

    let path = world
        .schedule(
            "Without CA",
            &["conditionalAccessPolicies", "mobileApps", "roleDefinitions"],
            true,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    assert_eq!(run["error_code"], "permission_missing");
    let report = &run["sync_report"];
    for key in [
        "conditionalAccessPolicies",
        "namedLocations",
        "authenticationStrengths",
    ] {
        assert_eq!(report[key]["error_code"], "permission_missing", "{key}");
    }
    let fetched = report_figures(&run, "fetched");
    assert_eq!(fetched["mobileApps"], 2);
    assert_eq!(fetched["roleDefinitions"], 2);
    assert_eq!(fetched["deviceCategories"], 2);
    assert_eq!(fetched["tenantSettings"], 1);
    for key in ["mobileApps", "roleDefinitions", "deviceCategories"] {
        assert!(report[key]["error_code"].is_null(), "{key}: {report:#}");
    }
}

#[tokio::test]
async fn the_catalog_lists_the_new_types_and_schedules_refuse_foundations_as_types() {
    let world = World::new(everything(1)).await;
    let catalog: Value = world
        .app
        .get("/api/v1/policy-types")
        .await
        .json()
        .await
        .unwrap();
    let category = |list: &str, key: &str| {
        catalog[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|kind| kind["key"] == key)
            .map(|kind| kind["category"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        category("items", "conditionalAccessPolicies").as_deref(),
        Some("conditional_access")
    );
    assert_eq!(
        category("items", "cloudPcProvisioningPolicies").as_deref(),
        Some("windows365")
    );
    assert_eq!(
        category("items", "roleDefinitions").as_deref(),
        Some("tenant_administration")
    );
    assert_eq!(category("items", "mobileApps").as_deref(), Some("apps"));
    assert_eq!(
        category("foundations", "tenantSettings").as_deref(),
        Some("foundation")
    );
    assert_eq!(category("items", "tenantSettings"), None);

    let body = serde_json::json!({
        "name": "Foundations are not types", "cadence": {"kind": "daily", "times": ["02:30"]},
        "timezone": "UTC", "policy_types": ["mobileApps", "vppTokens"],
        "include_foundations": false, "retention_keep_last": 7,
    });
    let response = world.app.create_schedule(&world.tenant_id, &body).await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn an_unchanged_second_run_adds_no_blob_and_a_change_to_each_area_is_one_update() {
    let world = World::new(everything(2)).await;
    let path = world.schedule("Twice", NEW_TYPES, true).await;
    let first = world.run_now(&path).await;
    assert_eq!(first["status"], "success", "{first:#}");
    let blobs = world.blob_count().await;
    let second = world.run_now(&path).await;
    assert_eq!(second["status"], "success");
    assert_eq!(world.blob_count().await, blobs, "no new content");
    let unchanged = report_figures(&second, "unchanged");
    for key in NEW_TYPES.iter().chain(NEW_FOUNDATIONS) {
        assert_eq!(
            unchanged[*key],
            report_figures(&second, "fetched")[*key],
            "{key}"
        );
    }

    // one object changed per area: a DEP token's change reaches both of its profiles
    let changed = [
        ("mobileApps", 1),
        ("conditionalAccessPolicies", 1),
        ("roleDefinitions", 1),
        ("depEnrollmentProfiles", 2),
        ("inventoryPolicies", 1),
        ("cloudPcProvisioningPolicies", 1),
        ("tenantSettings", 1),
        ("vppTokens", 1),
        ("namedLocations", 1),
    ];
    for (key, _) in changed {
        // built-in roles come first in the list: index 2 is the first custom role
        let index = if key == "roleDefinitions" { 2 } else { 0 };
        world
            .sim
            .mutate(world.azure_tenant_id(), key, index)
            .unwrap();
    }
    let third = world.run_now(&path).await;
    assert_eq!(third["status"], "success");
    let updated = report_figures(&third, "updated");
    for (key, count) in changed {
        assert_eq!(updated[key], count, "{key}");
    }
    let total: u64 = changed.iter().map(|(_, count)| count).sum();
    assert_eq!(world.blob_count().await, blobs + total as i64);
}

#[tokio::test]
async fn a_connector_the_tenant_never_set_up_backs_up_nothing_and_fails_nothing() {
    // no APNs certificate and no managed Google Play binding: Graph answers 404 for both
    let world = World::new(tenant_config(&[("mobileApps", 1), ("tenantSettings", 1)])).await;
    let witness = Witness::new(&world).await;
    let (status, body) = witness.get(graph_path("apnsCertificate")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );

    let path = world.schedule("Bare", &["mobileApps"], true).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let fetched = report_figures(&run, "fetched");
    assert_eq!(fetched["apnsCertificate"], 0);
    assert_eq!(fetched["managedGooglePlay"], 0);
    assert_eq!(fetched["tenantSettings"], 1);
    // the settings and the built-in Default scope tag every tenant has
    assert_eq!(run["backup_set"]["foundation_count"], 2);
}
