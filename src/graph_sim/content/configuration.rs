//! Classic device configuration profiles and device compliance policies: the list entry
//! is the whole object (properties of the platform's `@odata.type`).

use serde_json::{json, Value};

use super::common::{extend, header, object, Ctx};

const PROFILE_NAMES: &[&str] = &[
    "Device restrictions",
    "Wi-Fi corporate",
    "VPN always-on",
    "Custom OMA-URI",
    "Endpoint protection",
    "Kiosk",
    "Delivery optimization",
    "Edition upgrade",
];

/// What Graph serves in place of an encrypted OMA setting's `value` (lists and `GET /{id}`);
/// the plain value only comes from `getOmaSettingPlainTextValue`.
pub const MASKED_VALUE: &str = "****";

/// The plain value of the encrypted OMA setting at `position` of custom profile `index`:
/// what `getOmaSettingPlainTextValue` answers (a Wi-Fi key or VPN secret in real tenants).
/// The same on every read, unique per tenant, profile and setting.
pub fn oma_plain_text(ctx: &Ctx, index: usize, position: usize) -> String {
    let guid = ctx.guid("deviceConfigurations/omaSecret", index * 16 + position);
    format!("TpSecret!{}", guid.replace('-', ""))
}

/// One `deviceConfiguration`. The revision flips a restriction and raises `version`.
/// Custom profiles (`windows10CustomConfiguration`) carry encrypted OMA settings:
/// `isEncrypted`, `secretReferenceValueId` and a masked `value` (Graph docs
/// `api-reference/beta/resources/intune-deviceconfig-omasetting.md`,
/// `intune-deviceconfig-windows10customconfiguration.md`).
pub fn device_configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, "deviceConfigurations", index, revision, PROFILE_NAMES);
    let flip = revision % 2 == 1;
    let kind = index % 6;
    let odata_type = [
        "windows10GeneralConfiguration",
        "windows10CustomConfiguration",
        "iosGeneralDeviceConfiguration",
        "androidWorkProfileGeneralDeviceConfiguration",
        "macOSGeneralDeviceConfiguration",
        "windowsUpdateForBusinessConfiguration",
    ][kind];
    let mut map = object(odata_type, &header);
    map.insert("version".into(), json!(header.version));
    map.insert("supportsScopeTags".into(), json!(true));
    map.insert(
        "deviceManagementApplicabilityRuleOsEdition".into(),
        Value::Null,
    );
    map.insert(
        "deviceManagementApplicabilityRuleOsVersion".into(),
        Value::Null,
    );
    map.insert(
        "deviceManagementApplicabilityRuleDeviceMode".into(),
        Value::Null,
    );
    let fields = match kind {
        0 => json!({
            "passwordRequired": seed.chance(70) != flip,
            "passwordMinimumLength": 8 + seed.below(8),
            "passwordRequiredType": seed.pick(&["deviceDefault", "alphanumeric", "numeric"]),
            "passwordMinutesOfInactivityBeforeScreenTimeout": 5 + 5 * seed.below(3),
            "cameraBlocked": seed.chance(20),
            "storageRequireMobileDeviceEncryption": true,
            "defenderRequireRealTimeMonitoring": true,
            "defenderScanType": "userDefined",
            "edgeBlockPopups": seed.chance(50),
            "bluetoothBlocked": flip,
            "usbBlocked": seed.chance(30),
        }),
        1 => json!({
            "omaSettings": [
                {
                    "@odata.type": "#microsoft.graph.omaSettingInteger",
                    "displayName": "Allow Telemetry",
                    "description": null,
                    "omaUri": "./Device/Vendor/MSFT/Policy/Config/System/AllowTelemetry",
                    "secretReferenceValueId": null,
                    "isEncrypted": false,
                    "value": 1 + u32::from(flip),
                    "isReadOnly": false
                },
                {
                    "@odata.type": "#microsoft.graph.omaSettingString",
                    "displayName": "Wi-Fi pre-shared key",
                    "description": "encrypted by Intune: lists and GET /{id} mask the value",
                    "omaUri": "./Vendor/MSFT/WiFi/Profile/CORP/WlanXml",
                    "secretReferenceValueId": format!("{}_{}", header.id, seed.below(1000)),
                    "isEncrypted": true,
                    "value": MASKED_VALUE
                },
                {
                    "@odata.type": "#microsoft.graph.omaSettingString",
                    "displayName": "VPN shared secret",
                    "description": null,
                    "omaUri": "./Vendor/MSFT/VPNv2/CORP/NativeProfile/L2tpPsk",
                    "secretReferenceValueId": format!("{}_{}", header.id, 1000 + seed.below(1000)),
                    "isEncrypted": true,
                    "value": MASKED_VALUE
                }
            ]
        }),
        2 => json!({
            "passcodeRequired": !flip,
            "passcodeMinimumLength": 6,
            "passcodeBlockSimple": true,
            "cameraBlocked": seed.chance(20),
            "iCloudBlockBackup": seed.chance(50),
            "appStoreBlocked": false,
            "safariBlockAutofill": seed.chance(40),
        }),
        3 => json!({
            "workProfilePasswordRequiredType": "deviceDefault",
            "workProfilePasswordMinimumLength": 6 + u32::from(flip),
            "workProfileBlockScreenCapture": true,
            "workProfileDataSharingType": "preventAny",
            "securityRequireVerifyApps": true,
        }),
        4 => json!({
            "passwordRequired": true,
            "passwordMinimumLength": 8 + u32::from(flip),
            "passwordMinutesOfInactivityBeforeLock": 5,
            "airDropBlocked": seed.chance(50),
            "iCloudBlockDocumentSync": seed.chance(50),
        }),
        _ => json!({
            "deliveryOptimizationMode": "httpWithPeeringNat",
            "automaticUpdateMode": "autoInstallAtMaintenanceTime",
            "qualityUpdatesDeferralPeriodInDays": seed.below(8) as u32 + u32::from(flip),
            "featureUpdatesDeferralPeriodInDays": 30 * seed.below(3),
            "businessReadyUpdatesOnly": "businessReadyOnly",
            "installationSchedule": {
                "@odata.type": "#microsoft.graph.windowsUpdateActiveHoursInstall",
                "activeHoursStart": "08:00:00.0000000",
                "activeHoursEnd": "17:00:00.0000000"
            },
        }),
    };
    extend(&mut map, fields);
    Value::Object(map)
}

