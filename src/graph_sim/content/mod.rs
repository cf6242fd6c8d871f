//! Deterministic content: every object of a simulated tenant is a pure function of
//! (tenant, type, index, revision). Generators per family live in the submodules; this
//! module dispatches on the catalog key.

mod admin_templates;
mod apple_enrollment;
mod apps;
mod apps_catalog;
mod assignments;
mod common;
mod conditional_access;
mod configuration;
mod connectors;
mod device_extras;
mod enrollment;
mod foundations;
mod rbac;
mod scripts;
pub mod seed;
mod settings_catalog;
mod tenant_admin;
mod windows365;
mod wip;

use serde_json::Value;

pub use admin_templates::{
    definition_by_id, definition_values, presentation_of, presentation_values, value_position,
};
pub use assignments::{assignment_style, ALL_DEVICES, ALL_USERS};
pub use common::Ctx;
pub use conditional_access::BUILT_IN_STRENGTHS;
pub use configuration::{oma_plain_text, MASKED_VALUE};
pub use connectors::SIMULATED_SECRET;
pub use rbac::BUILT_IN_ROLES;
pub use scripts::GLOBAL_REMEDIATIONS;
pub use seed::graph_time;
pub use settings_catalog::with_definition;

use super::catalog::Child;

/// The full object (`GET /{id}`), without expansions.
pub fn detail(ctx: &Ctx, key: &str, index: usize, revision: u32) -> Value {
    match key {
        "deviceConfigurations" => configuration::device_configuration(ctx, index, revision),
        "settingsCatalog" | "compliancePolicies" => {
            settings_catalog::configuration_policy(ctx, key, index, revision)
        }
        "deviceCompliancePolicies" => configuration::device_compliance_policy(ctx, index, revision),
        "administrativeTemplates" => admin_templates::configuration(ctx, index, revision),
        "endpointSecurityIntents" => settings_catalog::intent(ctx, index, revision),
        "powershellScripts" => scripts::powershell_script(ctx, index, revision),
        "macosShellScripts" => scripts::shell_script(ctx, index, revision),
        "remediations" | "complianceScripts" => scripts::health_script(ctx, key, index, revision),
        "autopilotProfiles" => enrollment::autopilot_profile(ctx, index, revision),
        "enrollmentConfigurations" => enrollment::enrollment_configuration(ctx, index, revision),
        "featureUpdates" => enrollment::feature_update(ctx, index, revision),
        "qualityUpdates" => enrollment::quality_update(ctx, index, revision),
        "driverUpdates" => enrollment::driver_update(ctx, index, revision),
        "appProtection" => apps::app_protection(ctx, index, revision),
        "appConfigManagedApps" => apps::targeted_app_configuration(ctx, index, revision),
        "appConfigManagedDevices" => apps::mobile_app_configuration(ctx, index, revision),
        "policySets" => apps::policy_set(ctx, index, revision),
        "assignmentFilters" => foundations::assignment_filter(ctx, index, revision),
        "scopeTags" => foundations::scope_tag(ctx, index, revision),
        "notificationTemplates" => foundations::notification_template(ctx, index, revision),
        "reusableSettings" => settings_catalog::reusable_setting(ctx, index, revision),
        "mobileApps" => apps_catalog::mobile_app(ctx, index, revision),
        "mobileAppCategories" => apps_catalog::mobile_app_category(ctx, index, revision),
        "conditionalAccessPolicies" => conditional_access::policy(ctx, index, revision),
        "namedLocations" => conditional_access::named_location(ctx, index, revision),
        "authenticationStrengths" => {
            conditional_access::authentication_strength(ctx, index, revision)
        }
        "roleDefinitions" => rbac::role_definition(ctx, index, revision),
        "depEnrollmentProfiles" => apple_enrollment::onboarding_setting(ctx, index, revision),
        "appleUserInitiatedProfiles" => {
            apple_enrollment::user_initiated_profile(ctx, index, revision)
        }
        "tenantSettings" => tenant_admin::settings(ctx, revision),
        "brandingProfiles" => tenant_admin::branding_profile(ctx, index, revision),
        "termsAndConditions" => tenant_admin::terms(ctx, index, revision),
        "deviceCategories" => tenant_admin::device_category(ctx, index, revision),
        "macosCustomAttributes" => device_extras::custom_attribute_script(ctx, index, revision),
        "admxFiles" => device_extras::admx_file(ctx, index, revision),
        "hardwareConfigurations" => device_extras::hardware_configuration(ctx, index, revision),
        "inventoryPolicies" => device_extras::inventory_policy(ctx, index, revision),
        "cloudPcProvisioningPolicies" => windows365::provisioning_policy(ctx, index, revision),
        "cloudPcUserSettings" => windows365::user_setting(ctx, index, revision),
        "apnsCertificate" => connectors::apns_certificate(ctx, revision),
        "vppTokens" => connectors::vpp_token(ctx, index, revision),
        "managedGooglePlay" => connectors::managed_google_play(ctx, revision),
        "complianceManagementPartners" => connectors::compliance_partner(ctx, index, revision),
        "deviceManagementPartners" => connectors::device_management_partner(ctx, index, revision),
        "remoteAssistancePartners" => connectors::remote_assistance_partner(ctx, index, revision),
        "autopilotDevices" => connectors::autopilot_device(ctx, index, revision),
        _ => Value::Null,
    }
}

