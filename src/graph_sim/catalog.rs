//! The simulator's view of the catalog: for every policy type and foundation, where Graph
//! serves it, which `$expand`s and sub-resources Graph accepts there, the permission it
//! needs and how it pages. Keys and paths are the ones in `domain::policy_types`.

/// How a type's assignments can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentAccess {
    /// `GET /{id}/assignments` and `GET /{id}?$expand=assignments`.
    Readable,
    /// Only `GET /{id}?$expand=assignments`; `/{id}/assignments` answers 400 (macOS shell
    /// scripts, Graph's real behaviour).
    ExpandOnly,
    /// No assignments to read (most foundations).
    None,
}

/// A navigation below one object that Graph serves as a paged collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Child {
    Settings,
    DefinitionValues,
    Apps,
    Items,
    ScheduledActionsForRule,
    LocalizedNotificationMessages,
    /// `mobileApps/{id}/categories`
    Categories,
    /// `roleDefinitions/{id}/roleAssignments`
    RoleAssignments,
    /// `depOnboardingSettings/{id}/enrollmentProfiles`
    EnrollmentProfiles,
    /// A driver update profile's drivers (`windowsDriverUpdateInventory`).
    DriverInventories,
    /// A Windows Information Protection policy's AppLocker files.
    ProtectedAppLockerFiles,
    ExemptAppLockerFiles,
}

impl Child {
    pub fn segment(self) -> &'static str {
        match self {
            Self::Settings => "settings",
            Self::DefinitionValues => "definitionValues",
            Self::Apps => "apps",
            Self::Items => "items",
            Self::ScheduledActionsForRule => "scheduledActionsForRule",
            Self::LocalizedNotificationMessages => "localizedNotificationMessages",
            Self::Categories => "categories",
            Self::RoleAssignments => "roleAssignments",
            Self::EnrollmentProfiles => "enrollmentProfiles",
            Self::DriverInventories => "driverInventories",
            Self::ProtectedAppLockerFiles => "protectedAppLockerFiles",
            Self::ExemptAppLockerFiles => "exemptAppLockerFiles",
        }
    }

    pub fn from_segment(segment: &str) -> Option<Self> {
        [
            Self::Settings,
            Self::DefinitionValues,
            Self::Apps,
            Self::Items,
            Self::ScheduledActionsForRule,
            Self::LocalizedNotificationMessages,
            Self::Categories,
            Self::RoleAssignments,
            Self::EnrollmentProfiles,
            Self::DriverInventories,
            Self::ProtectedAppLockerFiles,
            Self::ExemptAppLockerFiles,
        ]
        .into_iter()
        .find(|child| child.segment() == segment)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimCollection {
    /// The catalog key (`settingsCatalog`, `scopeTags`, ...).
    pub key: &'static str,
    /// `deviceManagement`, `deviceAppManagement` or `identity`.
    pub area: &'static str,
    /// The path below the area: one segment, or several (`conditionalAccess/policies`).
    pub segment: &'static str,
    /// The Graph entity type, for error messages and `@odata.type` of plain collections.
    pub entity: &'static str,
    /// `$expand` names Graph accepts on the list.
    pub list_expand: &'static [&'static str],
    /// `$expand` names Graph accepts on `GET /{id}`.
    pub detail_expand: &'static [&'static str],
    pub children: &'static [Child],
    pub assignments: AssignmentAccess,
    /// The permission family (`DeviceManagementApps` for `.Read.All` / `.ReadWrite.All`).
    pub permission: &'static str,
    /// Graph's page size for the list.
    pub page_size: usize,
    pub foundation: bool,
    /// One object at the path itself (`/deviceManagement/settings`), not a collection.
    pub singleton: bool,
}

const CONFIG: &str = "DeviceManagementConfiguration";
const SERVICE: &str = "DeviceManagementServiceConfig";
const APPS: &str = "DeviceManagementApps";
const RBAC: &str = "DeviceManagementRBAC";
const DEVICES: &str = "DeviceManagementManagedDevices";
/// Entra policies (Conditional Access): `Policy.Read.All`.
const POLICY: &str = "Policy";
const CLOUD_PC: &str = "CloudPC";