const COMPLIANCE_NAMES: &[&str] = &[
    "Compliance baseline",
    "BitLocker required",
    "Minimum OS",
    "Jailbreak detection",
    "Defender healthy",
];

/// One `deviceCompliancePolicy` (without `scheduledActionsForRule`, which is expanded).
pub fn device_compliance_policy(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "deviceCompliancePolicies",
        index,
        revision,
        COMPLIANCE_NAMES,
    );
    let versions = ["10.0.19045", "10.0.22621", "10.0.22631", "10.0.26100"];
    let (odata_type, fields) = match index % 4 {
        0 => (
            "windows10CompliancePolicy",
            json!({
                "passwordRequired": true,
                "bitLockerEnabled": true,
                "secureBootEnabled": true,
                "codeIntegrityEnabled": true,
                "osMinimumVersion": versions[(seed.below(3) + revision as usize) % versions.len()],
                "defenderEnabled": true,
                "rtpEnabled": true,
                "deviceThreatProtectionRequiredSecurityLevel": "unavailable",
            }),
        ),
        1 => (
            "iosCompliancePolicy",
            json!({
                "passcodeRequired": true,
                "passcodeMinimumLength": 6 + revision,
                "securityBlockJailbrokenDevices": true,
                "osMinimumVersion": format!("{}.0", 16 + seed.below(3)),
            }),
        ),
        2 => (
            "androidWorkProfileCompliancePolicy",
            json!({
                "passwordRequired": true,
                "passwordMinimumLength": 6 + revision,
                "securityBlockJailbrokenDevices": true,
                "storageRequireEncryption": true,
                "osMinimumVersion": format!("{}.0", 11 + seed.below(3)),
            }),
        ),
        _ => (
            "macOSCompliancePolicy",
            json!({
                "passwordRequired": true,
                "storageRequireEncryption": true,
                "firewallEnabled": true,
                "systemIntegrityProtectionEnabled": true,
                "osMinimumVersion": format!("{}.0", 13 + seed.below(2) + revision as usize),
            }),
        ),
    };
    let mut map = object(odata_type, &header);
    map.insert("version".into(), json!(header.version));
    extend(&mut map, fields);
    Value::Object(map)
}

/// `scheduledActionsForRule` of a compliance policy: block at once, then (when templates
/// exist) an e-mail after some hours using a notification template. With `nested` false the
/// configurations are left out, as Graph does without the inner `$expand`.
pub fn scheduled_actions(
    ctx: &Ctx,
    key: &str,
    policy_id: &str,
    index: usize,
    nested: bool,
) -> Vec<Value> {
    let mut seed = ctx.seed(&format!("{key}/actions"), index);
    let mut configurations = vec![json!({
        "id": ctx.guid(&format!("{key}/action"), index * 2),
        "gracePeriodHours": 0,
        "actionType": "block",
        "notificationTemplateId": "00000000-0000-0000-0000-000000000000",
        "notificationMessageCCList": []
    })];
    if !ctx.notification_templates.is_empty() {
        configurations.push(json!({
            "id": ctx.guid(&format!("{key}/action"), index * 2 + 1),
            "gracePeriodHours": 24 * (1 + seed.below(3)),
            "actionType": "notification",
            "notificationTemplateId": seed.pick(&ctx.notification_templates),
            "notificationMessageCCList": []
        }));
    }
    let mut rule = json!({
        "id": format!("{policy_id}_rule"),
        "ruleName": "PasswordRequired",
    });
    if nested {
        rule["scheduledActionConfigurations"] = Value::Array(configurations);
    }
    vec![rule]
}
