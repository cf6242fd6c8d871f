//! Per type: whether and how it is written back (README "Writes" table, GRAPH.md
//! "Writing back"): the permission, the fields Graph computes, how an update is sent and
//! where assignments go.

use crate::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};

/// The fields Graph computes or keeps read-only on every type: never sent, and never a
/// difference between backed-up and live content. Annotations (`@odata.context`,
/// `*@odata.navigationLink`, ...) are handled by [`is_annotation`].
macro_rules! computed {
    ($($extra:literal),* $(,)?) => {
        &[
            "id",
            "createdDateTime",
            "lastModifiedDateTime",
            "version",
            "supportsScopeTags",
            "isAssigned",
            "settingCount",
            "creationSource",
            $($extra,)*
        ]
    };
}

pub(crate) const COMMON_COMPUTED: &[&str] = computed!();

/// Fields Graph computes per type, beyond the common ones.
pub(crate) fn server_computed(type_key: &str) -> &'static [&'static str] {
    match type_key {
        // display fields of the update catalog (README "Writes", GRAPH.md)
        "featureUpdates" => computed!("deployableContentDisplayName", "endOfSupportDate"),
        "qualityUpdates" => computed!("releaseDateDisplayName", "deployableContentDisplayName"),
        "driverUpdates" => computed!(
            "newUpdates",
            "inventorySyncStatus",
            "deviceReporting",
            "driverInventories"
        ),
        // the list of objects a filter is used by
        "assignmentFilters" => computed!("payloads"),
        "scopeTags" => computed!("isBuiltIn"),
        "reusableSettings" => computed!("referencingConfigurationPolicyCount"),
        "administrativeTemplates" => computed!("policyConfigurationIngestionType"),
        "autopilotProfiles" => computed!("managementServiceAppId"),
        // whether Microsoft publishes the script: never true of a restored one
        "remediations" => computed!("highestAvailableVersion", "isGlobalScript"),
        "complianceScripts" => computed!("highestAvailableVersion"),
        "endpointSecurityIntents" => computed!("isMigratingToConfigurationPolicy"),
        "policySets" => computed!("status", "errorCode"),
        // Entra and the company terms stamp their own change time
        "namedLocations" | "termsAndConditions" => computed!("modifiedDateTime"),
        "conditionalAccessPolicies" => computed!("modifiedDateTime", "deletedDateTime"),
        // what the strength satisfies follows from its combinations (authenticationstrengthpolicy)
        "authenticationStrengths" => {
            computed!("modifiedDateTime", "policyType", "requirementsSatisfied")
        }
        // set by Intune as it processes an uploaded file
        "admxFiles" => computed!("status", "uploadDateTime"),
        // how many apps Intune deployed the policy to
        "appProtection" | "appConfigManagedApps" => computed!("deployedAppCount"),
        // filled in by Windows 365 (conditionalaccessroot / cloudpcprovisioningpolicy pages)
        "cloudPcProvisioningPolicies" => computed!(
            "alternateResourceUrl",
            "cloudPcGroupDisplayName",
            "gracePeriodInHours",
            "managedBy"
        ),
        _ => COMMON_COMPUTED,
    }
}

/// OData annotations Graph adds to what it serves (`@odata.context`, `@odata.etag`,
/// `settings@odata.navigationLink`, ...) and the backup's own (`@tenantpilot.*`). The
/// top-level `@odata.type` is not one: it says which type a polymorphic collection creates.
pub(crate) fn is_annotation(field: &str) -> bool {
    (field.starts_with("@odata.") && field != "@odata.type")
        || field.starts_with("@tenantpilot.")
        || [
            "@odata.navigationLink",
            "@odata.associationLink",
            "@odata.nextLink",
            "@odata.count",
            "@odata.context",
        ]
        .iter()
        .any(|suffix| field.len() > suffix.len() && field.ends_with(suffix))
}

/// How an update is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Update {
    Patch,
    /// The whole object, children inline (settings catalog: PATCH cannot carry `settings`).
    Put,
    /// PATCH of the name, description and scope tags, then
    /// `POST /deviceManagement/intents/{id}/updateSettings`.
    IntentSettings,
    /// PATCH of the set's own properties, then `POST {c}/{id}/update` with added /
    /// updated / deleted items.
    PolicySetItems,
}

pub(crate) fn update_method(type_key: &str) -> Update {
    match type_key {
        "settingsCatalog" | "compliancePolicies" | "reusableSettings" => Update::Put,
        "endpointSecurityIntents" => Update::IntentSettings,
        "policySets" => Update::PolicySetItems,
        _ => Update::Patch,
    }
}

