//! The policy-type catalog: the keys a schedule's `policy_types` may name, with the Graph
//! (beta) collection each is read from. Foundations are backed up with `include_foundations`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCategory {
    Configuration,
    Compliance,
    Scripts,
    Enrollment,
    Updates,
    Apps,
    /// Entra Conditional Access (not Intune: `Policy.Read.All`).
    ConditionalAccess,
    /// Windows 365 Cloud PC policies (`CloudPC.Read.All`).
    Windows365,
    /// Intune's own administration: roles, branding, terms.
    TenantAdministration,
    Foundation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PolicyType {
    pub key: &'static str,
    pub display_name: &'static str,
    pub category: PolicyCategory,
    /// The Graph beta collection the type is listed from.
    pub graph_path: &'static str,
}

const fn policy(
    key: &'static str,
    display_name: &'static str,
    category: PolicyCategory,
    graph_path: &'static str,
) -> PolicyType {
    PolicyType {
        key,
        display_name,
        category,
        graph_path,
    }
}

use PolicyCategory::*;

/// The types a schedule can select, in the order the API lists them.
pub const POLICY_TYPES: &[PolicyType] = &[
    policy(
        "deviceConfigurations",
        "Device configurations",
        Configuration,
        "/deviceManagement/deviceConfigurations",
    ),
    policy(
        "settingsCatalog",
        "Settings catalog policies",
        Configuration,
        "/deviceManagement/configurationPolicies",
    ),
    policy(
        "deviceCompliancePolicies",
        "Device compliance policies",
        Compliance,
        "/deviceManagement/deviceCompliancePolicies",
    ),
    policy(
        "compliancePolicies",
        "Settings catalog compliance policies",
        Compliance,
        "/deviceManagement/compliancePolicies",
    ),
    policy(
        "administrativeTemplates",
        "Administrative templates",
        Configuration,
        "/deviceManagement/groupPolicyConfigurations",
    ),
    policy(
        "endpointSecurityIntents",
        "Endpoint security (intents)",
        Configuration,
        "/deviceManagement/intents",
    ),
    policy(
        "powershellScripts",
        "PowerShell scripts",
        Scripts,
        "/deviceManagement/deviceManagementScripts",
    ),
    policy(
        "macosShellScripts",
        "macOS shell scripts",
        Scripts,
        "/deviceManagement/deviceShellScripts",
    ),
    policy(
        "remediations",
        "Remediations",
        Scripts,
        "/deviceManagement/deviceHealthScripts",
    ),
    policy(
        "autopilotProfiles",
        "Autopilot deployment profiles",
        Enrollment,
        "/deviceManagement/windowsAutopilotDeploymentProfiles",
    ),
    policy(
        "enrollmentConfigurations",
        "Enrollment configurations",
        Enrollment,
        "/deviceManagement/deviceEnrollmentConfigurations",
    ),
    policy(
        "featureUpdates",
        "Feature update profiles",
        Updates,
        "/deviceManagement/windowsFeatureUpdateProfiles",
    ),
    policy(
        "qualityUpdates",
        "Quality update profiles",
        Updates,
        "/deviceManagement/windowsQualityUpdateProfiles",
    ),
    policy(
        "driverUpdates",
        "Driver update profiles",
        Updates,
        "/deviceManagement/windowsDriverUpdateProfiles",
    ),
    policy(
        "appProtection",
        "App protection policies",
        Apps,
        "/deviceAppManagement/managedAppPolicies",
    ),
    policy(
        "appConfigManagedApps",
        "App configuration (managed apps)",
        Apps,
        "/deviceAppManagement/targetedManagedAppConfigurations",
    ),
    policy(
        "appConfigManagedDevices",
        "App configuration (managed devices)",
        Apps,
        "/deviceAppManagement/mobileAppConfigurations",
    ),
    policy(
        "policySets",
        "Policy sets",
        Apps,
        "/deviceAppManagement/policySets",
    ),
    // Coverage of the established tools (README "What a backup holds"): selectable, because
    // each is something an administrator authors and may want to restore on its own.
    policy(
        "mobileApps",
        "Apps (metadata and assignments, no binaries)",
        Apps,
        "/deviceAppManagement/mobileApps",
    ),
    policy(
        "conditionalAccessPolicies",
        "Conditional Access policies",
        ConditionalAccess,
        "/identity/conditionalAccess/policies",
    ),
    policy(
        "roleDefinitions",
        "Intune custom roles (with their assignments)",
        TenantAdministration,
        "/deviceManagement/roleDefinitions",
    ),
    policy(
        "depEnrollmentProfiles",
        "Apple automated device enrollment (DEP) profiles",
        Enrollment,
        "/deviceManagement/depOnboardingSettings",
    ),
    policy(
        "appleUserInitiatedProfiles",
        "Apple user-initiated enrollment profiles",
        Enrollment,
        "/deviceManagement/appleUserInitiatedEnrollmentProfiles",
    ),
    policy(
        "macosCustomAttributes",
        "macOS custom attribute scripts",
        Scripts,
        "/deviceManagement/deviceCustomAttributeShellScripts",
    ),
    policy(
        "brandingProfiles",
        "Company Portal branding profiles",
        TenantAdministration,
        "/deviceManagement/intuneBrandingProfiles",
    ),
    policy(
        "termsAndConditions",
        "Terms and conditions",
        TenantAdministration,
        "/deviceManagement/termsAndConditions",
    ),
    policy(
        "hardwareConfigurations",
        "BIOS configurations",
        Configuration,
        "/deviceManagement/hardwareConfigurations",
    ),
    policy(
        "inventoryPolicies",
        "Properties catalog (device inventory) policies",
        Configuration,
        "/deviceManagement/inventoryPolicies",
    ),
    policy(
        "cloudPcProvisioningPolicies",
        "Windows 365 provisioning policies",
        Windows365,
        "/deviceManagement/virtualEndpoint/provisioningPolicies",
    ),
    policy(
        "cloudPcUserSettings",
        "Windows 365 user settings",
        Windows365,
        "/deviceManagement/virtualEndpoint/userSettings",
    ),
    policy(
        "autopilotDevices",
        "Windows Autopilot device identities",
        Enrollment,
        "/deviceManagement/windowsAutopilotDeviceIdentities",
    ),
];