use AssignmentAccess::{ExpandOnly, Readable};
use Child::*;

#[allow(clippy::too_many_arguments)]
const fn entry(
    key: &'static str,
    area: &'static str,
    segment: &'static str,
    entity: &'static str,
    list_expand: &'static [&'static str],
    detail_expand: &'static [&'static str],
    children: &'static [Child],
    assignments: AssignmentAccess,
    permission: &'static str,
    page_size: usize,
    foundation: bool,
) -> SimCollection {
    SimCollection {
        key,
        area,
        segment,
        entity,
        list_expand,
        detail_expand,
        children,
        assignments,
        permission,
        page_size,
        foundation,
        singleton: false,
    }
}

/// A navigation property holding one object (served at the path, no id segment).
const fn singleton(mut collection: SimCollection) -> SimCollection {
    collection.singleton = true;
    collection
}

const DM: &str = "deviceManagement";
const DAM: &str = "deviceAppManagement";
const ID: &str = "identity";
const A: &[&str] = &["assignments"];
const NONE: &[&str] = &[];

/// Every collection the simulator serves, policy types first, then foundations.
/// Columns: key, area, segment, entity, list `$expand`s, detail `$expand`s, children,
/// assignments, permission, page size, foundation.
#[rustfmt::skip]
pub const COLLECTIONS: &[SimCollection] = &[
    entry("deviceConfigurations", DM, "deviceConfigurations", "deviceConfiguration", A, A, &[], Readable, CONFIG, 100, false),
    entry("settingsCatalog", DM, "configurationPolicies", "deviceManagementConfigurationPolicy", NONE, &["assignments", "settings"], &[Settings], Readable, CONFIG, 25, false),
    entry("deviceCompliancePolicies", DM, "deviceCompliancePolicies", "deviceCompliancePolicy", &["assignments", "scheduledActionsForRule"], &["assignments", "scheduledActionsForRule"], &[ScheduledActionsForRule], Readable, CONFIG, 100, false),
    entry("compliancePolicies", DM, "compliancePolicies", "deviceManagementCompliancePolicy", NONE, &["assignments", "settings", "scheduledActionsForRule"], &[Settings, ScheduledActionsForRule], Readable, CONFIG, 25, false),
    entry("administrativeTemplates", DM, "groupPolicyConfigurations", "groupPolicyConfiguration", A, &["assignments", "definitionValues"], &[DefinitionValues], Readable, CONFIG, 100, false),
    entry("endpointSecurityIntents", DM, "intents", "deviceManagementIntent", NONE, &["assignments", "settings"], &[Settings], Readable, CONFIG, 100, false),
    entry("powershellScripts", DM, "deviceManagementScripts", "deviceManagementScript", NONE, A, &[], Readable, CONFIG, 100, false),
    entry("macosShellScripts", DM, "deviceShellScripts", "deviceShellScript", NONE, A, &[], ExpandOnly, CONFIG, 100, false),
    entry("remediations", DM, "deviceHealthScripts", "deviceHealthScript", NONE, A, &[], Readable, CONFIG, 100, false),
    entry("autopilotProfiles", DM, "windowsAutopilotDeploymentProfiles", "windowsAutopilotDeploymentProfile", NONE, A, &[], Readable, SERVICE, 100, false),
    entry("enrollmentConfigurations", DM, "deviceEnrollmentConfigurations", "deviceEnrollmentConfiguration", NONE, A, &[], Readable, SERVICE, 100, false),
    entry("featureUpdates", DM, "windowsFeatureUpdateProfiles", "windowsFeatureUpdateProfile", NONE, A, &[], Readable, CONFIG, 100, false),
    entry("qualityUpdates", DM, "windowsQualityUpdateProfiles", "windowsQualityUpdateProfile", NONE, A, &[], Readable, CONFIG, 100, false),
    // beta windowsDriverUpdateProfile: `driverInventories` (intune-softwareupdate-windowsdriverupdateinventory-list)
    entry("driverUpdates", DM, "windowsDriverUpdateProfiles", "windowsDriverUpdateProfile", NONE, A, &[DriverInventories], Readable, CONFIG, 100, false),
    entry("appProtection", DAM, "managedAppPolicies", "managedAppPolicy", NONE, NONE, &[], AssignmentAccess::None, APPS, 100, false),
    entry("appConfigManagedApps", DAM, "targetedManagedAppConfigurations", "targetedManagedAppConfiguration", NONE, &["apps", "assignments"], &[Apps], Readable, APPS, 100, false),
    entry("appConfigManagedDevices", DAM, "mobileAppConfigurations", "managedDeviceMobileAppConfiguration", A, A, &[], Readable, APPS, 100, false),
    // beta policySet: `assignments` and `items` per object (intune-policyset-policysetassignment-list,
    // intune-policyset-policysetitem-list); `$expand` on the list answers 400 (GRAPH.md)
    entry("policySets", DAM, "policySets", "policySet", NONE, &["assignments", "items"], &[Items], Readable, APPS, 100, false),
    entry("assignmentFilters", DM, "assignmentFilters", "deviceAndAppManagementAssignmentFilter", NONE, NONE, &[], AssignmentAccess::None, CONFIG, 100, true),
    // beta roleScopeTag: `assignments` are roleScopeTagAutoAssignments (intune-rbac-rolescopetagautoassignment-list)
    entry("scopeTags", DM, "roleScopeTags", "roleScopeTag", NONE, A, &[], Readable, RBAC, 100, true),
    entry("notificationTemplates", DM, "notificationMessageTemplates", "notificationMessageTemplate", &["localizedNotificationMessages"], &["localizedNotificationMessages"], &[LocalizedNotificationMessages], AssignmentAccess::None, CONFIG, 100, true),
    entry("reusableSettings", DM, "reusablePolicySettings", "deviceManagementReusablePolicySetting", NONE, NONE, &[], AssignmentAccess::None, CONFIG, 25, true),
    entry("complianceScripts", DM, "deviceComplianceScripts", "deviceComplianceScript", NONE, A, &[], Readable, CONFIG, 100, true),
    // Coverage of the established tools; each entity's page is cited in its content module.
    // mobileApps: "Listing mobile apps with $expand=assignments has been deprecated", so the
    // list takes no $expand (api-reference/beta/resources/intune-apps-mobileapp.md).
    entry("mobileApps", DAM, "mobileApps", "mobileApp", NONE, &["assignments", "categories"], &[Categories], Readable, APPS, 100, false),
    entry("conditionalAccessPolicies", ID, "conditionalAccess/policies", "conditionalAccessPolicy", NONE, NONE, &[], AssignmentAccess::None, POLICY, 100, false),
    entry("roleDefinitions", DM, "roleDefinitions", "deviceAndAppManagementRoleDefinition", NONE, &["roleAssignments"], &[RoleAssignments], AssignmentAccess::None, RBAC, 100, false),
    entry("depEnrollmentProfiles", DM, "depOnboardingSettings", "depOnboardingSetting", NONE, NONE, &[EnrollmentProfiles], AssignmentAccess::None, SERVICE, 100, false),
    entry("appleUserInitiatedProfiles", DM, "appleUserInitiatedEnrollmentProfiles", "appleUserInitiatedEnrollmentProfile", NONE, A, &[], Readable, SERVICE, 100, false),
    entry("macosCustomAttributes", DM, "deviceCustomAttributeShellScripts", "deviceCustomAttributeShellScript", A, A, &[], Readable, CONFIG, 100, false),
    entry("brandingProfiles", DM, "intuneBrandingProfiles", "intuneBrandingProfile", NONE, A, &[], Readable, SERVICE, 100, false),
    entry("termsAndConditions", DM, "termsAndConditions", "termsAndConditions", NONE, A, &[], Readable, SERVICE, 100, false),
    entry("hardwareConfigurations", DM, "hardwareConfigurations", "hardwareConfiguration", NONE, A, &[], Readable, CONFIG, 100, false),
    entry("inventoryPolicies", DM, "inventoryPolicies", "deviceManagementInventoryPolicy", NONE, &["assignments", "settings"], &[Settings], Readable, CONFIG, 25, false),
    // Cloud PC assignments are "returned only on $expand" (api-reference/beta/resources/cloudpcprovisioningpolicy.md)
    entry("cloudPcProvisioningPolicies", DM, "virtualEndpoint/provisioningPolicies", "cloudPcProvisioningPolicy", A, A, &[], ExpandOnly, CLOUD_PC, 100, false),
    entry("cloudPcUserSettings", DM, "virtualEndpoint/userSettings", "cloudPcUserSetting", A, A, &[], ExpandOnly, CLOUD_PC, 100, false),
    entry("autopilotDevices", DM, "windowsAutopilotDeviceIdentities", "windowsAutopilotDeviceIdentity", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, false),
    entry("mobileAppCategories", DAM, "mobileAppCategories", "mobileAppCategory", NONE, NONE, &[], AssignmentAccess::None, APPS, 100, true),
    entry("namedLocations", ID, "conditionalAccess/namedLocations", "namedLocation", NONE, NONE, &[], AssignmentAccess::None, POLICY, 100, true),
    entry("authenticationStrengths", ID, "conditionalAccess/authenticationStrengths/policies", "authenticationStrengthPolicy", NONE, NONE, &[], AssignmentAccess::None, POLICY, 100, true),
    entry("deviceCategories", DM, "deviceCategories", "deviceCategory", NONE, NONE, &[], AssignmentAccess::None, DEVICES, 100, true),
    entry("admxFiles", DM, "groupPolicyUploadedDefinitionFiles", "groupPolicyUploadedDefinitionFile", NONE, NONE, &[], AssignmentAccess::None, CONFIG, 100, true),
    singleton(entry("tenantSettings", DM, "settings", "deviceManagementSettings", NONE, NONE, &[], AssignmentAccess::None, CONFIG, 100, true)),
    singleton(entry("apnsCertificate", DM, "applePushNotificationCertificate", "applePushNotificationCertificate", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, true)),
    entry("vppTokens", DAM, "vppTokens", "vppToken", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, true),
    singleton(entry("managedGooglePlay", DM, "androidManagedStoreAccountEnterpriseSettings", "androidManagedStoreAccountEnterpriseSettings", NONE, NONE, &[], AssignmentAccess::None, CONFIG, 100, true)),
    entry("complianceManagementPartners", DM, "complianceManagementPartners", "complianceManagementPartner", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, true),
    entry("deviceManagementPartners", DM, "deviceManagementPartners", "deviceManagementPartner", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, true),
    entry("remoteAssistancePartners", DM, "remoteAssistancePartners", "remoteAssistancePartner", NONE, NONE, &[], AssignmentAccess::None, SERVICE, 100, true),
];

