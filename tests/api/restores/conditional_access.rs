//! Conditional Access policies: written back into their own tenant as they were; into
//! another tenant only whole, with every group of their conditions mapped and the named
//! locations and authentication strengths they name restored beside them under new ids.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::world::{actions, groups_listed, troubles, write_roles, RestoreWorld};
use crate::graph_world::{graph_get, tenant_config};

const TYPES: &[&str] = &[
    "conditionalAccessPolicies",
    "namedLocations",
    "authenticationStrengths",
];

async fn world() -> (RestoreWorld, String) {
    let mut source = tenant_config(&[
        ("conditionalAccessPolicies", 4),
        ("namedLocations", 2),
        ("authenticationStrengths", 1),
    ]);
    source.roles = write_roles();
    let mut target = tenant_config(&[]);
    target.roles = write_roles();
    let world = RestoreWorld::new(source, target, &[]).await;
    let set = world
        .back_up_types(
            &world.source_id,
            "before",
            &["conditionalAccessPolicies"],
            true,
        )
        .await;
    (world, set)
}

/// The target's Conditional Access policies as Graph lists them.
async fn live_policies(world: &RestoreWorld) -> Vec<Value> {
    let page = graph_get(
        &world.sim,
        &world.target,
        "/identity/conditionalAccess/policies",
    )
    .await;
    page["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_deleted_and_a_changed_policy_are_written_back_into_their_own_tenant() {
    let (world, set) = world().await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    sim.delete(&azure, "conditionalAccessPolicies", 0).unwrap();
    sim.mutate(&azure, "conditionalAccessPolicies", 1).unwrap();
    // the custom strength (after Microsoft's three) loses a combination
    let custom = tenantpilot::graph_sim::BUILT_IN_STRENGTHS;
    sim.mutate(&azure, "authenticationStrengths", custom)
        .unwrap();
    let selection = json!({"source_backup_set_id": set, "selection": {"types": TYPES}});
    let (status, plan) = world.plan(&world.source_id, &selection).await;
    assert_eq!(status, 201, "{plan}");
    let planned = actions(&plan);
    assert_eq!(planned.get("create"), Some(&1), "{planned:?}");
    assert_eq!(planned.get("update"), Some(&2), "{planned:?}");
    // the change the edit made: one more excluded group, which the restore takes away
    let update = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| {
            item["action"] == "update" && item["policy_type"] == "conditionalAccessPolicies"
        })
        .unwrap();
    assert!(
        update["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|change| change["pointer"]
                .as_str()
                .unwrap()
                .starts_with("/conditions/users/excludeGroups")),
        "{update:#}"
    );
    let done = world
        .apply(&world.source_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    let (_, again) = world.plan(&world.source_id, &selection).await;
    assert_eq!(
        actions(&again).keys().collect::<Vec<_>>(),
        vec!["unchanged"],
        "{:#?}",
        troubles(&again)
    );
}

#[tokio::test]
async fn into_another_tenant_a_policy_goes_whole_with_its_groups_mapped_or_not_at_all() {
    let (world, set) = world().await;
    let selection = json!({"source_backup_set_id": set, "selection": {"types": TYPES}});
    // no mapping: every policy excludes a group, so none can go; the locations and the
    // custom strength can
    let (status, plan) = world.plan(&world.target_id, &selection).await;
    assert_eq!(status, 201, "{plan}");
    for item in plan["items"].as_array().unwrap() {
        if item["policy_type"] == "conditionalAccessPolicies" {
            assert_eq!(item["action"], "not_restorable", "{item:#}");
            assert!(
                item["reason"]
                    .as_str()
                    .unwrap()
                    .contains("groups the mapping lacks"),
                "{item:#}"
            );
        } else {
            assert_eq!(item["action"], "create", "{item:#}");
        }
    }

    // the groups matched by name: every policy is created, its groups the target's, its
    // excluded locations the ones this restore created
    let mut by_name = selection.clone();
    by_name["match_groups_by_name"] = json!(true);
    let (status, plan) = world.plan(&world.target_id, &by_name).await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(
        actions(&plan).get("create"),
        Some(&7),
        "{:#?}",
        plan["items"]
    );
    let done = world
        .apply(&world.target_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    let target_groups: BTreeSet<String> = groups_listed(&world.sim, &world.target)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let created = |policy_type: &str| -> BTreeSet<String> {
        done["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["policy_type"] == policy_type && item["action"] == "create")
            .map(|item| item["target_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let created_locations = created("namedLocations");
    let created_strengths = created("authenticationStrengths");
    assert_eq!(created_strengths.len(), 1);
    let policies = live_policies(&world).await;
    assert_eq!(policies.len(), 4);
    for policy in &policies {
        let excluded = policy["conditions"]["users"]["excludeGroups"]
            .as_array()
            .unwrap();
        assert!(!excluded.is_empty());
        for group in excluded {
            assert!(
                target_groups.contains(group.as_str().unwrap()),
                "{policy:#}"
            );
        }
        if let Some(strength) = policy["grantControls"]["authenticationStrength"]["id"].as_str() {
            assert!(created_strengths.contains(strength), "{policy:#}");
        }
        for location in policy["conditions"]["locations"]["excludeLocations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert!(
                created_locations.contains(location.as_str().unwrap()),
                "{policy:#}"
            );
        }
    }
}
