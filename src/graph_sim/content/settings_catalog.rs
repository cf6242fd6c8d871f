//! Settings-catalog shaped content: configuration policies, settings-catalog compliance
//! policies, endpoint-security intents and reusable policy settings. Their settings are a
//! child collection, never part of the list entry.

use serde_json::{json, Map, Value};

use super::assignments::assignments;
use super::common::{header, Ctx};

const AREAS: &[&str] = &[
    "defender",
    "browser",
    "experience",
    "privacy",
    "update",
    "bitlocker",
    "firewall",
    "localpoliciessecurityoptions",
    "devicelock",
    "power",
    "search",
    "start",
];
const NAMES: &[&str] = &[
    "allowarchivescanning",
    "allowcloudprotection",
    "blockexecutionofpotentiallyobfuscatedscripts",
    "enablenetworkprotection",
    "allowtelemetry",
    "configuredeadlineforqualityupdates",
    "requiredeviceencryption",
    "enablefirewall",
    "minimumpasswordlength",
    "allowsleep",
    "allowcortana",
    "hiderecentlyaddedapps",
    "allowautoupdate",
    "puaprotection",
    "submitsamplesconsent",
    "daysuntilaggressivecatchupqualityscan",
];

const POLICY_NAMES: &[&str] = &[
    "Defender antivirus",
    "Edge security baseline",
    "Windows Update rings",
    "BitLocker",
    "Firewall rules",
    "Attack surface reduction",
    "Privacy",
    "Start menu layout",
    "OneDrive known folders",
    "Local admin password",
];

fn definition_id(position: usize) -> String {
    let area = AREAS[position % AREAS.len()];
    let name = NAMES[(position / AREAS.len()) % NAMES.len()];
    let round = position / (AREAS.len() * NAMES.len());
    let suffix = if round == 0 {
        String::new()
    } else {
        format!("_v{round}")
    };
    format!("device_vendor_msft_policy_config_{area}_{name}{suffix}")
}

/// The number of settings of one policy of `key`.
pub fn setting_count(ctx: &Ctx, key: &str) -> usize {
    match key {
        "compliancePolicies" => ctx.settings_per_policy / 3 + 1,
        "endpointSecurityIntents" => ctx.settings_per_policy / 2 + 1,
        _ => ctx.settings_per_policy,
    }
}

/// A `deviceManagementConfigurationPolicy` or `deviceManagementCompliancePolicy` as the list
/// and `GET /{id}` give it: `settingCount`, no settings.
pub fn configuration_policy(ctx: &Ctx, key: &str, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, key, index, revision, POLICY_NAMES);
    let platforms = if key == "compliancePolicies" {
        *seed.pick(&["windows10", "macOS", "linux"])
    } else {
        *seed.pick(&["windows10", "windows10", "windows10", "macOS", "iOS"])
    };
    let assigned = !assignments(ctx, key, &header.id, index).is_empty();
    let mut map = Map::new();
    map.insert("id".into(), json!(header.id));
    map.insert("name".into(), json!(header.name));
    map.insert("description".into(), json!(header.description));
    map.insert("platforms".into(), json!(platforms));
    map.insert("technologies".into(), json!("mdm"));
    map.insert("createdDateTime".into(), json!(header.created));
    map.insert("lastModifiedDateTime".into(), json!(header.modified));
    map.insert("settingCount".into(), json!(setting_count(ctx, key)));
    map.insert("creationSource".into(), Value::Null);
    map.insert("roleScopeTagIds".into(), json!(header.scope_tags));
    map.insert("isAssigned".into(), json!(assigned));
    if key == "settingsCatalog" {
        map.insert("priorityMetaData".into(), Value::Null);
        // beta resources/intune-deviceconfigv2-devicemanagementconfigurationpolicy.md
        map.insert("disableEntraGroupPolicyAssignment".into(), json!(false));
        map.insert("templateReference".into(), template_reference(index));
        if index % ENDPOINT_SECURITY_EVERY == ENDPOINT_SECURITY_EVERY - 1 {
            map.insert("technologies".into(), json!("mdm,microsoftSense"));
        }
    }
    Value::Object(map)
}

/// One settings-catalog policy in this many is an endpoint-security policy built from a
/// template: Intune keeps those in `configurationPolicies` too, told apart only by their
/// `templateReference`.
const ENDPOINT_SECURITY_EVERY: usize = 5;

/// Endpoint-security (antivirus) templates as Intune names them: id, display name. The
/// ids are the ones policies built in the admin center carry (witness: Microsoft365DSC's
/// IntuneAntivirusPolicyWindows10SettingCatalog); family and version as
/// resources/intune-deviceconfigv2-devicemanagementconfigurationpolicytemplatereference.md
/// and the deviceManagementConfigurationTemplateFamily enum define them.
const ANTIVIRUS_TEMPLATES: &[(&str, &str)] = &[
    (
        "804339ad-1553-4478-a742-138fb5807418_1",
        "Microsoft Defender Antivirus",
    ),
    (
        "45fea5e9-280d-4da1-9792-fb5736da0ca9_1",
        "Microsoft Defender Antivirus exclusions",
    ),
    (
        "d948ff9b-99cb-4ee0-8012-1fbc09685377_1",
        "Windows Security Experience",
    ),
];

