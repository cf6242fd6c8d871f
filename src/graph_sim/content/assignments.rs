//! Assignments: group, exclusion-group, all-devices and all-users targets, some with an
//! assignment filter, shaped per type the way Graph shapes them.

use serde_json::{json, Map, Value};

use super::common::Ctx;

/// Entra's fixed ids of the virtual "all devices" / "all licensed users" groups, which
/// Intune uses in assignment ids.
pub const ALL_DEVICES: &str = "adadadad-808e-44e2-905a-0b7873a8a531";
pub const ALL_USERS: &str = "acacacac-9df4-4c7d-9d50-4ef0226f57a9";

/// The `@odata.type` of one assignment of `key`, and whether it carries
/// `source`/`sourceId`.
pub fn assignment_style(key: &str) -> (&'static str, bool) {
    match key {
        "deviceConfigurations" => ("deviceConfigurationAssignment", true),
        "settingsCatalog" | "compliancePolicies" => {
            ("deviceManagementConfigurationPolicyAssignment", true)
        }
        "deviceCompliancePolicies" => ("deviceCompliancePolicyAssignment", true),
        "administrativeTemplates" => ("groupPolicyConfigurationAssignment", false),
        "endpointSecurityIntents" => ("deviceManagementIntentAssignment", false),
        "powershellScripts" | "macosShellScripts" => ("deviceManagementScriptAssignment", false),
        "remediations" | "complianceScripts" => ("deviceHealthScriptAssignment", false),
        "autopilotProfiles" => ("windowsAutopilotDeploymentProfileAssignment", true),
        "enrollmentConfigurations" => ("enrollmentConfigurationAssignment", true),
        "featureUpdates" => ("windowsFeatureUpdateProfileAssignment", false),
        "qualityUpdates" => ("windowsQualityUpdateProfileAssignment", false),
        "driverUpdates" => ("windowsDriverUpdateProfileAssignment", false),
        "appConfigManagedDevices" => ("managedDeviceMobileAppConfigurationAssignment", false),
        // the coverage types (shapes cited in their content modules)
        "mobileApps" => ("mobileAppAssignment", true),
        "macosCustomAttributes" => ("deviceManagementScriptAssignment", false),
        "appleUserInitiatedProfiles" => ("appleEnrollmentProfileAssignment", false),
        "brandingProfiles" => ("intuneBrandingProfileAssignment", false),
        "termsAndConditions" => ("termsAndConditionsAssignment", false),
        "hardwareConfigurations" => ("hardwareConfigurationAssignment", false),
        "inventoryPolicies" => ("deviceManagementConfigurationPolicyAssignment", true),
        // beta policySetAssignment (intune-policyset-policysetassignment)
        "policySets" => ("policySetAssignment", false),
        // beta roleScopeTagAutoAssignment (intune-rbac-rolescopetagautoassignment)
        "scopeTags" => ("roleScopeTagAutoAssignment", false),
        _ => ("targetedManagedAppPolicyAssignment", true),
    }
}

