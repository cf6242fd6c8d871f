//! Per restorable type, what Graph accepts in a write (the shared contract,
//! README "Writes", from GRAPH.md "Writing back" and the beta reference):
//! how an object is named, whether it is updated with `PATCH` or `PUT`, its assign action's
//! body key, which `@odata.type`s the collection holds, which navigation properties may
//! come inline on create, and the type's own read-only properties.

use super::target::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Patch,
    /// `PUT` with the whole object (settings catalog, compliance policies, reusable settings).
    Put,
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub key: &'static str,
    /// `displayName`, or `name` for settings-catalog shaped policies.
    pub name: &'static str,
    pub update: Update,
    /// The assign action's body key (`None`: the type has no assign action).
    pub assign_key: Option<&'static str>,
    /// `@odata.type` names (without `#microsoft.graph.`) the collection holds: exact names,
    /// or for a polymorphic collection the suffix every member's type ends with.
    pub types: Types,
    /// Navigation properties that may come inline on create (and on `PUT`).
    pub inline: &'static [&'static str],
    /// The type's own read-only properties, refused on create and update.
    pub read_only: &'static [&'static str],
    /// Actions besides `assign` the type takes.
    pub actions: &'static [Action],
    /// Whether `POST {c}` creates (intents are created from a template instead).
    pub creatable: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Types {
    /// One entity type; `@odata.type` may be left out.
    Exact(&'static str),
    /// An abstract base: `@odata.type` is required and must end with one of these.
    Suffixes(&'static [&'static str]),
}

impl Types {
    pub fn accepts(self, odata_type: &str) -> bool {
        let Some(name) = odata_type.strip_prefix("#microsoft.graph.") else {
            return false;
        };
        match self {
            Self::Exact(entity) => name == entity,
            Self::Suffixes(suffixes) => suffixes.iter().any(|suffix| name.ends_with(suffix)),
        }
    }

    pub fn polymorphic(self) -> bool {
        matches!(self, Self::Suffixes(_))
    }
}

const fn spec(
    key: &'static str,
    name: &'static str,
    update: Update,
    assign_key: Option<&'static str>,
    types: Types,
) -> Spec {
    Spec {
        key,
        name,
        update,
        assign_key,
        types,
        inline: &[],
        read_only: &[],
        actions: &[],
        creatable: true,
    }
}

const A: Option<&str> = Some("assignments");
const SCRIPT: Option<&str> = Some("deviceManagementScriptAssignments");
const HEALTH: Option<&str> = Some("deviceHealthScriptAssignments");
const UPDATE_DISPLAY: &[&str] = &[
    "deployableContentDisplayName",
    "endOfSupportDate",
    "releaseDateDisplayName",
];
use Types::{Exact, Suffixes};
use Update::{Patch, Put};

