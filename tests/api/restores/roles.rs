//! Intune roles: a custom role is written back with its role assignments (objects of their
//! own, bound to the role); into another tenant each assignment goes only with all its
//! groups mapped. Microsoft's built-in roles are never written.

use std::collections::BTreeSet;

use serde_json::json;
use tenantpilot::graph_sim::BUILT_IN_ROLES;

use super::world::{actions, groups_listed, troubles, write_roles, RestoreWorld};
use crate::graph_world::{graph_get, sim_token, tenant_config};
use crate::helpers::http_client;

async fn world() -> (RestoreWorld, String) {
    let mut source = tenant_config(&[("roleDefinitions", 4)]);
    source.roles = write_roles();
    let mut target = tenant_config(&[]);
    target.roles = write_roles();
    let world = RestoreWorld::new(source, target, &[]).await;
    let set = world
        .back_up_types(&world.source_id, "before", &["roleDefinitions"], false)
        .await;
    (world, set)
}

#[tokio::test]
async fn a_deleted_and_a_changed_role_come_back_with_their_assignments() {
    let (world, set) = world().await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    let first_custom = BUILT_IN_ROLES.len();
    sim.delete(&azure, "roleDefinitions", first_custom).unwrap();
    sim.mutate(&azure, "roleDefinitions", first_custom + 1)
        .unwrap();
    // and someone gives another custom role's first assignment to another group,
    // through Graph (PATCH /deviceManagement/roleAssignments/{id})
    let other = sim.objects(&azure, "roleDefinitions").unwrap()[first_custom + 2]
        .id
        .clone();
    let held = graph_get(
        &world.sim,
        &world.source,
        &format!("/deviceManagement/roleDefinitions/{other}/roleAssignments"),
    )
    .await;
    let assignment = held["value"][0]["id"].as_str().unwrap().to_owned();
    let token = sim_token(&world.sim, &world.source).await;
    let response = http_client()
        .patch(format!(
            "{}/beta/deviceManagement/roleAssignments/{assignment}",
            world.sim.graph_url()
        ))
        .bearer_auth(token)
        .json(&json!({"members": ["00000000-0000-4000-8000-00000000abcd"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let selection = json!({"source_backup_set_id": set});
    let (status, plan) = world.plan(&world.source_id, &selection).await;
    assert_eq!(status, 201, "{plan}");
    let planned = actions(&plan);
    assert_eq!(planned.get("create"), Some(&1), "{planned:?}");
    assert_eq!(planned.get("update"), Some(&2), "{planned:?}");
    let done = world
        .apply(&world.source_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    // the recreated role holds its assignments again, bound to it
    let created = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["action"] == "create")
        .unwrap();
    let role = created["target_id"].as_str().unwrap();
    let held = graph_get(
        &world.sim,
        &world.source,
        &format!("/deviceManagement/roleDefinitions/{role}/roleAssignments"),
    )
    .await;
    let source_item = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["action"] == "create")
        .unwrap();
    let sent_assignments = created["sent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|request| request["path"] == "/deviceManagement/roleAssignments")
        .count();
    assert!(sent_assignments > 0, "{created:#}");
    assert_eq!(
        held["value"].as_array().unwrap().len(),
        sent_assignments,
        "{held:#} for {source_item:#}"
    );
    // the changed assignment was patched back, not deleted and created again
    let patched = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| item["sent"].as_array().into_iter().flatten())
        .any(|request| {
            request["method"] == "PATCH" && request["path"].as_str().unwrap().ends_with(&assignment)
        });
    assert!(patched, "{:#?}", done["items"]);
    let (_, again) = world.plan(&world.source_id, &selection).await;
    assert_eq!(
        actions(&again).keys().collect::<Vec<_>>(),
        vec!["unchanged"],
        "{:#?}",
        troubles(&again)
    );
}

#[tokio::test]
async fn into_another_tenant_a_roles_assignments_name_only_mapped_groups() {
    let (world, set) = world().await;
    // nothing mapped: the roles go, their assignments stay behind and are listed
    let (status, plan) = world
        .plan(&world.target_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(status, 201, "{plan}");
    for item in plan["items"].as_array().unwrap() {
        assert_eq!(item["action"], "create", "{item:#}");
        assert!(
            !item["unmapped_assignments"].as_array().unwrap().is_empty(),
            "{item:#}"
        );
    }
    // matched by name: every assignment goes, naming the target's groups only
    let (status, plan) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "match_groups_by_name": true}),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let done = world
        .apply(&world.target_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    let target_groups: BTreeSet<String> = groups_listed(&world.sim, &world.target)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let roles = graph_get(
        &world.sim,
        &world.target,
        "/deviceManagement/roleDefinitions",
    )
    .await;
    let mut assignments = 0;
    for role in roles["value"].as_array().unwrap() {
        if role["isBuiltIn"] == true {
            continue;
        }
        let held = graph_get(
            &world.sim,
            &world.target,
            &format!(
                "/deviceManagement/roleDefinitions/{}/roleAssignments",
                role["id"].as_str().unwrap()
            ),
        )
        .await;
        for assignment in held["value"].as_array().unwrap() {
            assignments += 1;
            for field in ["members", "scopeMembers", "resourceScopes"] {
                for group in assignment[field].as_array().unwrap() {
                    assert!(
                        target_groups.contains(group.as_str().unwrap()),
                        "{assignment:#}"
                    );
                }
            }
        }
    }
    assert!(assignments > 0);
}
