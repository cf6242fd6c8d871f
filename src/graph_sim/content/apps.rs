//! App management: app protection policies (iOS, Android, Windows, mixed in one list),
//! app configuration for managed apps and managed devices, and policy sets.

use serde_json::{json, Value};

use super::common::{base64, extend, header, object, Ctx};

const PLATFORMS: &[(&str, &str)] = &[
    ("iosManagedAppProtection", "iosMobileAppIdentifier"),
    ("androidManagedAppProtection", "androidMobileAppIdentifier"),
    ("windowsManagedAppProtection", "windowsAppIdentifier"),
];

const APPS: &[(&str, &str, &str)] = &[
    (
        "com.microsoft.Office.Outlook",
        "com.microsoft.office.outlook",
        "com.microsoft.edge",
    ),
    (
        "com.microsoft.skype.teams",
        "com.microsoft.teams",
        "com.microsoft.edge",
    ),
    (
        "com.microsoft.msedge",
        "com.microsoft.emmx",
        "com.microsoft.edge",
    ),
    (
        "com.microsoft.sharepoint",
        "com.microsoft.sharepoint",
        "com.microsoft.edge",
    ),
];

/// Every fifth app protection policy is a Windows Information Protection policy, MAM
/// (without enrollment) and MDM in turn.
pub fn wip_kind(index: usize) -> Option<&'static str> {
    (index % 5 == 4).then(|| {
        if (index / 5).is_multiple_of(2) {
            "windowsInformationProtectionPolicy"
        } else {
            "mdmWindowsInformationProtectionPolicy"
        }
    })
}

pub fn app_protection(ctx: &Ctx, index: usize, revision: u32) -> Value {
    if let Some(kind) = wip_kind(index) {
        return super::wip::policy(ctx, kind, index, revision);
    }
    let (header, mut seed) = header(
        ctx,
        "appProtection",
        index,
        revision,
        &[
            "Outlook MAM",
            "Office apps",
            "Edge protection",
            "BYOD data protection",
        ],
    );
    let (odata_type, _) = PLATFORMS[index % PLATFORMS.len()];
    let mut map = object(odata_type, &header);
    // app protection versions are opaque strings, not counters
    map.insert(
        "version".into(),
        json!(format!("\"{:08x}\"", header.version * 7919 + index as u32)),
    );
    extend(
        &mut map,
        json!({
            "isAssigned": !super::assignments::assignments(ctx, "appProtection", &header.id, index).is_empty(),
            "targetedAppManagementLevels": "unspecified",
            "appGroupType": "selectedPublicApps",
            "periodOfflineBeforeAccessCheck": "PT12H",
            "periodOnlineBeforeAccessCheck": "PT30M",
            "allowedInboundDataTransferSources": "allApps",
            "allowedOutboundDataTransferDestinations": *seed.pick(&["managedApps", "allApps"]),
            "organizationalCredentialsRequired": false,
            "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
            "dataBackupBlocked": true,
            "deviceComplianceRequired": true,
            "managedBrowserToOpenLinksRequired": false,
            "saveAsBlocked": revision.is_multiple_of(2),
            "periodOfflineBeforeWipeIsEnforced": "P90D",
            "pinRequired": true,
            "maximumPinRetries": 5,
            "simplePinBlocked": false,
            "minimumPinLength": 4 + 2 * seed.below(2),
            "pinCharacterSet": "numeric",
            "printBlocked": seed.chance(40),
            "deployedAppCount": 2,
        }),
    );
    Value::Object(map)
}

/// `apps` of an app protection policy or a managed-app configuration.
pub fn apps(ctx: &Ctx, key: &str, policy_id: &str, index: usize) -> Vec<Value> {
    let platform = if key == "appProtection" {
        index % PLATFORMS.len()
    } else {
        index % 2
    };
    let identifier = PLATFORMS[platform].1;
    let mut seed = ctx.seed(&format!("{key}/apps"), index);
    let first = seed.below(APPS.len());
    (0..2)
        .map(|offset| {
            let app = APPS[(first + offset) % APPS.len()];
            let name = [app.0, app.1, app.2][platform];
            let id_field = if platform == 0 { "bundleId" } else if platform == 1 { "packageId" } else { "windowsAppId" };
            json!({
                "id": format!("{name}.{}", identifier.trim_end_matches("AppIdentifier")),
                "version": format!("-{}", seed.below(2_000_000_000)),
                "mobileAppIdentifier": {"@odata.type": format!("#microsoft.graph.{identifier}"), id_field: name},
                "policyId": policy_id,
            })
        })
        .collect()
}