/// The list entry: the detail, minus what Graph only gives on `GET /{id}` (script bodies,
/// WIP policies' own properties in the mixed `managedAppPolicies`, reusable settings'
/// `settingInstance`).
pub fn list_entry(key: &str, detail: &Value) -> Value {
    if key == "appProtection" && wip::is_wip(detail) {
        return wip::list_entry(detail);
    }
    let mut entry = scripts::strip_content(detail);
    for field in list_omits(key) {
        if let Value::Object(fields) = &mut entry {
            fields.remove(*field);
        }
    }
    entry
}

/// Properties a list leaves out unless `$select` names them. Reusable settings: the list
/// does not carry `settingInstance`; IntuneCD (`ReusableSettings.py`) and IntuneManagement
/// read it with `$select` on the list.
pub fn list_omits(key: &str) -> &'static [&'static str] {
    match key {
        "reusableSettings" => &["settingInstance"],
        _ => &[],
    }
}

/// How many objects of `key` exist for a configured count: scope tags list the built-in
/// Default besides the configured custom tags, role definitions and authentication
/// strengths Microsoft's built-in ones; a singleton exists once or not at all.
pub fn object_count(key: &str, configured: usize) -> usize {
    match key {
        "scopeTags" => configured + 1,
        "roleDefinitions" => configured + BUILT_IN_ROLES.len(),
        "authenticationStrengths" => configured + BUILT_IN_STRENGTHS,
        "tenantSettings" | "apnsCertificate" | "managedGooglePlay" => configured.min(1),
        _ => configured,
    }
}

pub fn assignments(ctx: &Ctx, key: &str, policy_id: &str, index: usize) -> Vec<Value> {
    match key {
        "cloudPcProvisioningPolicies" | "cloudPcUserSettings" => {
            windows365::assignments(ctx, key, policy_id, index)
        }
        _ => assignments::assignments(ctx, key, policy_id, index),
    }
}

/// Expansion flags of a child collection (`$expand` inside the child or nested in the
/// parent's `$expand`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ChildExpand {
    /// `settings?$expand=settingDefinitions`
    pub setting_definitions: bool,
    /// `definitionValues?$expand=definition`
    pub definition: bool,
    /// `scheduledActionsForRule($expand=scheduledActionConfigurations)`
    pub scheduled_action_configurations: bool,
}

