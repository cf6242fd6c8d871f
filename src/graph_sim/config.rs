//! The simulator's configuration: its tenants, their credentials, how many objects of each
//! type they hold, page sizes, token lifetime, roles and faults. Read from JSON
//! (`examples/graph-sim.json` documents it) or built in process.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::catalog::{self, COLLECTIONS};
use super::faults::Fault;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    pub tenants: Vec<TenantConfig>,
    /// actix worker threads.
    #[serde(default = "default_workers")]
    pub workers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The Entra tenant id the login URL and the token's `tid` use.
    pub azure_tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Objects per policy type (catalog keys); types left out have none.
    #[serde(default)]
    pub counts: BTreeMap<String, usize>,
    /// Objects per foundation (`scopeTags` counts custom tags: Default is always there).
    #[serde(default)]
    pub foundations: BTreeMap<String, usize>,
    /// Settings per settings-catalog policy (compliance policies and intents derive theirs).
    #[serde(default = "default_settings")]
    pub settings_per_policy: usize,
    /// `definitionValues` per administrative template.
    #[serde(default = "default_definition_values")]
    pub definition_values_per_policy: usize,
    /// Page size overrides: a catalog key for its list, or `settings`,
    /// `definitionValues`, `presentationValues`, `assignments` for those levels.
    #[serde(default)]
    pub page_sizes: BTreeMap<String, usize>,
    /// The most a `$top` gets per level (the same keys as `page_sizes`); a larger `$top` is
    /// capped to it. Default 999 everywhere: Intune's reference pages document no maximum
    /// of their own (README "Graph simulator", `$top`).
    #[serde(default)]
    pub max_tops: BTreeMap<String, usize>,
    #[serde(default = "default_lifetime")]
    pub token_lifetime_secs: u64,
    /// Application permissions granted (the token's `roles`); a type whose permission is
    /// missing answers 403.
    #[serde(default = "default_roles")]
    pub roles: Vec<String>,
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Display names of the tenant's Entra groups by position, where they differ from the
    /// names every tenant shares (a name no other group has, or another group's name: a
    /// restore that matches groups by name then finds none, or several).
    #[serde(default)]
    pub group_names: BTreeMap<usize, String>,
}

/// Child levels whose page size can be set.
pub const CHILD_PAGES: &[(&str, usize)] = &[
    ("settings", 25),
    ("definitionValues", 25),
    ("presentationValues", 25),
    ("assignments", 100),
];

fn default_workers() -> usize {
    2
}
fn default_settings() -> usize {
    60
}
fn default_definition_values() -> usize {
    30
}
fn default_lifetime() -> u64 {
    3599
}