/// Objects policies refer to, backed up when a schedule sets `include_foundations`.
pub const FOUNDATION_TYPES: &[PolicyType] = &[
    policy(
        "assignmentFilters",
        "Assignment filters",
        Foundation,
        "/deviceManagement/assignmentFilters",
    ),
    policy(
        "scopeTags",
        "Scope tags",
        Foundation,
        "/deviceManagement/roleScopeTags",
    ),
    policy(
        "notificationTemplates",
        "Notification message templates",
        Foundation,
        "/deviceManagement/notificationMessageTemplates",
    ),
    policy(
        "reusableSettings",
        "Reusable policy settings",
        Foundation,
        "/deviceManagement/reusablePolicySettings",
    ),
    policy(
        "complianceScripts",
        "Compliance scripts",
        Foundation,
        "/deviceManagement/deviceComplianceScripts",
    ),
    // What other objects refer to or stand on (restored first): app categories (apps),
    // named locations and authentication strengths (Conditional Access), device categories,
    // uploaded ADMX files (administrative templates built on them), the tenant-wide
    // settings, the connectors (metadata only) and the partner integrations.
    policy(
        "mobileAppCategories",
        "App categories",
        Foundation,
        "/deviceAppManagement/mobileAppCategories",
    ),
    policy(
        "namedLocations",
        "Conditional Access named locations",
        Foundation,
        "/identity/conditionalAccess/namedLocations",
    ),
    policy(
        "authenticationStrengths",
        "Conditional Access authentication strengths",
        Foundation,
        "/identity/conditionalAccess/authenticationStrengths/policies",
    ),
    policy(
        "deviceCategories",
        "Device categories",
        Foundation,
        "/deviceManagement/deviceCategories",
    ),
    policy(
        "admxFiles",
        "Uploaded ADMX files",
        Foundation,
        "/deviceManagement/groupPolicyUploadedDefinitionFiles",
    ),
    policy(
        "tenantSettings",
        "Tenant-wide device management settings",
        Foundation,
        "/deviceManagement/settings",
    ),
    policy(
        "apnsCertificate",
        "Apple push notification certificate (metadata)",
        Foundation,
        "/deviceManagement/applePushNotificationCertificate",
    ),
    policy(
        "vppTokens",
        "Apple VPP tokens (metadata)",
        Foundation,
        "/deviceAppManagement/vppTokens",
    ),
    policy(
        "managedGooglePlay",
        "Managed Google Play binding (metadata)",
        Foundation,
        "/deviceManagement/androidManagedStoreAccountEnterpriseSettings",
    ),
    policy(
        "complianceManagementPartners",
        "Compliance management partners",
        Foundation,
        "/deviceManagement/complianceManagementPartners",
    ),
    policy(
        "deviceManagementPartners",
        "Device management partners",
        Foundation,
        "/deviceManagement/deviceManagementPartners",
    ),
    policy(
        "remoteAssistancePartners",
        "Remote assistance partners",
        Foundation,
        "/deviceManagement/remoteAssistancePartners",
    ),
];

/// The catalog entry for a selectable key (foundations are not selectable).
pub fn find(key: &str) -> Option<&'static PolicyType> {
    POLICY_TYPES
        .iter()
        .find(|policy_type| policy_type.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_across_policies_and_foundations() {
        let keys: Vec<_> = POLICY_TYPES
            .iter()
            .chain(FOUNDATION_TYPES)
            .map(|policy_type| policy_type.key)
            .collect();
        let unique: HashSet<_> = keys.iter().collect();
        assert_eq!(keys.len(), unique.len());
    }

    #[test]
    fn lookup_is_exact_and_excludes_foundations() {
        assert!(find("settingsCatalog").is_some());
        assert!(find("settingscatalog").is_none());
        assert!(find("scopeTags").is_none());
    }
}