/// The members of a child collection of object `index`.
pub fn child(
    ctx: &Ctx,
    key: &str,
    child: Child,
    policy_id: &str,
    index: usize,
    revision: u32,
    expand: ChildExpand,
) -> Vec<Value> {
    match child {
        Child::Settings if key == "endpointSecurityIntents" => {
            settings_catalog::intent_settings(ctx, index, revision)
        }
        Child::Settings if key == "inventoryPolicies" => {
            device_extras::inventory_settings(ctx, index, revision)
        }
        Child::Settings => {
            let settings = settings_catalog::settings(ctx, key, index, revision);
            if expand.setting_definitions {
                settings
                    .iter()
                    .map(settings_catalog::with_definition)
                    .collect()
            } else {
                settings
            }
        }
        Child::DefinitionValues => definition_values(ctx, index, revision, expand.definition),
        Child::Apps => apps::apps(ctx, key, policy_id, index),
        Child::Items => apps::policy_set_items(ctx, index),
        Child::ScheduledActionsForRule => configuration::scheduled_actions(
            ctx,
            key,
            policy_id,
            index,
            expand.scheduled_action_configurations,
        ),
        Child::LocalizedNotificationMessages => {
            foundations::localized_messages(ctx, index, revision)
        }
        Child::Categories => apps_catalog::categories(ctx, index),
        Child::RoleAssignments => rbac::role_assignments(ctx, policy_id, index),
        Child::EnrollmentProfiles => apple_enrollment::enrollment_profiles(ctx, index, revision),
        Child::DriverInventories => enrollment::driver_inventories(ctx, policy_id, index, revision),
        Child::ProtectedAppLockerFiles => wip::app_locker_files(ctx, policy_id, index, false),
        Child::ExemptAppLockerFiles => wip::app_locker_files(ctx, policy_id, index, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph_sim::catalog::COLLECTIONS;

    fn ctx() -> Ctx {
        Ctx::new("11111111-2222-4333-8444-555555555555", |_| 4, 30, 12)
    }

    #[test]
    fn every_collection_generates_objects_with_ids() {
        let ctx = ctx();
        for collection in COLLECTIONS {
            for index in 0..object_count(collection.key, 4) {
                let object = detail(&ctx, collection.key, index, 0);
                // `deviceManagement/settings` is a complex property: it has no id
                assert!(
                    object["id"].is_string() || collection.key == "tenantSettings",
                    "{} #{index}: {object}",
                    collection.key
                );
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let (a, b) = (ctx(), ctx());
        for collection in COLLECTIONS {
            assert_eq!(
                detail(&a, collection.key, 2, 0),
                detail(&b, collection.key, 2, 0)
            );
            assert_eq!(
                assignments(&a, collection.key, "p", 2),
                assignments(&b, collection.key, "p", 2)
            );
        }
        assert_eq!(
            child(
                &a,
                "settingsCatalog",
                Child::Settings,
                "p",
                1,
                0,
                ChildExpand::default()
            ),
            child(
                &b,
                "settingsCatalog",
                Child::Settings,
                "p",
                1,
                0,
                ChildExpand::default()
            )
        );
    }

    #[test]
    fn a_revision_changes_the_content_the_time_and_a_setting() {
        let ctx = ctx();
        for collection in COLLECTIONS {
            if collection.key == "scopeTags" {
                continue;
            }
            let before = detail(&ctx, collection.key, 1, 0);
            let after = detail(&ctx, collection.key, 1, 1);
            assert_ne!(before, after, "{}", collection.key);
            assert_eq!(before["id"], after["id"], "{}", collection.key);
        }
        let settings = |revision| {
            child(
                &ctx,
                "settingsCatalog",
                Child::Settings,
                "p",
                1,
                revision,
                ChildExpand::default(),
            )
        };
        assert_ne!(settings(0)[0], settings(1)[0]);
        assert_eq!(settings(0)[1..], settings(1)[1..]);
    }

    #[test]
    fn script_content_is_only_in_the_detail() {
        let ctx = ctx();
        let script = detail(&ctx, "powershellScripts", 0, 0);
        assert!(script["scriptContent"]
            .as_str()
            .is_some_and(|c| !c.is_empty()));
        assert!(list_entry("powershellScripts", &script)["scriptContent"].is_null());
    }

    #[test]
    fn the_first_remediations_are_microsofts_global_scripts() {
        let ctx = ctx();
        assert_eq!(detail(&ctx, "remediations", 0, 0)["isGlobalScript"], true);
        assert_eq!(
            detail(&ctx, "remediations", GLOBAL_REMEDIATIONS, 0)["isGlobalScript"],
            false
        );
    }

    #[test]
    fn settings_follow_the_configured_count() {
        let ctx = ctx();
        let policy = detail(&ctx, "settingsCatalog", 0, 0);
        let settings = child(
            &ctx,
            "settingsCatalog",
            Child::Settings,
            "p",
            0,
            0,
            ChildExpand::default(),
        );
        assert_eq!(policy["settingCount"], settings.len());
        assert_eq!(settings.len(), 30);
    }
}