pub fn targeted_app_configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "appConfigManagedApps",
        index,
        revision,
        &["Outlook settings", "Edge managed bookmarks", "Teams config"],
    );
    let mut map = object("targetedManagedAppConfiguration", &header);
    map.remove("@odata.type");
    map.insert(
        "version".into(),
        json!(format!(
            "\"{:08x}\"",
            header.version * 104_729 + index as u32
        )),
    );
    extend(
        &mut map,
        json!({
            "deployedAppCount": 2,
            "isAssigned": true,
            "appGroupType": "selectedPublicApps",
            "targetedAppManagementLevels": "unspecified",
            "customSettings": [
                {"name": "com.microsoft.outlook.EmailProfile.AccountType", "value": "ModernAuth"},
                {"name": "com.microsoft.intune.mam.managedbrowser.homepage", "value": format!("https://intranet.example.com/{}", seed.below(100) + revision as usize)}
            ],
        }),
    );
    Value::Object(map)
}

pub fn mobile_app_configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "appConfigManagedDevices",
        index,
        revision,
        &[
            "Outlook iOS config",
            "Managed Google Play config",
            "Company Portal",
        ],
    );
    let ios = index.is_multiple_of(2);
    let mut map = object(
        if ios {
            "iosMobileAppConfiguration"
        } else {
            "androidManagedStoreAppConfiguration"
        },
        &header,
    );
    map.insert("version".into(), json!(header.version));
    map.insert(
        "targetedMobileApps".into(),
        json!([ctx.guid("mobileApp", seed.below(20))]),
    );
    if ios {
        extend(
            &mut map,
            json!({
                "encodedSettingXml": base64(&format!("<dict><key>IntuneMAMUPN</key><string>{{{{userprincipalname}}}}</string><key>Revision</key><integer>{revision}</integer></dict>")),
                "settings": [
                    {"appConfigKey": "IntuneMAMAllowedAccountsOnly", "appConfigKeyType": "stringType", "appConfigKeyValue": "Enabled"},
                    {"appConfigKey": "IntuneMAMUPN", "appConfigKeyType": "stringType", "appConfigKeyValue": "{{userprincipalname}}"}
                ],
            }),
        );
    } else {
        extend(
            &mut map,
            json!({
                "packageId": "app:com.microsoft.office.outlook",
                "payloadJson": base64(&format!("{{\"kind\":\"androidenterprise#managedConfiguration\",\"productId\":\"app:com.microsoft.office.outlook\",\"managedProperty\":[{{\"key\":\"com.microsoft.outlook.Mail.FocusedInbox\",\"valueBool\":{}}}]}}", revision.is_multiple_of(2))),
                "permissionActions": [],
                "appSupportsOemConfig": false,
                "profileApplicability": "default",
                "connectedAppsEnabled": false,
            }),
        );
    }
    Value::Object(map)
}

pub fn policy_set(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "policySets",
        index,
        revision,
        &["New hire laptop", "Frontline workers", "Executives"],
    );
    let mut map = object("policySet", &header);
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({"status": "notAssigned", "errorCode": "noError", "guidedDeploymentTags": []}),
    );
    Value::Object(map)
}

/// The `items` of a policy set: references to configuration and settings-catalog policies
/// of the same tenant, by id.
pub fn policy_set_items(ctx: &Ctx, index: usize) -> Vec<Value> {
    let mut seed = ctx.seed("policySets/items", index);
    let mut items = Vec::new();
    if ctx.device_configuration_count > 0 {
        let target = seed.below(ctx.device_configuration_count);
        items.push(json!({
            "@odata.type": "#microsoft.graph.deviceConfigurationPolicySetItem",
            "id": ctx.guid("policySets/item", index * 2),
            "payloadId": ctx.guid("deviceConfigurations", target),
            "itemType": "#microsoft.graph.windows10GeneralConfiguration",
            "displayName": format!("Device configuration {}", target + 1),
            "status": "notAssigned", "errorCode": "noError", "guidedDeploymentTags": [],
            "createdDateTime": "2024-05-02T11:00:00Z", "lastModifiedDateTime": "2024-05-02T11:00:00Z"
        }));
    }
    if ctx.settings_catalog_count > 0 {
        let target = seed.below(ctx.settings_catalog_count);
        items.push(json!({
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicyPolicySetItem",
            "id": ctx.guid("policySets/item", index * 2 + 1),
            "payloadId": ctx.guid("settingsCatalog", target),
            "itemType": "#microsoft.graph.deviceManagementConfigurationPolicy",
            "displayName": format!("Settings catalog policy {}", target + 1),
            "status": "notAssigned", "errorCode": "noError", "guidedDeploymentTags": [],
            "createdDateTime": "2024-05-02T11:00:00Z", "lastModifiedDateTime": "2024-05-02T11:00:00Z"
        }));
    }
    items
}
