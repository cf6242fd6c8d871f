//! A restore into another tenant that maps groups by display name: exactly one target group
//! of the name maps, none or several map nothing and are reported, and only mapped target
//! groups are ever sent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use tenantpilot::graph_sim::GROUP_NAMES;

use super::world::{groups_listed, source_tenant, troubles, write_roles, RestoreWorld};
use crate::graph_world::tenant_config;

/// The target's groups renamed so that, by position p: p % 4 == 0 has a name no source
/// group has, p % 4 == 3 takes the name of p - 1 (two groups share it), the rest keep the
/// shared names (one each).
fn renamed_groups() -> BTreeMap<usize, String> {
    (0..16)
        .filter_map(|p| match p % 4 {
            0 => Some((p, format!("Renamed in the target {p}"))),
            3 => Some((p, GROUP_NAMES[p - 1].to_owned())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn groups_are_matched_by_display_name_and_none_or_several_are_reported_never_guessed() {
    let mut target = tenant_config(&[]);
    target.roles = write_roles();
    target.group_names = renamed_groups();
    let world = RestoreWorld::new(source_tenant(3), target, &[]).await;
    let source_groups = groups_listed(&world.sim, &world.source).await;
    let source_name: BTreeMap<String, String> = source_groups
        .iter()
        .map(|(name, id)| (id.clone(), name.clone()))
        .collect();
    let set = world.back_up(&world.source_id, "baseline").await;

    // planning by name needs Group.Read.All: the unchanged source reads, the target reads
    let (status, plan) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "match_groups_by_name": true}),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let target_groups = groups_listed(&world.sim, &world.target).await;
    let matches = plan["group_matches"].as_array().expect("group_matches");
    assert!(!matches.is_empty(), "the source assigns groups");
    let mut matched = 0;
    let mut unmatched = BTreeSet::new();
    for found in matches {
        let source = found["source_group_id"].as_str().unwrap();
        let name = &source_name[source];
        assert_eq!(found["display_name"], name.as_str(), "{found}");
        // the oracle: Graph's own listing of the target
        let named: Vec<&String> = target_groups
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, id)| id)
            .collect();
        match named.as_slice() {
            [one] => {
                matched += 1;
                assert_eq!(found["target_group_id"], one.as_str(), "{found}");
                assert_eq!(plan["group_mapping"][source], one.as_str());
            }
            [] => {
                assert!(found["target_group_id"].is_null(), "{found}");
                assert!(
                    found["reason"].as_str().unwrap().contains("no group named"),
                    "{found}"
                );
                unmatched.insert(source.to_owned());
            }
            several => {
                assert!(found["target_group_id"].is_null(), "{found}");
                let reason = found["reason"].as_str().unwrap();
                assert!(
                    reason.contains(&format!("has {} groups named", several.len())),
                    "{found}"
                );
                unmatched.insert(source.to_owned());
            }
        }
    }
    assert!(
        matched > 0 && !unmatched.is_empty(),
        "both outcomes are exercised: {matches:?}"
    );
    assert_eq!(
        plan["group_mapping"].as_object().unwrap().len(),
        matched,
        "only the matched groups are mapped"
    );
    // what is not matched is listed per item and left out
    let reported: BTreeSet<String> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| item["unmapped_assignments"].as_array().unwrap())
        .map(|a| a["group_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reported, unmatched);

    let done = world
        .apply(&world.target_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    let mapped: BTreeSet<&str> = plan["group_mapping"]
        .as_object()
        .unwrap()
        .values()
        .map(|id| id.as_str().unwrap())
        .collect();
    for item in done["items"].as_array().unwrap() {
        for request in item["sent"].as_array().unwrap() {
            for group in request.to_string().split('"').filter(|part| {
                source_name.contains_key(*part) || target_groups.iter().any(|(_, id)| id == part)
            }) {
                assert!(
                    mapped.contains(group),
                    "only mapped target groups are sent: {group} in {request}"
                );
            }
        }
    }
}

#[tokio::test]
async fn matching_by_name_within_one_tenant_or_without_group_read_is_refused_and_records_nothing() {
    let mut target = tenant_config(&[]);
    target.roles = write_roles()
        .into_iter()
        .filter(|role| role != "Group.Read.All")
        .collect();
    let world = RestoreWorld::new(source_tenant(1), target, &[]).await;
    let set = world.back_up(&world.source_id, "baseline").await;
    // restore events only: the backup's run is still being recorded on its schedule
    let restore_events = "SELECT count(*) FROM events WHERE aggregate_type = 'restore'";
    let before = world.app.count(restore_events).await;
    let (status, problem) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "match_groups_by_name": true}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_group_mapping")),
        "{problem}"
    );
    assert_eq!(
        problem["errors"][0]["field"], "match_groups_by_name",
        "{problem}"
    );
    let (status, problem) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "match_groups_by_name": true}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("restore_permission_missing")),
        "{problem}"
    );
    let detail: &str = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("the target tenant lacks Group.Read.All"),
        "{detail}"
    );
    assert_eq!(
        world.app.count(restore_events).await,
        before,
        "a refused plan records nothing"
    );
}