/// Where and how a type's assignments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assign {
    /// The type has no assignments.
    None,
    /// `POST {c}/{id}{suffix}` `{"<key>": [...]}`, the list replacing the object's; each
    /// entry keeps `target` and `extra`.
    Action {
        suffix: &'static str,
        key: &'static str,
        extra: &'static [&'static str],
    },
    /// `POST {c}/{id}/assignments` `{"target": ...}` per assignment (Autopilot profiles).
    EachPost,
}

const ASSIGN: Assign = Assign::Action {
    suffix: "/assign",
    key: "assignments",
    extra: &[],
};

pub(crate) fn assign_rule(type_key: &str) -> Assign {
    match type_key {
        "deviceConfigurations"
        | "settingsCatalog"
        | "compliancePolicies"
        | "deviceCompliancePolicies"
        | "administrativeTemplates"
        | "featureUpdates"
        | "qualityUpdates"
        | "driverUpdates"
        | "scopeTags"
        | "endpointSecurityIntents"
        | "brandingProfiles"
        | "cloudPcProvisioningPolicies"
        | "cloudPcUserSettings"
        | "appConfigManagedApps" => ASSIGN,
        // targetedManagedAppProtection's assign is documented on the base collection
        // (intune-mam-targetedmanagedappprotection-assign): `collection` is that one
        "appProtection" => ASSIGN,
        "macosCustomAttributes" => Assign::Action {
            suffix: "/assign",
            key: "deviceManagementScriptAssignments",
            extra: &[],
        },
        "hardwareConfigurations" => Assign::Action {
            suffix: "/assign",
            key: "hardwareConfigurationAssignments",
            extra: &[],
        },
        "powershellScripts" | "macosShellScripts" => Assign::Action {
            suffix: "/assign",
            key: "deviceManagementScriptAssignments",
            extra: &[],
        },
        "remediations" | "complianceScripts" => Assign::Action {
            suffix: "/assign",
            key: "deviceHealthScriptAssignments",
            extra: &["runRemediationScript", "runSchedule"],
        },
        "appConfigManagedDevices" => Assign::Action {
            suffix: "/microsoft.graph.managedDeviceMobileAppConfiguration/assign",
            key: "assignments",
            extra: &[],
        },
        "enrollmentConfigurations" => Assign::Action {
            suffix: "/assign",
            key: "enrollmentConfigurationAssignments",
            extra: &[],
        },
        // beta policySet: assignments go through the `update` action
        "policySets" => Assign::Action {
            suffix: "/update",
            key: "assignments",
            extra: &[],
        },
        // no assign action: one `POST {c}/{id}/assignments` per target
        "autopilotProfiles" | "termsAndConditions" | "appleUserInitiatedProfiles" => {
            Assign::EachPost
        }
        _ => Assign::None,
    }
}

/// The field a type names its objects with.
pub(crate) fn name_field(type_key: &str) -> &'static str {
    match type_key {
        "settingsCatalog" | "compliancePolicies" | "inventoryPolicies" => "name",
        _ => "displayName",
    }
}

/// Where the type's objects are created and updated, when not where they are read:
/// authentication strengths are read under Conditional Access and written under
/// `/policies/authenticationStrengthPolicies` (authenticationstrengthroot-post-policies).
pub(crate) fn write_collection(type_key: &str) -> Option<&'static str> {
    match type_key {
        "authenticationStrengths" => Some("/policies/authenticationStrengthPolicies"),
        _ => collection(type_key),
    }
}

/// The type's Graph collection path (`/deviceManagement/...`).
pub(crate) fn collection(type_key: &str) -> Option<&'static str> {
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .find(|policy_type| policy_type.key == type_key)
        .map(|policy_type| policy_type.graph_path)
}

