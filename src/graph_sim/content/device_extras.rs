//! Device tooling outside the policy catalogs: macOS custom attribute scripts, uploaded
//! ADMX files, BIOS configurations and properties catalog (inventory) policies.
//!
//! Shapes: api-reference/beta/resources/intune-devices-devicecustomattributeshellscript.md,
//! intune-grouppolicy-grouppolicyuploadeddefinitionfile.md,
//! intune-deviceconfig-hardwareconfiguration.md,
//! intune-deviceconfigv2-devicemanagementinventorypolicy.md (settings as in
//! intune-deviceconfigv2-devicemanagementconfigurationsetting.md).

use serde_json::{json, Value};

use super::common::{base64, header, Ctx};
use super::tenant_admin::admx_content;

/// `scriptContent` is base64 and only in `GET /{id}` (the list gives null, as for shell
/// scripts: `list_entry` strips it).
pub fn custom_attribute_script(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "macosCustomAttributes",
        index,
        revision,
        &["FileVault status", "Battery cycles", "Last backup"],
    );
    let attribute = format!("attr{index}");
    json!({
        "@odata.type": "#microsoft.graph.deviceCustomAttributeShellScript",
        "id": header.id,
        "customAttributeName": attribute,
        "customAttributeType": *seed.pick(&["string", "integer", "dateTime"]),
        "displayName": header.name,
        "description": header.description,
        "scriptContent": base64(&format!("#!/bin/zsh\n# {} (revision {revision})\nfdesetup status | head -1\n", header.name)),
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "runAsAccount": "system",
        "fileName": format!("{attribute}.sh"),
        "roleScopeTagIds": header.scope_tags,
    })
}

pub fn admx_file(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "admxFiles",
        index,
        revision,
        &["Contoso browser", "Line-of-business app", "Zoom"],
    );
    let prefix = format!("contoso{index}");
    json!({
        "@odata.type": "#microsoft.graph.groupPolicyUploadedDefinitionFile",
        "displayName": header.name,
        "description": header.description,
        "languageCodes": ["en-US"],
        "targetPrefix": prefix,
        "targetNamespace": format!("Contoso.Policies.{prefix}"),
        "policyType": "admxIngested",
        "revision": format!("1.{revision}"),
        "fileName": format!("{prefix}.admx"),
        "id": header.id,
        "lastModifiedDateTime": header.modified,
        "status": "available",
        "content": admx_content(&prefix, revision),
        "uploadDateTime": header.created,
        "defaultLanguageCode": "en-US",
        "groupPolicyUploadedLanguageFiles": [{
            "fileName": format!("{prefix}.adml"),
            "languageCode": "en-US",
            "content": base64("<policyDefinitionResources revision=\"1.0\"/>"),
            "id": format!("{}_en-US", header.id),
            "lastModifiedDateTime": header.modified,
        }],
    })
}

pub fn hardware_configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "hardwareConfigurations",
        index,
        revision,
        &["Dell BIOS baseline", "Surface UEFI lockdown"],
    );
    let dell = index.is_multiple_of(2);
    json!({
        "@odata.type": "#microsoft.graph.hardwareConfiguration",
        "id": header.id,
        "version": header.version,
        "displayName": header.name,
        "description": header.description,
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "fileName": if dell { "bios.cctk" } else { "uefi.dfci" },
        "configurationFileContent": base64(&format!("WakeOnLan=Disable\nSecureBoot=Enable\nRevision={revision}\n")),
        "hardwareConfigurationFormat": if dell { "dell" } else { "surface" },
        "roleScopeTagIds": header.scope_tags,
        "perDevicePasswordDisabled": false,
    })
}

pub fn inventory_policy(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "inventoryPolicies",
        index,
        revision,
        &["Battery and BIOS", "Network adapters"],
    );
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementInventoryPolicy",
        "id": header.id,
        "name": header.name,
        "description": header.description,
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "platforms": "windows10",
        "technologies": "mdm",
        "settingCount": INVENTORY_PROPERTIES.len(),
        "creationSource": null,
        "roleScopeTagIds": header.scope_tags,
        "isAssigned": true,
        "version": header.version,
    })
}

const INVENTORY_PROPERTIES: &[&str] = &["battery", "bios", "networkadapter"];

/// `inventoryPolicies/{id}/settings`: one collection setting per inventoried class.
pub fn inventory_settings(ctx: &Ctx, index: usize, revision: u32) -> Vec<Value> {
    INVENTORY_PROPERTIES
        .iter()
        .enumerate()
        .map(|(position, class)| {
            json!({
                "id": position.to_string(),
                "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                    "settingDefinitionId": format!("device_vendor_msft_inventory_{class}"),
                    "settingInstanceTemplateReference": null,
                    "groupSettingCollectionValue": [{
                        "settingValueTemplateReference": null,
                        "children": [{
                            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                            "settingDefinitionId": format!("device_vendor_msft_inventory_{class}_collect"),
                            "choiceSettingValue": {
                                "value": format!("device_vendor_msft_inventory_{class}_collect_{}", if revision.is_multiple_of(2) && position == 0 { "true" } else { "false" }),
                                "children": []
                            }
                        }]
                    }]
                },
                "policyId": ctx.guid("inventoryPolicies", index),
            })
        })
        .collect()
}
