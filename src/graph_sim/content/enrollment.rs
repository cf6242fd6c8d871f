//! Enrollment and update objects: Autopilot profiles, enrollment configurations and the
//! Windows feature, quality and driver update profiles.

use serde_json::{json, Value};

use super::common::{extend, header, object, Ctx};

pub fn autopilot_profile(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "autopilotProfiles",
        index,
        revision,
        &["User-driven", "Self-deploying", "Pre-provisioned"],
    );
    let hybrid = seed.chance(25);
    let mut map = object(
        if hybrid {
            "activeDirectoryWindowsAutopilotDeploymentProfile"
        } else {
            "azureADWindowsAutopilotDeploymentProfile"
        },
        &header,
    );
    extend(
        &mut map,
        json!({
            "language": *seed.pick(&["os-default", "en-US", "de-DE", "fr-FR"]),
            "extractHardwareHash": seed.chance(50),
            "deviceNameTemplate": format!("CORP-%SERIAL%{}", if revision % 2 == 1 { "-R" } else { "" }),
            "deviceType": "windowsPc",
            "enableWhiteGlove": seed.chance(50),
            "managementServiceAppId": null,
            "hardwareHashExtractionEnabled": false,
            "locale": "os-default",
            "preprovisioningAllowed": false,
            "outOfBoxExperienceSettings": {
                "hidePrivacySettings": true,
                "hideEULA": true,
                "userType": if seed.chance(80) { "standard" } else { "administrator" },
                "deviceUsageType": "singleUser",
                "skipKeyboardSelectionPage": true,
                "hideEscapeLink": true
            },
            "enrollmentStatusScreenSettings": null,
        }),
    );
    // `outOfBoxExperienceSettings` is deprecated since May 2024: "Use
    // outOfBoxExperienceSetting instead" (beta resources/intune-enrollment-
    // outofboxexperiencesettings.md); Graph serves both, the new one with its renamed fields
    // (resources/intune-enrollment-outofboxexperiencesetting.md).
    let old = map["outOfBoxExperienceSettings"].clone();
    map.insert(
        "outOfBoxExperienceSetting".into(),
        json!({
            "privacySettingsHidden": old["hidePrivacySettings"],
            "eulaHidden": old["hideEULA"],
            "userType": old["userType"],
            "deviceUsageType": old["deviceUsageType"],
            "keyboardSelectionPageSkipped": old["skipKeyboardSelectionPage"],
            "escapeLinkHidden": old["hideEscapeLink"],
        }),
    );
    if hybrid {
        map.insert(
            "hybridAzureADJoinSkipConnectivityCheck".into(),
            json!(false),
        );
    }
    Value::Object(map)
}

pub fn enrollment_configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (mut header, mut seed) = header(
        ctx,
        "enrollmentConfigurations",
        index,
        revision,
        &[
            "Enrollment restrictions",
            "ESP",
            "Device limit",
            "Windows Hello",
        ],
    );
    let (odata_type, suffix, fields) = match index % 4 {
        0 => (
            "deviceEnrollmentLimitConfiguration",
            "Limit",
            json!({"limit": 5 + seed.below(10) + revision as usize, "deviceEnrollmentConfigurationType": "limit"}),
        ),
        1 => (
            "windows10EnrollmentCompletionPageConfiguration",
            "Windows10EnrollmentCompletionPageConfiguration",
            json!({
                "showInstallationProgress": true,
                "blockDeviceSetupRetryByUser": revision % 2 == 1,
                "allowDeviceResetOnInstallFailure": true,
                "allowLogCollectionOnInstallFailure": true,
                "customErrorMessage": "Setup could not be completed. Please try again or contact your support person for help.",
                "installProgressTimeoutInMinutes": 60 + 30 * seed.below(3),
                "allowDeviceUseOnInstallFailure": false,
                "selectedMobileAppIds": [],
                "trackInstallProgressForAutopilotOnly": true,
                "deviceEnrollmentConfigurationType": "windows10EnrollmentCompletionPageConfiguration"
            }),
        ),
        2 => (
            "deviceEnrollmentPlatformRestrictionsConfiguration",
            "PlatformRestrictions",
            json!({
                "iosRestriction": {"platformBlocked": false, "personalDeviceEnrollmentBlocked": revision % 2 == 1, "osMinimumVersion": "16.0", "osMaximumVersion": null},
                "androidRestriction": {"platformBlocked": false, "personalDeviceEnrollmentBlocked": true, "osMinimumVersion": null, "osMaximumVersion": null},
                "windowsRestriction": {"platformBlocked": false, "personalDeviceEnrollmentBlocked": false, "osMinimumVersion": null, "osMaximumVersion": null},
                "macOSRestriction": {"platformBlocked": seed.chance(30), "personalDeviceEnrollmentBlocked": true, "osMinimumVersion": null, "osMaximumVersion": null},
                // the deviceEnrollmentConfigurationType enum's member for this type
                // (beta resources/intune-onboarding-deviceenrollmentconfigurationtype.md)
                "deviceEnrollmentConfigurationType": "platformRestrictions"
            }),
        ),
        _ => (
            "deviceEnrollmentWindowsHelloForBusinessConfiguration",
            "WindowsHelloForBusiness",
            json!({
                "pinMinimumLength": 6 + revision as usize % 4,
                "pinMaximumLength": 127,
                "pinUppercaseCharactersUsage": "allowed",
                "pinLowercaseCharactersUsage": "allowed",
                "pinSpecialCharactersUsage": "allowed",
                "state": "enabled",
                "securityDeviceRequired": seed.chance(50),
                "unlockWithBiometricsEnabled": true,
                "remotePassportEnabled": false,
                "pinPreviousBlockCount": 0,
                "pinExpirationInDays": 0,
                "enhancedBiometricsState": "notConfigured",
                "deviceEnrollmentConfigurationType": "windowsHelloForBusiness"
            }),
        ),
    };
    // Intune's enrollment configuration ids are "<guid>_<kind>"
    header.id = format!("{}_{suffix}", header.id);
    let mut map = object(odata_type, &header);
    map.insert("priority".into(), json!(index + 1));
    map.insert("version".into(), json!(header.version));
    extend(&mut map, fields);
    Value::Object(map)
}