/// The typed app-protection collections: views of `appProtection` filtered by
/// `@odata.type`, where the full object is read with `?$expand=apps,assignments`.
pub const APP_PROTECTION_VIEWS: &[(&str, &str)] = &[
    (
        "iosManagedAppProtections",
        "#microsoft.graph.iosManagedAppProtection",
    ),
    (
        "androidManagedAppProtections",
        "#microsoft.graph.androidManagedAppProtection",
    ),
    (
        "windowsManagedAppProtections",
        "#microsoft.graph.windowsManagedAppProtection",
    ),
];

/// What the typed views accept (the mixed list accepts none of it).
pub const APP_PROTECTION_VIEW: SimCollection = entry(
    "appProtection",
    DAM,
    "managedAppProtections",
    "targetedManagedAppProtection",
    &["apps", "assignments"],
    &["apps", "assignments"],
    &[Apps],
    Readable,
    APPS,
    100,
    false,
);

/// The typed Windows Information Protection collections, also views of `appProtection`
/// (`managedAppPolicies` lists them): beta `windowsInformationProtectionPolicy` and
/// `mdmWindowsInformationProtectionPolicy`, with `assignments`, `protectedAppLockerFiles`
/// and `exemptAppLockerFiles` (intune-mam-windowsinformationprotectionpolicy-get,
/// intune-mam-windowsinformationprotectionapplockerfile-list).
pub const WIP_VIEWS: &[(&str, &str)] = &[
    (
        "windowsInformationProtectionPolicies",
        "#microsoft.graph.windowsInformationProtectionPolicy",
    ),
    (
        "mdmWindowsInformationProtectionPolicies",
        "#microsoft.graph.mdmWindowsInformationProtectionPolicy",
    ),
];