/// Read access to every area the catalog needs, and the ReadWrite permission Graph requires
/// to reveal encrypted OMA-URI values (`getOmaSettingPlainTextValue`).
pub fn default_roles() -> Vec<String> {
    [
        "DeviceManagementConfiguration.Read.All",
        "DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementApps.Read.All",
        "DeviceManagementServiceConfig.Read.All",
        "DeviceManagementRBAC.Read.All",
        "DeviceManagementManagedDevices.Read.All",
        // Conditional Access and Windows 365 (not Intune permissions)
        "Policy.Read.All",
        "CloudPC.Read.All",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The write permissions a restore needs for every restorable type (the `.ReadWrite.All`
/// twins of the read permissions, and Conditional Access's own; a ReadWrite role also
/// satisfies reads). Not part of the default `roles`: a backup's app registration reads
/// only.
pub fn write_roles() -> Vec<String> {
    [
        "DeviceManagementConfiguration.ReadWrite.All",
        "DeviceManagementApps.ReadWrite.All",
        "DeviceManagementServiceConfig.ReadWrite.All",
        "DeviceManagementRBAC.ReadWrite.All",
        "DeviceManagementManagedDevices.ReadWrite.All",
        "Policy.ReadWrite.ConditionalAccess",
        "CloudPC.ReadWrite.All",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[derive(Debug, thiserror::Error)]
pub enum SimConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid simulator configuration: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid simulator configuration: {0}")]
    Invalid(String),
}

impl SimConfig {
    pub fn from_json(text: &str) -> Result<Self, SimConfigError> {
        let config: Self = serde_json::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Self, SimConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    pub fn validate(&self) -> Result<(), SimConfigError> {
        let invalid = |message: String| Err(SimConfigError::Invalid(message));
        if self.tenants.is_empty() {
            return invalid("no tenants".into());
        }
        if self.workers == 0 {
            return invalid("workers must be at least 1".into());
        }
        let mut seen = HashSet::new();
        for tenant in &self.tenants {
            let id = &tenant.azure_tenant_id;
            if !seen.insert(id.to_ascii_lowercase()) {
                return invalid(format!("tenant {id} is configured twice"));
            }
            if let Err(message) = tenant.validate() {
                return invalid(format!("tenant {id}: {message}"));
            }
        }
        Ok(())
    }

    /// One tenant with a few hundred objects across every catalog type and foundation:
    /// what `serve --demo` and `tenantpilot graph-sim` serve by default.
    pub fn demo() -> Self {
        Self {
            tenants: vec![TenantConfig::demo(), TenantConfig::demo_target()],
            workers: default_workers(),
        }
    }
}

impl TenantConfig {
    /// A tenant with the given credentials and nothing in it (set `counts` after).
    pub fn new(azure_tenant_id: &str, client_id: &str, client_secret: &str) -> Self {
        Self {
            azure_tenant_id: azure_tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            display_name: None,
            counts: BTreeMap::new(),
            foundations: BTreeMap::new(),
            settings_per_policy: default_settings(),
            definition_values_per_policy: default_definition_values(),
            page_sizes: BTreeMap::new(),
            max_tops: BTreeMap::new(),
            token_lifetime_secs: default_lifetime(),
            roles: default_roles(),
            faults: Vec::new(),
            group_names: BTreeMap::new(),
        }
    }

    /// The demo's second tenant: empty, with the write permissions and `Group.Read.All`, to
    /// restore the demo tenant's sets into (a migration, an MSP baseline). Its groups have
    /// the demo tenant's names but one (the first is "Intune - All Windows devices (EU)"
    /// here), so matching groups by name maps all but that one. Not registered by `serve --demo`:
    /// an operator adds it with the credentials the demo prints.
    pub fn demo_target() -> Self {
        let mut tenant = Self::new(
            "3e9a7c51-0d42-4b8e-a6f1-9c2d4e6f8a0b",
            "9b1d3f5a-2c4e-4a6b-8d0f-1e3a5c7e9b2d",
            "demo~Target.SecretValue-9876543210",
        );
        tenant.display_name = Some("Fabrikam (simulated, empty)".into());
        tenant.grant_write_roles();
        tenant.roles.push("Group.Read.All".into());
        tenant.group_names = [(0, "Intune - All Windows devices (EU)".to_owned())]
            .into_iter()
            .collect();
        tenant
    }

    /// The demo tenant (fixed ids, so the printed credentials stay the same).
    pub fn demo() -> Self {
        let mut tenant = Self::new(
            "8d2c6f0e-3b1a-4f5e-9c7d-2a4b6c8d0e1f",
            "5f3e1d2c-7b6a-4c9d-8e0f-1a2b3c4d5e6f",
            "demo~Secret.ValueNotTheSecretId-0123456789",
        );
        tenant.display_name = Some("Contoso (simulated)".into());
        // the demo restores too, and maps groups by name
        tenant.grant_write_roles();
        tenant.roles.push("Group.Read.All".into());
        tenant.settings_per_policy = 40;
        tenant.definition_values_per_policy = 30;
        let counts: &[(&str, usize)] = &[
            ("deviceConfigurations", 40),
            ("settingsCatalog", 60),
            ("deviceCompliancePolicies", 16),
            ("compliancePolicies", 8),
            ("administrativeTemplates", 20),
            ("endpointSecurityIntents", 10),
            ("powershellScripts", 18),
            ("macosShellScripts", 8),
            ("remediations", 12),
            ("autopilotProfiles", 4),
            ("enrollmentConfigurations", 8),
            ("featureUpdates", 3),
            ("qualityUpdates", 3),
            ("driverUpdates", 2),
            ("appProtection", 15),
            ("appConfigManagedApps", 6),
            ("appConfigManagedDevices", 10),
            ("policySets", 3),
            ("mobileApps", 12),
            ("conditionalAccessPolicies", 8),
            ("roleDefinitions", 3),
            ("depEnrollmentProfiles", 1),
            ("appleUserInitiatedProfiles", 2),
            ("macosCustomAttributes", 3),
            ("brandingProfiles", 2),
            ("termsAndConditions", 2),
            ("hardwareConfigurations", 2),
            ("inventoryPolicies", 2),
            ("cloudPcProvisioningPolicies", 2),
            ("cloudPcUserSettings", 2),
            ("autopilotDevices", 10),
        ];
        let foundations: &[(&str, usize)] = &[
            ("assignmentFilters", 8),
            ("scopeTags", 3),
            ("notificationTemplates", 4),
            ("reusableSettings", 5),
            ("complianceScripts", 4),
            ("mobileAppCategories", 4),
            ("namedLocations", 3),
            ("authenticationStrengths", 1),
            ("deviceCategories", 4),
            ("admxFiles", 2),
            ("tenantSettings", 1),
            ("apnsCertificate", 1),
            ("vppTokens", 1),
            ("managedGooglePlay", 1),
            ("complianceManagementPartners", 1),
            ("deviceManagementPartners", 1),
            ("remoteAssistancePartners", 1),
        ];
        tenant.counts = counts.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        tenant.foundations = foundations
            .iter()
            .map(|(k, n)| ((*k).to_owned(), *n))
            .collect();
        tenant
    }

    /// Adds [`write_roles`] to the tenant's roles (those it lacks).
    pub fn grant_write_roles(&mut self) {
        for role in write_roles() {
            if !self.roles.contains(&role) {
                self.roles.push(role);
            }
        }
    }

    /// The configured count of a policy type or foundation.
    pub fn count(&self, key: &str) -> usize {
        self.counts
            .get(key)
            .or_else(|| self.foundations.get(key))
            .copied()
            .unwrap_or(0)
    }

    /// The page size of a list (catalog key) or child level.
    pub fn page_size(&self, level: &str) -> usize {
        if let Some(size) = self.page_sizes.get(level) {
            return *size;
        }
        catalog::by_key(level)
            .map(|c| c.page_size)
            .or_else(|| {
                CHILD_PAGES
                    .iter()
                    .find(|(l, _)| *l == level)
                    .map(|(_, s)| *s)
            })
            .unwrap_or(100)
    }

    /// The most a `$top` gets on a list (catalog key) or child level.
    pub fn max_top(&self, level: &str) -> usize {
        self.max_tops
            .get(level)
            .copied()
            .unwrap_or(super::paging::MAX_TOP)
    }

    fn validate(&self) -> Result<(), String> {
        if self.client_id.is_empty() || self.client_secret.is_empty() {
            return Err("client_id and client_secret must not be empty".into());
        }
        for key in self.counts.keys() {
            if catalog::by_key(key).is_none_or(|c| c.foundation) {
                return Err(format!("counts: {key:?} is not a policy type"));
            }
        }
        for key in self.foundations.keys() {
            if !catalog::by_key(key).is_some_and(|c| c.foundation) {
                return Err(format!("foundations: {key:?} is not a foundation"));
            }
        }
        for (level, size) in &self.page_sizes {
            let known =
                catalog::by_key(level).is_some() || CHILD_PAGES.iter().any(|(l, _)| l == level);
            if !known || *size == 0 {
                return Err(format!(
                    "page_sizes: {level:?} must be a known level with a size of at least 1"
                ));
            }
        }
        for (level, size) in &self.max_tops {
            let known =
                catalog::by_key(level).is_some() || CHILD_PAGES.iter().any(|(l, _)| l == level);
            if !known || *size == 0 {
                return Err(format!(
                    "max_tops: {level:?} must be a known level with a maximum of at least 1"
                ));
            }
        }
        if self.token_lifetime_secs == 0 {
            return Err("token_lifetime_secs must be at least 1".into());
        }
        let known = |key: &str| COLLECTIONS.iter().any(|c| c.key == key);
        self.faults.iter().try_for_each(|fault| fault.check(known))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_covers_every_type_with_a_few_hundred_objects() {
        let demo = SimConfig::demo();
        demo.validate().unwrap();
        let tenant = &demo.tenants[0];
        assert!(COLLECTIONS.iter().all(|c| tenant.count(c.key) > 0));
        let total: usize = COLLECTIONS.iter().map(|c| tenant.count(c.key)).sum();
        assert!((200..600).contains(&total), "{total}");
    }

    #[test]
    fn the_example_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/graph-sim.json");
        let config = SimConfig::from_file(&path).unwrap();
        assert!(!config.tenants.is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_faults_are_refused() {
        let base = r#"{"tenants":[{"azure_tenant_id":"t","client_id":"c","client_secret":"s","#;
        for bad in [
            r#""counts":{"nope":1}}]}"#,
            r#""counts":{"scopeTags":1}}]}"#,
            r#""page_sizes":{"settings":0}}]}"#,
            r#""faults":[{"kind":"forbidden","policy_type":"x"}]}]}"#,
            r#""faults":[{"kind":"server_error","status":418,"count":1}]}]}"#,
            r#""colour":"blue"}]}"#,
        ] {
            assert!(
                SimConfig::from_json(&format!("{base}{bad}")).is_err(),
                "{bad}"
            );
        }
        assert!(
            SimConfig::from_json(&format!("{base}\"counts\":{{\"settingsCatalog\":3}}}}]}}"))
                .is_ok()
        );
    }

    #[test]
    fn page_sizes_default_per_level_and_can_be_overridden() {
        let mut tenant = TenantConfig::new("t", "c", "s");
        assert_eq!(tenant.page_size("settingsCatalog"), 25);
        assert_eq!(tenant.page_size("settings"), 25);
        tenant.page_sizes.insert("settings".into(), 7);
        assert_eq!(tenant.page_size("settings"), 7);
    }
}