/// A policy's `templateReference`: `none` for a plain settings-catalog policy, the
/// template's family, id, name and version for an endpoint-security one.
fn template_reference(index: usize) -> Value {
    if index % ENDPOINT_SECURITY_EVERY != ENDPOINT_SECURITY_EVERY - 1 {
        return json!({"templateId": "", "templateFamily": "none", "templateDisplayName": null, "templateDisplayVersion": null});
    }
    let (id, name) =
        ANTIVIRUS_TEMPLATES[(index / ENDPOINT_SECURITY_EVERY) % ANTIVIRUS_TEMPLATES.len()];
    json!({
        "templateId": id,
        "templateFamily": "endpointSecurityAntivirus",
        "templateDisplayName": name,
        "templateDisplayVersion": "Version 1",
    })
}

/// The settings of one policy, in Graph's order (ids "0", "1", ...). The revision changes
/// the value of the first setting.
pub fn settings(ctx: &Ctx, key: &str, index: usize, revision: u32) -> Vec<Value> {
    let count = setting_count(ctx, key);
    let mut seed = ctx.seed(&format!("{key}/settings"), index);
    (0..count)
        .map(|position| {
            let bump = if position == 0 { revision as usize } else { 0 };
            let definition = definition_id(position);
            let instance = match seed.below(5) {
                0..=2 => choice(&definition, seed.below(3) + bump),
                3 => json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                    "settingDefinitionId": definition,
                    "settingInstanceTemplateReference": null,
                    "simpleSettingValue": {
                        "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                        "settingValueTemplateReference": null,
                        "value": seed.below(60) + bump
                    }
                }),
                _ => json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                    "settingDefinitionId": definition,
                    "settingInstanceTemplateReference": null,
                    "groupSettingCollectionValue": [{
                        "settingValueTemplateReference": null,
                        "children": [
                            choice(&format!("{definition}_enabled"), seed.below(2) + bump),
                            {
                                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                                "settingDefinitionId": format!("{definition}_name"),
                                "settingInstanceTemplateReference": null,
                                "simpleSettingValue": {
                                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
                                    "settingValueTemplateReference": null,
                                    "value": format!("rule-{}", seed.below(500) + bump)
                                }
                            }
                        ]
                    }]
                }),
            };
            json!({
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
                "id": position.to_string(),
                "settingInstance": instance,
            })
        })
        .collect()
}

fn choice(definition: &str, option: usize) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": definition,
        "settingInstanceTemplateReference": null,
        "choiceSettingValue": {
            "settingValueTemplateReference": null,
            "value": format!("{definition}_{}", option % 3),
            "children": []
        }
    })
}

/// What `$expand=settingDefinitions` adds to one setting: the definition, briefly.
pub fn with_definition(setting: &Value) -> Value {
    let mut setting = setting.clone();
    let definition = setting["settingInstance"]["settingDefinitionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    setting["settingDefinitions"] = json!([{
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSettingDefinition",
        "id": definition,
        "name": definition.rsplit('_').next().unwrap_or_default(),
        "baseUri": "./Device/Vendor/MSFT/Policy",
        "offsetUri": format!("/Config/{}", definition.replace('_', "/")),
    }]);
    setting
}

const INTENT_NAMES: &[&str] = &[
    "Antivirus",
    "Disk encryption",
    "Firewall",
    "Account protection",
    "Security baseline",
];

/// A legacy endpoint-security `deviceManagementIntent` (settings are a child collection).
pub fn intent(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "endpointSecurityIntents",
        index,
        revision,
        INTENT_NAMES,
    );
    json!({
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "isAssigned": !assignments(ctx, "endpointSecurityIntents", &header.id, index).is_empty(),
        "isMigratingToConfigurationPolicy": false,
        "lastModifiedDateTime": header.modified,
        "templateId": ctx.guid("intentTemplate", seed.below(6)),
        "roleScopeTagIds": header.scope_tags,
    })
}

/// The `deviceManagementSettingInstance`s of an intent.
pub fn intent_settings(ctx: &Ctx, index: usize, revision: u32) -> Vec<Value> {
    let count = setting_count(ctx, "endpointSecurityIntents");
    let mut seed = ctx.seed("endpointSecurityIntents/settings", index);
    (0..count)
        .map(|position| {
            let bump = if position == 0 { revision as usize } else { 0 };
            let definition = format!(
                "deviceConfiguration--windows10EndpointProtectionConfiguration_{}",
                definition_id(position).trim_start_matches("device_vendor_msft_policy_config_")
            );
            let id = ctx.guid("endpointSecurityIntents/setting", index * 10_000 + position);
            if seed.chance(60) {
                let value = (seed.below(2) + bump) % 2 == 1;
                json!({"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "id": id, "definitionId": definition, "valueJson": value.to_string(), "value": value})
            } else {
                let value = seed.below(100) + bump;
                json!({"@odata.type": "#microsoft.graph.deviceManagementIntegerSettingInstance", "id": id, "definitionId": definition, "valueJson": value.to_string(), "value": value})
            }
        })
        .collect()
}

/// A `deviceManagementReusablePolicySetting`: a firewall rule's remote address ranges.
pub fn reusable_setting(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "reusableSettings",
        index,
        revision,
        &["Remote address ranges"],
    );
    let ranges: Vec<Value> = (0..1 + seed.below(3))
        .map(|i| json!({"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "settingValueTemplateReference": null, "value": format!("10.{}.{}.0/24", seed.below(255), i + revision as usize)}))
        .collect();
    json!({
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_remoteaddressranges",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
            "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_remoteaddressranges",
            "settingInstanceTemplateReference": null,
            "simpleSettingCollectionValue": ranges
        },
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "version": header.version,
        "referencingConfigurationPolicyCount": seed.below(4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_ids_are_unique_over_many_settings() {
        let ids: std::collections::HashSet<_> = (0..1000).map(definition_id).collect();
        assert_eq!(ids.len(), 1000);
    }
}