/// What the typed WIP views accept.
pub const WIP_VIEW: SimCollection = entry(
    "appProtection",
    DAM,
    "windowsInformationProtectionPolicies",
    "windowsInformationProtectionPolicy",
    NONE,
    &[
        "assignments",
        "protectedAppLockerFiles",
        "exemptAppLockerFiles",
    ],
    &[ProtectedAppLockerFiles, ExemptAppLockerFiles],
    Readable,
    APPS,
    100,
    false,
);

/// A collection found from a URL: the collection and, for a typed app-protection view,
/// the `@odata.type` it shows.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    pub collection: SimCollection,
    pub segment: &'static str,
    pub only_type: Option<&'static str>,
}

/// The collection a path's segments start with (its area and one or more segments), and
/// how many segments that took; the longest match wins.
pub fn locate_path(segments: &[&str]) -> Option<(Located, usize)> {
    let (area, rest) = segments.split_first()?;
    let nested = COLLECTIONS
        .iter()
        .filter(|c| c.area == *area && c.segment.contains('/'))
        .filter_map(|c| {
            let depth = c.segment.split('/').count();
            (rest.len() >= depth && rest[..depth].join("/") == c.segment).then_some((c, depth))
        })
        .max_by_key(|(_, depth)| *depth);
    if let Some((collection, depth)) = nested {
        let located = Located {
            collection: *collection,
            segment: collection.segment,
            only_type: None,
        };
        return Some((located, depth + 1));
    }
    locate(area, rest.first()?).map(|located| (located, 2))
}