/// The assignments of object `index` of `key` (id `policy_id`). Unaffected by revisions:
/// a mutation changes content, not targeting.
pub fn assignments(ctx: &Ctx, key: &str, policy_id: &str, index: usize) -> Vec<Value> {
    let mut seed = ctx.seed(&format!("{key}/assignments"), index);
    if seed.chance(15) {
        return Vec::new();
    }
    if key == "scopeTags" {
        return scope_tag_auto_assignments(ctx, policy_id, &mut seed);
    }
    let count = 1 + seed.below(3);
    let (odata_type, sourced) = assignment_style(key);
    let mut used = Vec::new();
    let mut out = Vec::new();
    for position in 0..count {
        let kind = if position == 0 {
            seed.below(4).min(1)
        } else {
            seed.below(4)
        };
        let (target_id, mut target) = match kind {
            0 | 1 => {
                let group = seed.pick(&ctx.groups).clone();
                let exclusion = kind == 1 && position > 0;
                let odata = if exclusion {
                    "exclusionGroupAssignmentTarget"
                } else {
                    "groupAssignmentTarget"
                };
                (group.clone(), target(odata, Some(&group)))
            }
            2 => (
                ALL_DEVICES.to_owned(),
                target("allDevicesAssignmentTarget", None),
            ),
            _ => (
                ALL_USERS.to_owned(),
                target("allLicensedUsersAssignmentTarget", None),
            ),
        };
        if used.contains(&target_id) {
            continue;
        }
        used.push(target_id.clone());
        let (filter_id, filter_type) = if !ctx.filters.is_empty() && seed.chance(35) {
            (
                json!(seed.pick(&ctx.filters)),
                if seed.chance(70) {
                    "include"
                } else {
                    "exclude"
                },
            )
        } else {
            (Value::Null, "none")
        };
        target.insert("deviceAndAppManagementAssignmentFilterId".into(), filter_id);
        target.insert(
            "deviceAndAppManagementAssignmentFilterType".into(),
            json!(filter_type),
        );
        let mut assignment = Map::new();
        assignment.insert(
            "@odata.type".into(),
            json!(format!("#microsoft.graph.{odata_type}")),
        );
        assignment.insert("id".into(), json!(format!("{policy_id}_{target_id}")));
        if sourced {
            assignment.insert("source".into(), json!("direct"));
            assignment.insert("sourceId".into(), json!(policy_id));
        }
        if key == "deviceConfigurations" {
            assignment.insert("intent".into(), json!("apply"));
        }
        // api-reference/beta/resources/intune-apps-mobileappassignment.md
        if key == "mobileApps" {
            let intent = if seed.chance(50) {
                "required"
            } else {
                "available"
            };
            assignment.insert("intent".into(), json!(intent));
            assignment.insert("settings".into(), Value::Null);
        }
        if odata_type == "deviceHealthScriptAssignment" {
            assignment.insert("runRemediationScript".into(), json!(key == "remediations"));
            assignment.insert(
                "runSchedule".into(),
                json!({
                    "@odata.type": "#microsoft.graph.deviceHealthScriptDailySchedule",
                    "interval": 1,
                    "useUtc": false,
                    "time": format!("{:02}:00:00", seed.below(24)),
                }),
            );
        }
        assignment.insert("target".into(), Value::Object(target));
        out.push(Value::Object(assignment));
    }
    out
}

/// A scope tag's group auto-assignments: groups only (the built-in Default tag "0" has
/// none). Shape: beta roleScopeTagAutoAssignment, `target` a group assignment target
/// (api-reference/beta/resources/intune-rbac-rolescopetagautoassignment.md).
fn scope_tag_auto_assignments(ctx: &Ctx, tag_id: &str, seed: &mut super::seed::Seed) -> Vec<Value> {
    if tag_id == "0" {
        return Vec::new();
    }
    let first = seed.below(ctx.groups.len());
    (0..1 + seed.below(2))
        .map(|offset| {
            let group = &ctx.groups[(first + offset) % ctx.groups.len()];
            let mut target = target("groupAssignmentTarget", Some(group));
            target.insert(
                "deviceAndAppManagementAssignmentFilterId".into(),
                Value::Null,
            );
            target.insert(
                "deviceAndAppManagementAssignmentFilterType".into(),
                json!("none"),
            );
            json!({
                "@odata.type": "#microsoft.graph.roleScopeTagAutoAssignment",
                "id": format!("{tag_id}_{group}"),
                "target": target,
            })
        })
        .collect()
}

fn target(odata_type: &str, group: Option<&str>) -> Map<String, Value> {
    let mut target = Map::new();
    target.insert(
        "@odata.type".into(),
        json!(format!("#microsoft.graph.{odata_type}")),
    );
    if let Some(group) = group {
        target.insert("groupId".into(), json!(group));
    }
    target
}
