//! The round trip: back up, change the live tenant, plan exactly those changes back, apply,
//! and find nothing left to restore. And a whole set into an empty second tenant.

use serde_json::{json, Value};

use super::world::{actions, source_tenant, RestoreWorld};
use crate::graph_world::{sim_token, tenant_config};
use crate::helpers::http_client;

/// Clears the assignments of one object through Graph's own assign action.
async fn clear_assignments(world: &RestoreWorld, collection: &str, id: &str) {
    let token = sim_token(&world.sim, &world.source).await;
    let response = http_client()
        .post(format!(
            "{}/beta{collection}/{id}/assign",
            world.sim.graph_url()
        ))
        .bearer_auth(token)
        .json(&json!({"assignments": []}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "assign answered {}",
        response.status()
    );
}

#[tokio::test]
async fn a_restore_writes_back_exactly_what_changed_and_leaves_nothing_to_restore() {
    let world = RestoreWorld::new(source_tenant(4), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    // three deleted, three changed, one assignment changed
    for key in [
        "deviceConfigurations",
        "settingsCatalog",
        "powershellScripts",
    ] {
        sim.delete(&azure, key, 0).unwrap();
    }
    for key in [
        "deviceCompliancePolicies",
        "administrativeTemplates",
        "deviceConfigurations",
    ] {
        sim.mutate(&azure, key, 1).unwrap();
    }
    // a policy with assignments (the simulator gives some none) loses them
    let token = sim_token(&world.sim, &world.source).await;
    let mut reassigned = None;
    for policy in sim.objects(&azure, "settingsCatalog").unwrap() {
        let assigned: Value = http_client()
            .get(format!(
                "{}/beta/deviceManagement/configurationPolicies/{}/assignments",
                world.sim.graph_url(),
                policy.id
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if policy.index != 0 && !assigned["value"].as_array().unwrap().is_empty() {
            reassigned = Some(policy);
            break;
        }
    }
    let reassigned = reassigned.expect("a settings catalog policy with assignments");
    clear_assignments(
        &world,
        "/deviceManagement/configurationPolicies",
        &reassigned.id,
    )
    .await;

    let (status, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(status, 201, "{plan}");
    let counts = actions(&plan);
    assert_eq!(counts.get("create"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("update"), Some(&4), "{counts:?}");
    assert_eq!(counts.get("unchanged"), Some(&13), "{counts:?}");
    let assignment_update = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["target_id"] == reassigned.id.as_str())
        .expect("the reassigned policy is in the plan");
    assert_eq!(assignment_update["action"], "update");
    assert!(
        assignment_update["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|change| change["pointer"]
                .as_str()
                .unwrap()
                .starts_with("/assignments")),
        "only its assignments differ: {assignment_update}"
    );
    // planning wrote nothing to Graph
    let restore_id = plan["id"].as_str().unwrap().to_owned();

    let done = world.apply(&world.source_id, &restore_id).await;
    assert_eq!(
        done["status"],
        "completed",
        "{:#?}",
        super::world::troubles(&done)
    );
    assert_eq!(done["counts"]["applied"], 7);
    assert_eq!(done["counts"]["verified"], 7);
    // the audit feed keeps what each item sent (consumers and decisions read the events
    // without it: store::unread)
    let feed: Value = world
        .app
        .get(&format!(
            "/api/v1/events?aggregate_id={restore_id}&event_type=RestoreItemApplied&limit=100"
        ))
        .await
        .json()
        .await
        .unwrap();
    let applied = feed["items"].as_array().unwrap();
    assert_eq!(applied.len(), 7, "{feed}");
    assert!(
        applied
            .iter()
            .all(|event| !event["payload"]["sent"].as_array().unwrap().is_empty()),
        "{feed}"
    );
    for item in done["items"].as_array().unwrap() {
        if item["action"] == "create" || item["action"] == "update" {
            assert_eq!(item["outcome"], "applied", "{item}");
            assert_eq!(item["verification"]["verified"], true, "{item}");
        }
        if item["action"] == "create" {
            let sent = item["sent"].as_array().unwrap();
            assert_eq!(sent[0]["method"], "POST", "{item}");
        }
    }
    // the tenant now holds the set: planning it again finds nothing to write
    let (status, again) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        actions(&again).get("unchanged"),
        Some(&20),
        "{:?}",
        actions(&again)
    );
    // and the restore is in the event history
    let events = world.app.events_of(&restore_id).await;
    let types: Vec<&str> = events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types.first(), Some(&"RestorePlanned"));
    assert_eq!(
        types.iter().filter(|t| **t == "RestoreItemApplied").count(),
        7
    );
    assert_eq!(types.last(), Some(&"RestoreFinished"));
}

#[tokio::test]
async fn a_whole_set_goes_into_an_empty_tenant_with_its_groups_mapped_and_unmapped_ones_reported() {
    let mut target = tenant_config(&[]);
    target.roles = super::world::write_roles();
    let world = RestoreWorld::new(source_tenant(2), target, &[]).await;
    let set = world.back_up(&world.source_id, "baseline").await;
    // the groups the source's assignments name: map all but one
    let items: Value = world
        .app
        .get(&format!(
            "/api/v1/tenants/{}/backup-sets/{set}/items?limit=200",
            world.source_id
        ))
        .await
        .json()
        .await
        .unwrap();
    let mut groups = std::collections::BTreeSet::new();
    for item in items["items"].as_array().unwrap() {
        let content: Value = world
            .app
            .get(&format!(
                "/api/v1/tenants/{}/backup-sets/{set}/items/{}",
                world.source_id,
                item["id"].as_str().unwrap()
            ))
            .await
            .json()
            .await
            .unwrap();
        for assignment in content["content"]["assignments"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(group) = assignment
                .pointer("/target/groupId")
                .and_then(Value::as_str)
            {
                groups.insert(group.to_owned());
            }
        }
    }
    assert!(groups.len() >= 2, "the source assigns groups: {groups:?}");
    // source group → the target's group of the same name (the operator's mapping)
    let source_groups = super::world::groups_by_name(&world.sim, &world.source).await;
    let target_groups = super::world::groups_by_name(&world.sim, &world.target).await;
    let unmapped = groups.iter().next().unwrap().clone();
    let mapping: serde_json::Map<String, Value> = source_groups
        .iter()
        .filter(|(_, id)| groups.contains(*id) && **id != unmapped)
        .map(|(name, id)| (id.clone(), json!(target_groups[name])))
        .collect();
    assert!(!mapping.is_empty());
    // a mapping to a group the target does not have is refused first
    let mut wrong = mapping.clone();
    wrong.insert(unmapped.clone(), json!(uuid::Uuid::new_v4().to_string()));
    let (status, problem) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "group_mapping": wrong}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_group_mapping")),
        "{problem}"
    );
    let (status, plan) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "group_mapping": mapping}),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(
        actions(&plan).get("create"),
        Some(&10),
        "{:?}",
        actions(&plan)
    );
    let reported: Vec<&Value> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| item["unmapped_assignments"].as_array().unwrap())
        .collect();
    assert!(
        reported.iter().all(|a| a["group_id"] == unmapped.as_str()),
        "{reported:?}"
    );
    assert!(
        !reported.is_empty(),
        "the unmapped group's assignments are reported"
    );

    let done = world
        .apply(&world.target_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(
        done["status"],
        "completed",
        "{:#?}",
        super::world::troubles(&done)
    );
    // in the target, every assignment names a mapped group: the unmapped one was never sent
    let sim = world.sim.handle();
    for item in done["items"].as_array().unwrap() {
        for request in item["sent"].as_array().unwrap() {
            let text = request.to_string();
            assert!(
                !text.contains(&unmapped),
                "the unmapped group was sent: {request}"
            );
            for source_group in mapping.keys() {
                assert!(
                    !text.contains(source_group.as_str()),
                    "a source group id was sent: {request}"
                );
            }
        }
    }
    for key in super::world::TYPES {
        assert_eq!(
            sim.objects(&world.target.azure_tenant_id, key)
                .unwrap()
                .len(),
            2,
            "{key} created in the target"
        );
    }
}
