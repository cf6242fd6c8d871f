//! Windows 365: Cloud PC provisioning policies and user settings, whose assignments Graph
//! returns "only on `$expand`".
//!
//! Shapes: api-reference/beta/resources/cloudpcprovisioningpolicy.md,
//! cloudpcprovisioningpolicyassignment.md, cloudpcusersetting.md,
//! cloudpcusersettingassignment.md, cloudpcmanagementgroupassignmenttarget.md.

use serde_json::{json, Value};

use super::common::{header, Ctx};

pub fn provisioning_policy(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "cloudPcProvisioningPolicies",
        index,
        revision,
        &["Frontline Cloud PCs", "Developers", "Contractors"],
    );
    json!({
        "@odata.type": "#microsoft.graph.cloudPcProvisioningPolicy",
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "alternateResourceUrl": null,
        "cloudPcGroupDisplayName": null,
        "domainJoinConfigurations": [{"domainJoinType": "azureADJoin", "type": "azureADJoin", "onPremisesConnectionId": null, "regionName": "automatic", "regionGroup": "europeUnion"}],
        "enableSingleSignOn": true,
        "gracePeriodInHours": 48,
        "imageDisplayName": "Windows 11 Enterprise + Microsoft 365 Apps 24H2",
        "imageId": "microsoftwindowsdesktop_windows-ent-cpc_win11-24h2-ent-cpc-m365",
        "imageType": "gallery",
        "localAdminEnabled": !revision.is_multiple_of(2),
        "managedBy": "windows365",
        "microsoftManagedDesktop": {"managedType": "notManaged", "profile": null},
        "provisioningType": if index.is_multiple_of(2) { "dedicated" } else { "shared" },
        "windowsSettings": {"language": "en-US"},
        "windowsSetting": {"locale": "en-US"},
        "lastModifiedDateTime": header.modified,
    })
}

pub fn user_setting(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "cloudPcUserSettings",
        index,
        revision,
        &["Standard users", "Power users"],
    );
    json!({
        "@odata.type": "#microsoft.graph.cloudPcUserSetting",
        "id": header.id,
        "displayName": header.name,
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "localAdminEnabled": false,
        "resetEnabled": true,
        "selfServiceEnabled": false,
        "restorePointSetting": {"frequencyType": "sixHours", "frequencyInHours": 6, "userRestoreEnabled": revision.is_multiple_of(2)},
        "crossRegionDisasterRecoverySetting": null,
        "notificationSetting": {"restartPromptsDisabled": false},
    })
}

/// Groups only: Cloud PC assignments target Entra groups (`cloudPcManagementGroupAssignmentTarget`).
pub fn assignments(ctx: &Ctx, key: &str, policy_id: &str, index: usize) -> Vec<Value> {
    let mut seed = ctx.seed(&format!("{key}/assignments"), index);
    let count = seed.below(3);
    let mut groups: Vec<String> = (0..count).map(|_| seed.pick(&ctx.groups).clone()).collect();
    groups.dedup();
    groups
        .into_iter()
        .map(|group| {
            json!({
                "id": format!("{policy_id}_{group}"),
                "target": {
                    "@odata.type": "#microsoft.graph.cloudPcManagementGroupAssignmentTarget",
                    "groupId": group,
                    "servicePlanId": if key == "cloudPcProvisioningPolicies" { json!("dd3801e2-4aa1-4b16-a44b-243e55497584") } else { Value::Null },
                }
            })
        })
        .collect()
}
