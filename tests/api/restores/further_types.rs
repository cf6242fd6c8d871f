//! The types beyond the first restorable ones (categories, named locations, terms and
//! conditions, branding, Windows 365, macOS custom attributes, BIOS configurations, Apple
//! user-initiated enrollment, app protection and managed-app configurations): deleted and
//! changed in the live tenant, planned, applied (with their apps through `targetApps`,
//! their assignments through the assign action or one `POST .../assignments` each),
//! verified, and a second plan finds nothing left to write.

use serde_json::json;

use super::world::{actions, troubles, write_roles, RestoreWorld};
use crate::graph_world::tenant_config;

const POLICIES: &[&str] = &[
    "termsAndConditions",
    "brandingProfiles",
    "cloudPcProvisioningPolicies",
    "cloudPcUserSettings",
    "macosCustomAttributes",
    "hardwareConfigurations",
    "appleUserInitiatedProfiles",
    "appProtection",
    "appConfigManagedApps",
];
const FOUNDATIONS: &[&str] = &[
    "deviceCategories",
    "mobileAppCategories",
    "namedLocations",
    "admxFiles",
];

#[tokio::test]
async fn the_further_types_are_written_back_with_their_assignments_and_verified() {
    let counts: Vec<(&str, usize)> = POLICIES
        .iter()
        .chain(FOUNDATIONS)
        .map(|key| (*key, 3))
        .collect();
    let mut source = tenant_config(&counts);
    source.roles = write_roles();
    let world = RestoreWorld::new(source, tenant_config(&[]), &[]).await;
    let set = world
        .back_up_types(&world.source_id, "before", POLICIES, true)
        .await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    for key in POLICIES.iter().chain(FOUNDATIONS) {
        sim.delete(&azure, key, 2).unwrap();
        // an app category is its name alone: the simulator's edit moves only its
        // lastModifiedDateTime, which Graph computes (nothing to restore)
        if *key != "mobileAppCategories" {
            sim.mutate(&azure, key, 1).unwrap();
        }
    }
    let selection: Vec<&str> = POLICIES.iter().chain(FOUNDATIONS).copied().collect();
    let (status, plan) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "selection": {"types": selection}}),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let planned = actions(&plan);
    // one deleted and one changed of each type (a default branding profile, if it is the
    // one deleted, cannot be created: it says so)
    let not_restorable: Vec<_> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["action"] == "not_restorable")
        .map(|item| (item["policy_type"].clone(), item["reason"].clone()))
        .collect();
    assert!(
        not_restorable
            .iter()
            .all(|(key, _)| key == "brandingProfiles"),
        "{not_restorable:#?}"
    );
    let types = selection.len();
    assert_eq!(
        planned.get("create").copied().unwrap_or(0) + not_restorable.len(),
        types,
        "{planned:?}"
    );
    let by_type: Vec<(String, String)> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["policy_type"].to_string(), item["action"].to_string()))
        .collect();
    assert_eq!(planned.get("update"), Some(&(types - 1)), "{by_type:?}");
    world.sim.stats().reset();
    let done = world
        .apply(&world.source_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{:#?}", troubles(&done));
    let written = world.sim.stats().tenant(&azure).writes;
    for key in &selection {
        assert!(
            written.by_type.contains_key(*key) || not_restorable.iter().any(|(k, _)| k == key),
            "nothing written to {key}: {:?}",
            written.by_type
        );
    }
    // the target is the backup again
    let (_, again) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "selection": {"types": selection}}),
        )
        .await;
    let left = actions(&again);
    assert_eq!(
        left.get("create").copied().unwrap_or(0),
        not_restorable.len(),
        "{left:?}"
    );
    assert_eq!(left.get("update"), None, "{:#?}", troubles(&again));
}