pub fn locate(area: &str, segment: &str) -> Option<Located> {
    if let Some(collection) = COLLECTIONS
        .iter()
        .find(|c| c.area == area && c.segment == segment)
    {
        return Some(Located {
            collection: *collection,
            segment: collection.segment,
            only_type: None,
        });
    }
    let views = APP_PROTECTION_VIEWS
        .iter()
        .map(|view| (view, APP_PROTECTION_VIEW))
        .chain(WIP_VIEWS.iter().map(|view| (view, WIP_VIEW)));
    for ((view, odata_type), collection) in views {
        if area == DAM && *view == segment {
            return Some(Located {
                collection,
                segment: view,
                only_type: Some(odata_type),
            });
        }
    }
    None
}

pub fn by_key(key: &str) -> Option<&'static SimCollection> {
    COLLECTIONS.iter().find(|c| c.key == key)
}

/// Whether the type is one object at its path (`/deviceManagement/settings`), not a list.
pub fn is_singleton(key: &str) -> bool {
    by_key(key).is_some_and(|c| c.singleton)
}

/// Whether every catalog entry of the service has a simulated collection at the same path
/// (checked by a test, so the two lists cannot drift apart).
#[cfg(test)]
fn covers_the_service_catalog() -> bool {
    use crate::domain::policy_types::{PolicyCategory, FOUNDATION_TYPES, POLICY_TYPES};
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .all(|policy_type| {
            by_key(policy_type.key).is_some_and(|c| {
                format!("/{}/{}", c.area, c.segment) == policy_type.graph_path
                    && c.foundation == (policy_type.category == PolicyCategory::Foundation)
            })
        })
        && COLLECTIONS.len() == POLICY_TYPES.len() + FOUNDATION_TYPES.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_type_and_foundation_is_simulated_at_its_path() {
        assert!(covers_the_service_catalog());
    }

    #[test]
    fn typed_app_protection_views_are_found() {
        let located = locate("deviceAppManagement", "iosManagedAppProtections").unwrap();
        assert_eq!(located.collection.key, "appProtection");
        assert_eq!(
            located.only_type,
            Some("#microsoft.graph.iosManagedAppProtection")
        );
        assert!(locate("deviceManagement", "nothingHere").is_none());
    }
}
