//! The silent losses of issue 16, each against the simulator over real HTTP: what real
//! Graph has for a type and a backup must keep (actions for noncompliance, policy-set
//! assignments and items, reusable settings' instances, scope tags' auto-assignments,
//! driver inventories, WIP policies whole), expansions cut short, and 404s on a child
//! collection.

use std::collections::BTreeMap;

use serde_json::Value;
use tenantpilot::graph_sim::Fault;

use crate::graph_world::{tenant_config, World};

/// Every stored content of `policy_type`, by Graph id.
pub async fn contents(world: &World, policy_type: &str) -> BTreeMap<String, Value> {
    world
        .app
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT p.graph_id, c.content FROM policies p
             JOIN content_blobs c ON c.hash = p.content_hash
             WHERE p.policy_type = $1 AND p.deleted_upstream_at IS NULL",
            &[&policy_type],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

fn array_len(value: &Value) -> Option<usize> {
    value.as_array().map(Vec::len)
}

#[tokio::test]
async fn settings_catalog_compliance_policies_keep_their_actions_for_noncompliance() {
    let world = World::new(tenant_config(&[
        ("compliancePolicies", 3),
        ("notificationTemplates", 2),
    ]))
    .await;
    let path = world
        .schedule("Compliance", &["compliancePolicies"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let policies = contents(&world, "compliancePolicies").await;
    assert_eq!(policies.len(), 3);
    for (id, policy) in &policies {
        let rules = &policy["scheduledActionsForRule"];
        assert_eq!(array_len(rules), Some(1), "{id}: {policy:#}");
        let actions = &rules[0]["scheduledActionConfigurations"];
        assert!(
            actions
                .as_array()
                .is_some_and(|actions| actions.iter().any(|a| a["actionType"] == "block")),
            "{id}: the block action is kept: {policy:#}"
        );
        assert!(array_len(&policy["settings"]).is_some_and(|n| n > 0));
    }
}

#[tokio::test]
async fn policy_sets_keep_their_assignments_and_items() {
    let world = World::new(tenant_config(&[
        ("policySets", 4),
        ("deviceConfigurations", 2),
        ("settingsCatalog", 2),
    ]))
    .await;
    let path = world.schedule("Sets", &["policySets"], false).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let sets = contents(&world, "policySets").await;
    assert_eq!(sets.len(), 4);
    let mut assigned = 0;
    for (id, set) in &sets {
        assert_eq!(array_len(&set["items"]), Some(2), "{id}: {set:#}");
        let assignments = set["assignments"].as_array().expect("assignments kept");
        assigned += assignments.len();
        for assignment in assignments {
            assert_eq!(
                assignment["@odata.type"], "#microsoft.graph.policySetAssignment",
                "{assignment:#}"
            );
            assert!(assignment["target"]["@odata.type"].is_string());
        }
    }
    assert!(assigned > 0, "some set is assigned: {sets:#?}");
}

#[tokio::test]
async fn reusable_settings_keep_the_setting_instance_the_list_leaves_out() {
    let world = World::new(tenant_config(&[
        ("reusableSettings", 3),
        ("deviceConfigurations", 1),
    ]))
    .await;
    let path = world
        .schedule("Reusable", &["deviceConfigurations"], true)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let settings = contents(&world, "reusableSettings").await;
    assert_eq!(settings.len(), 3);
    for (id, setting) in &settings {
        let instance = &setting["settingInstance"];
        assert!(
            array_len(&instance["simpleSettingCollectionValue"]).is_some_and(|n| n > 0),
            "{id}: {setting:#}"
        );
        assert!(setting["displayName"].is_string() && setting["version"].is_number());
        assert!(setting["referencingConfigurationPolicyCount"].is_number());
    }
}

#[tokio::test]
async fn scope_tags_keep_their_group_auto_assignments() {
    let world = World::new(tenant_config(&[
        ("scopeTags", 6),
        ("deviceConfigurations", 1),
    ]))
    .await;
    let path = world
        .schedule("Tags", &["deviceConfigurations"], true)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let tags = contents(&world, "scopeTags").await;
    assert_eq!(tags.len(), 7, "six custom tags and Default");
    let mut groups = 0;
    for (id, tag) in &tags {
        let assignments = tag["assignments"]
            .as_array()
            .expect("auto-assignments kept");
        for assignment in assignments {
            assert_eq!(
                assignment["@odata.type"],
                "#microsoft.graph.roleScopeTagAutoAssignment"
            );
            assert!(assignment["target"]["groupId"].is_string(), "{id}: {tag:#}");
            groups += 1;
        }
    }
    assert!(
        groups > 0,
        "some tag is auto-assigned to a group: {tags:#?}"
    );
    assert_eq!(array_len(&tags["0"]["assignments"]), Some(0));
}

#[tokio::test]
async fn driver_update_profiles_keep_their_driver_inventories() {
    let world = World::new(tenant_config(&[("driverUpdates", 3)])).await;
    let path = world.schedule("Drivers", &["driverUpdates"], false).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let profiles = contents(&world, "driverUpdates").await;
    assert_eq!(profiles.len(), 3);
    let mut approved = 0;
    for (id, profile) in &profiles {
        let drivers = profile["driverInventories"]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: driver inventories kept: {profile:#}"));
        assert!(drivers.len() >= 2);
        approved += drivers
            .iter()
            .filter(|d| d["approvalStatus"] == "approved")
            .count();
        assert!(profile["assignments"].is_array());
    }
    assert!(approved > 0, "{profiles:#?}");
}

#[tokio::test]
async fn windows_information_protection_policies_are_read_whole_with_their_assignments_and_files() {
    // every fifth app protection policy is a WIP policy: index 4 (MAM), index 9 (MDM)
    let world = World::new(tenant_config(&[("appProtection", 10)])).await;
    let path = world.schedule("MAM", &["appProtection"], false).await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    assert!(run["sync_report"]["appProtection"]["warnings"].is_null());
    let policies = contents(&world, "appProtection").await;
    assert_eq!(policies.len(), 10);
    let wip: Vec<&Value> = policies
        .values()
        .filter(|p| {
            p["@odata.type"]
                .as_str()
                .is_some_and(|t| t.ends_with("indowsInformationProtectionPolicy"))
        })
        .collect();
    assert_eq!(wip.len(), 2, "{policies:#?}");
    for policy in wip {
        assert!(policy["enterpriseDomain"].is_string(), "{policy:#}");
        assert!(array_len(&policy["protectedApps"]).is_some_and(|n| n > 0));
        assert!(array_len(&policy["protectedAppLockerFiles"]).is_some_and(|n| n > 0));
        assert!(policy["exemptAppLockerFiles"].is_array(), "{policy:#}");
        assert!(policy["assignments"].is_array(), "{policy:#}");
    }
    for policy in policies.values() {
        assert!(policy["assignments"].is_array(), "{policy:#}");
    }
}

/// The types whose child collections Graph could expand (macOS shell scripts excepted:
/// Graph offers them only as an expansion).
const EXPANDABLE: &[&str] = &[
    "settingsCatalog",
    "compliancePolicies",
    "deviceConfigurations",
    "deviceCompliancePolicies",
    "administrativeTemplates",
    "appConfigManagedDevices",
    "appConfigManagedApps",
    "appProtection",
    "policySets",
];

#[tokio::test]
async fn expansions_cut_short_without_a_link_are_never_taken_as_complete() {
    let mut counts: Vec<(&str, usize)> = EXPANDABLE.iter().map(|key| (*key, 8)).collect();
    counts.push(("notificationTemplates", 3));
    let world = World::new(tenant_config(&counts)).await;
    let path = world.schedule("Expand", EXPANDABLE, true).await;
    let first = world.run_now(&path).await;
    assert_eq!(first["status"], "success", "{first:#}");
    let mut before = BTreeMap::new();
    let mut several = 0;
    for key in EXPANDABLE.iter().chain(&["notificationTemplates"]) {
        let stored = contents(&world, key).await;
        several += stored
            .values()
            .filter(|c| array_len(&c["assignments"]).is_some_and(|n| n > 1))
            .count();
        before.insert(*key, stored);
    }
    assert!(several > 5, "objects with several assignments to cut");

    // Graph cuts every expansion to one member and says nothing
    world.set_faults(vec![Fault::CutExpansions {
        policy_type: None,
        keep: 1,
    }]);
    let blobs = world.blob_count().await;
    let second = world.run_now(&path).await;
    assert_eq!(second["status"], "success", "{second:#}");
    for (key, report) in second["sync_report"].as_object().unwrap() {
        assert_eq!(report["updated"], 0, "{key} read differently: {report:#}");
    }
    for (key, stored) in &before {
        assert_eq!(&contents(&world, key).await, stored, "{key}");
    }
    assert_eq!(world.blob_count().await, blobs, "no new content");
}

#[tokio::test]
async fn a_404_on_a_child_collection_keeps_the_object_and_names_what_is_missing() {
    let world = World::new(tenant_config(&[
        ("settingsCatalog", 3),
        ("deviceConfigurations", 2),
    ]))
    .await;
    world.set_faults(vec![Fault::ChildNotFound {
        policy_type: "settingsCatalog".into(),
        index: 1,
        child: "assignments".into(),
    }]);
    let path = world
        .schedule(
            "Children",
            &["settingsCatalog", "deviceConfigurations"],
            false,
        )
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "partial", "{run:#}");
    let report = &run["sync_report"]["settingsCatalog"];
    assert_eq!(report["fetched"], 3, "the object is kept: {report:#}");
    assert_eq!(report["skipped_deleted"], 0, "{report:#}");
    let policies = world
        .sim
        .handle()
        .objects(world.azure_tenant_id(), "settingsCatalog")
        .unwrap();
    let incomplete = report["incomplete"].as_array().expect("incomplete objects");
    assert_eq!(incomplete.len(), 1, "{report:#}");
    assert_eq!(incomplete[0]["graph_id"], policies[1].id.as_str());
    assert_eq!(
        incomplete[0]["display_name"],
        policies[1].display_name.as_str()
    );
    assert!(
        incomplete[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("assignments")),
        "{report:#}"
    );
    let stored = contents(&world, "settingsCatalog").await;
    let kept = &stored[&policies[1].id];
    assert!(
        array_len(&kept["settings"]).is_some_and(|n| n > 0),
        "{kept:#}"
    );
    assert_eq!(
        run["sync_report"]["deviceConfigurations"]["incomplete"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0
    );
}