pub fn feature_update(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "featureUpdates",
        index,
        revision,
        &["Feature update ring", "Windows 11 upgrade"],
    );
    let version = *seed.pick(&[
        "Windows 11, version 23H2",
        "Windows 11, version 24H2",
        "Windows 10, version 22H2",
    ]);
    let mut map = object("windowsFeatureUpdateProfile", &header);
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({
            "featureUpdateVersion": version,
            "deployableContentDisplayName": version,
            "endOfSupportDate": "2026-11-10T00:00:00Z",
            "installLatestWindows10OnWindows11IneligibleDevice": revision % 2 == 1,
            "installFeatureUpdatesOptional": false,
            "rolloutSettings": {"offerStartDateTimeInUTC": null, "offerEndDateTimeInUTC": null, "offerIntervalInDays": null},
        }),
    );
    Value::Object(map)
}

pub fn quality_update(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "qualityUpdates",
        index,
        revision,
        &["Expedite security update"],
    );
    let release = *seed.pick(&[
        "2025-01-14T00:00:00Z",
        "2025-02-11T00:00:00Z",
        "2025-03-11T00:00:00Z",
    ]);
    let mut map = object("windowsQualityUpdateProfile", &header);
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({
            "releaseDateDisplayName": release.get(..10).unwrap_or(release),
            "deployableContentDisplayName": format!("{} - Security update", release.get(..7).unwrap_or(release)),
            "expeditedUpdateSettings": {"qualityUpdateRelease": release, "daysUntilForcedReboot": seed.below(3) + revision as usize},
        }),
    );
    Value::Object(map)
}

const DRIVERS: &[(&str, &str, &str)] = &[
    ("Intel(R) Wireless Bluetooth(R)", "Intel", "networking"),
    ("Realtek Audio", "Realtek Semiconductor Corp.", "audio"),
    ("Surface UEFI", "Microsoft", "firmware"),
    ("NVIDIA RTX A1000 Display", "NVIDIA", "display"),
    ("Synaptics SMBus Driver", "Synaptics", "other"),
];

/// The drivers of driver update profile `index` (beta windowsDriverUpdateInventory,
/// api-reference/beta/resources/intune-softwareupdate-windowsdriverupdateinventory.md):
/// what a manual-approval profile has approved, declined or left for review.
pub fn driver_inventories(ctx: &Ctx, policy_id: &str, index: usize, revision: u32) -> Vec<Value> {
    let mut seed = ctx.seed("driverUpdates/inventories", index);
    let first = seed.below(DRIVERS.len());
    (0..2 + seed.below(3))
        .map(|position| {
            let (name, manufacturer, class) = DRIVERS[(first + position) % DRIVERS.len()];
            // a revision approves the first driver (or takes the approval back)
            let approved = seed.chance(60) != (position == 0 && revision % 2 == 1);
            json!({
                "id": format!("{}_{position}", policy_id.replace('-', "")),
                "name": name,
                "version": format!("{}.{}.{}", 1 + seed.below(30), seed.below(10), seed.below(9999)),
                "manufacturer": manufacturer,
                "releaseDateTime": "2025-03-11T00:00:00Z",
                "driverClass": class,
                "applicableDeviceCount": seed.below(500),
                "approvalStatus": if approved { "approved" } else { "needsReview" },
                "category": if approved { "previouslyApproved" } else { "recommended" },
                "deployDateTime": if approved { json!("2025-03-18T00:00:00Z") } else { Value::Null },
            })
        })
        .collect()
}

pub fn driver_update(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "driverUpdates",
        index,
        revision,
        &["Driver updates", "Firmware ring"],
    );
    let mut map = object("windowsDriverUpdateProfile", &header);
    map.remove("@odata.type");
    let automatic = seed.chance(50) != (revision % 2 == 1);
    extend(
        &mut map,
        json!({
            "approvalType": if automatic { "automatic" } else { "manual" },
            "deploymentDeferralInDays": if automatic { json!(seed.below(30)) } else { Value::Null },
            "deviceReporting": seed.below(400),
            "newUpdates": seed.below(12),
            "inventorySyncStatus": {"lastSuccessfulSyncDateTime": header.modified, "driverInventorySyncState": "success"},
        }),
    );
    Value::Object(map)
}