/// Why a type is not written back, or `None` when it is (Tier A and B of the contract).
pub(crate) fn not_restorable(type_key: &str) -> Option<&'static str> {
    let reason = match type_key {
        "deviceConfigurations"
        | "settingsCatalog"
        | "compliancePolicies"
        | "deviceCompliancePolicies"
        | "administrativeTemplates"
        | "powershellScripts"
        | "macosShellScripts"
        | "remediations"
        | "complianceScripts"
        | "featureUpdates"
        | "qualityUpdates"
        | "driverUpdates"
        | "appConfigManagedDevices"
        | "assignmentFilters"
        | "scopeTags"
        | "notificationTemplates"
        | "reusableSettings"
        | "endpointSecurityIntents"
        | "autopilotProfiles"
        | "enrollmentConfigurations"
        | "policySets"
        | "deviceCategories"
        | "mobileAppCategories"
        | "namedLocations"
        | "termsAndConditions"
        | "macosCustomAttributes"
        | "hardwareConfigurations"
        | "brandingProfiles"
        | "cloudPcProvisioningPolicies"
        | "cloudPcUserSettings"
        | "appleUserInitiatedProfiles"
        | "conditionalAccessPolicies"
        | "appProtection"
        | "appConfigManagedApps"
        | "admxFiles"
        | "authenticationStrengths"
        | "roleDefinitions" => return None,
        "mobileApps" => "apps are backed up without their packages; re-add the app, then its assignments",
        "vppTokens" | "apnsCertificate" | "managedGooglePlay" | "depEnrollmentProfiles" => {
            "backed up without its secret (token, certificate, binding): re-connect it in Intune"
        }
        "autopilotDevices" => {
            "Autopilot devices are registered by hardware hash, which Graph does not serve: re-import the CSV"
        }
        "tenantSettings" => "tenant-wide settings are not restored in this version",
        _ if collection(type_key).is_some() => "not restorable in this version",
        _ => "not a policy type",
    };
    Some(reason)
}

/// The application permission a write of the type needs: the `.ReadWrite` twin of the
/// permission its read needs (README "What a backup holds"; the simulator's catalog).
pub(crate) fn write_role(type_key: &str) -> &'static str {
    const CONFIG: &str = "DeviceManagementConfiguration.ReadWrite.All";
    const SERVICE: &str = "DeviceManagementServiceConfig.ReadWrite.All";
    const APPS: &str = "DeviceManagementApps.ReadWrite.All";
    const RBAC: &str = "DeviceManagementRBAC.ReadWrite.All";
    match type_key {
        "autopilotProfiles"
        | "enrollmentConfigurations"
        | "depEnrollmentProfiles"
        | "appleUserInitiatedProfiles"
        | "brandingProfiles"
        | "termsAndConditions"
        | "autopilotDevices"
        | "apnsCertificate"
        | "vppTokens"
        | "complianceManagementPartners"
        | "deviceManagementPartners"
        | "remoteAssistancePartners" => SERVICE,
        "appProtection"
        | "appConfigManagedApps"
        | "appConfigManagedDevices"
        | "policySets"
        | "mobileApps"
        | "mobileAppCategories" => APPS,
        "scopeTags" | "roleDefinitions" => RBAC,
        "deviceCategories" => "DeviceManagementManagedDevices.ReadWrite.All",
        // Entra's write permission for Conditional Access and what it refers to
        "conditionalAccessPolicies" | "namedLocations" | "authenticationStrengths" => {
            "Policy.ReadWrite.ConditionalAccess"
        }
        "cloudPcProvisioningPolicies" | "cloudPcUserSettings" => "CloudPC.ReadWrite.All",
        _ => CONFIG,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_type_is_either_writable_or_says_why_not() {
        let writable: Vec<_> = POLICY_TYPES
            .iter()
            .chain(FOUNDATION_TYPES)
            .filter(|policy_type| not_restorable(policy_type.key).is_none())
            .map(|policy_type| policy_type.key)
            .collect();
        assert_eq!(writable.len(), 37, "{writable:?}");
        for key in writable {
            assert!(collection(key).is_some(), "{key}");
        }
        assert_eq!(not_restorable("nope"), Some("not a policy type"));
        assert!(not_restorable("mobileApps").is_some_and(|why| why.contains("packages")));
    }

    #[test]
    fn annotations_are_told_from_properties() {
        for annotation in [
            "@odata.context",
            "@odata.etag",
            "@odata.id",
            "settings@odata.navigationLink",
            "assignments@odata.associationLink",
            "assignments@odata.nextLink",
            "@tenantpilot.redacted",
        ] {
            assert!(is_annotation(annotation), "{annotation}");
        }
        for property in ["@odata.type", "displayName", "odata"] {
            assert!(!is_annotation(property), "{property}");
        }
    }

    #[test]
    fn writes_need_the_readwrite_twin_of_the_read_permission() {
        assert_eq!(
            write_role("settingsCatalog"),
            "DeviceManagementConfiguration.ReadWrite.All"
        );
        assert_eq!(
            write_role("enrollmentConfigurations"),
            "DeviceManagementServiceConfig.ReadWrite.All"
        );
        assert_eq!(
            write_role("policySets"),
            "DeviceManagementApps.ReadWrite.All"
        );
        assert_eq!(
            write_role("scopeTags"),
            "DeviceManagementRBAC.ReadWrite.All"
        );
        assert!(server_computed("featureUpdates").contains(&"endOfSupportDate"));
        assert!(server_computed("deviceConfigurations").contains(&"version"));
    }
}