/// Every type the simulator accepts writes for: Tier A, then Tier B (intents, Autopilot
/// profiles, enrollment configurations, policy sets).
#[rustfmt::skip]
pub const SPECS: &[Spec] = &[
    spec("deviceConfigurations", "displayName", Patch, A, Suffixes(&["Configuration", "Profile"])),
    Spec { inline: &["settings"], ..spec("settingsCatalog", "name", Put, A, Exact("deviceManagementConfigurationPolicy")) },
    Spec { inline: &["settings"], actions: &[Action::SetScheduledActions], ..spec("compliancePolicies", "name", Put, A, Exact("deviceManagementCompliancePolicy")) },
    Spec { inline: &["scheduledActionsForRule"], actions: &[Action::ScheduleActionsForRules], ..spec("deviceCompliancePolicies", "displayName", Patch, A, Suffixes(&["CompliancePolicy"])) },
    Spec { actions: &[Action::UpdateDefinitionValues], ..spec("administrativeTemplates", "displayName", Patch, A, Exact("groupPolicyConfiguration")) },
    spec("powershellScripts", "displayName", Patch, SCRIPT, Exact("deviceManagementScript")),
    spec("macosShellScripts", "displayName", Patch, SCRIPT, Exact("deviceShellScript")),
    spec("remediations", "displayName", Patch, HEALTH, Exact("deviceHealthScript")),
    spec("complianceScripts", "displayName", Patch, HEALTH, Exact("deviceComplianceScript")),
    Spec { read_only: UPDATE_DISPLAY, ..spec("featureUpdates", "displayName", Patch, A, Exact("windowsFeatureUpdateProfile")) },
    Spec { read_only: UPDATE_DISPLAY, ..spec("qualityUpdates", "displayName", Patch, A, Exact("windowsQualityUpdateProfile")) },
    Spec { read_only: &["newUpdates", "inventorySyncStatus"], ..spec("driverUpdates", "displayName", Patch, A, Exact("windowsDriverUpdateProfile")) },
    spec("appConfigManagedDevices", "displayName", Patch, A, Suffixes(&["AppConfiguration"])),
    Spec { read_only: &["payloads"], ..spec("assignmentFilters", "displayName", Patch, None, Exact("deviceAndAppManagementAssignmentFilter")) },
    spec("scopeTags", "displayName", Patch, A, Exact("roleScopeTag")),
    Spec { actions: &[Action::LocalizedMessage], ..spec("notificationTemplates", "displayName", Patch, None, Exact("notificationMessageTemplate")) },
    spec("reusableSettings", "displayName", Put, None, Exact("deviceManagementReusablePolicySetting")),
    // Tier B
    Spec { actions: &[Action::UpdateSettings], creatable: false, ..spec("endpointSecurityIntents", "displayName", Patch, A, Exact("deviceManagementIntent")) },
    Spec { actions: &[Action::AddAssignment], ..spec("autopilotProfiles", "displayName", Patch, None, Suffixes(&["WindowsAutopilotDeploymentProfile"])) },
    Spec { actions: &[Action::SetPriority], ..spec("enrollmentConfigurations", "displayName", Patch, Some("enrollmentConfigurationAssignments"), Suffixes(&["Configuration"])) },
    Spec { inline: &["items"], actions: &[Action::UpdatePolicySet], ..spec("policySets", "displayName", Patch, None, Exact("policySet")) },
    // foundations and the further Intune types (README "Writes"; beta reference pages)
    spec("deviceCategories", "displayName", Patch, None, Exact("deviceCategory")),
    spec("admxFiles", "displayName", Patch, None, Exact("groupPolicyUploadedDefinitionFile")),
    // custom roles; their assignments are objects of their own (routes/write/roles.rs)
    spec("roleDefinitions", "displayName", Patch, None, Exact("deviceAndAppManagementRoleDefinition")),
    spec("mobileAppCategories", "displayName", Patch, None, Exact("mobileAppCategory")),
    Spec { read_only: &["modifiedDateTime"], ..spec("namedLocations", "displayName", Patch, None, Suffixes(&["NamedLocation"])) },
    // app protection is created in its typed collection (iosManagedAppProtections, ...) and
    // targeted and assigned on managedAppPolicies; WIP policies are not written
    Spec { read_only: &["deployedAppCount"], actions: &[Action::TargetApps], ..spec("appProtection", "displayName", Patch, A, Suffixes(&["ManagedAppProtection"])) },
    Spec { read_only: &["deployedAppCount"], actions: &[Action::TargetApps], ..spec("appConfigManagedApps", "displayName", Patch, A, Exact("targetedManagedAppConfiguration")) },
    Spec { read_only: &["modifiedDateTime", "policyType", "requirementsSatisfied"], actions: &[Action::UpdateAllowedCombinations], ..spec("authenticationStrengths", "displayName", Patch, None, Exact("authenticationStrengthPolicy")) },
    Spec { read_only: &["modifiedDateTime", "deletedDateTime"], ..spec("conditionalAccessPolicies", "displayName", Patch, None, Exact("conditionalAccessPolicy")) },
    Spec { read_only: &["modifiedDateTime"], actions: &[Action::AddAssignment], ..spec("termsAndConditions", "displayName", Patch, None, Exact("termsAndConditions")) },
    spec("macosCustomAttributes", "displayName", Patch, SCRIPT, Exact("deviceCustomAttributeShellScript")),
    spec("hardwareConfigurations", "displayName", Patch, Some("hardwareConfigurationAssignments"), Exact("hardwareConfiguration")),
    spec("brandingProfiles", "displayName", Patch, A, Exact("intuneBrandingProfile")),
    Spec { read_only: &["alternateResourceUrl", "cloudPcGroupDisplayName", "gracePeriodInHours", "managedBy"], ..spec("cloudPcProvisioningPolicies", "displayName", Patch, A, Exact("cloudPcProvisioningPolicy")) },
    spec("cloudPcUserSettings", "displayName", Patch, A, Exact("cloudPcUserSetting")),
    Spec { actions: &[Action::AddAssignment], ..spec("appleUserInitiatedProfiles", "displayName", Patch, None, Exact("appleUserInitiatedEnrollmentProfile")) },
];

pub fn of(key: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| spec.key == key)
}

impl Spec {
    pub fn takes(&self, action: Action) -> bool {
        match action {
            Action::Assign => self.assign_key.is_some(),
            other => self.actions.contains(&other),
        }
    }
}

/// Properties no write may carry (server-computed, read-only), for every type.
pub const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "version",
    "supportsScopeTags",
    "isAssigned",
    "settingCount",
    "creationSource",
    "@odata.context",
    "@odata.id",
    "@odata.etag",
];

/// Whether `property` is read-only for a write to `spec`'s type (annotations included):
/// enrollment configurations get their `priority` from `setPriority` after the create, a
/// filter's `platform` is fixed once created.
pub fn read_only(spec: &Spec, property: &str, create: bool) -> bool {
    READ_ONLY.contains(&property)
        || spec.read_only.contains(&property)
        || (create && spec.key == "enrollmentConfigurations" && property == "priority")
        || (!create && spec.key == "assignmentFilters" && property == "platform")
        || property.ends_with("@odata.navigationLink")
        || property.ends_with("@odata.associationLink")
}
