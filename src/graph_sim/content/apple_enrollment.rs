//! Apple enrollment: automated device enrollment (DEP / ABM) tokens with their enrollment
//! profiles, and user-initiated enrollment profiles (with assignments).
//!
//! Shapes: api-reference/beta/resources/intune-enrollment-deponboardingsetting.md,
//! intune-enrollment-depiosenrollmentprofile.md, intune-enrollment-depmacosenrollmentprofile.md,
//! intune-enrollment-appleuserinitiatedenrollmentprofile.md.

use serde_json::{json, Value};

use super::common::{header, Ctx};

/// One DEP token (`depOnboardingSetting`): the object the type lists; its profiles are
/// what a backup keeps.
pub fn onboarding_setting(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "depEnrollmentProfiles",
        index,
        revision,
        &["ABM token", "ASM token"],
    );
    json!({
        "@odata.type": "#microsoft.graph.depOnboardingSetting",
        "id": header.id,
        "appleIdentifier": format!("mdm{index}@contoso.example"),
        "tokenExpirationDateTime": "2027-03-01T00:00:00Z",
        "lastModifiedDateTime": header.modified,
        "lastSuccessfulSyncDateTime": header.modified,
        "lastSyncTriggeredDateTime": header.modified,
        "shareTokenWithSchoolDataSyncService": false,
        "lastSyncErrorCode": 0,
        "tokenType": "dep",
        "tokenName": header.name,
        "syncedDeviceCount": seed.below(500),
        "dataSharingConsentGranted": true,
        "roleScopeTagIds": header.scope_tags,
    })
}

/// `depOnboardingSettings/{id}/enrollmentProfiles`: an iOS and a macOS profile per token.
pub fn enrollment_profiles(ctx: &Ctx, index: usize, revision: u32) -> Vec<Value> {
    ["depIOSEnrollmentProfile", "depMacOSEnrollmentProfile"]
        .iter()
        .enumerate()
        .map(|(position, odata_type)| {
            let (header, _) = header(
                ctx,
                "depEnrollmentProfiles/profile",
                index * 2 + position,
                revision,
                &["Corporate iPhone", "Shared iPad", "Corporate Mac"],
            );
            let mut profile = json!({
                "@odata.type": format!("#microsoft.graph.{odata_type}"),
                "id": header.id,
                "displayName": header.name,
                "description": header.description,
                "requiresUserAuthentication": true,
                "configurationEndpointUrl": "https://appleconfigurator2.manage.microsoft.com/MDMServiceConfig?id=contoso",
                "enableAuthenticationViaCompanyPortal": position == 0,
                "requireCompanyPortalOnSetupAssistantEnrolledDevices": false,
                "isDefault": position == 0 && index == 0,
                "supervisedModeEnabled": true,
                "supportDepartment": "IT service desk",
                "isMandatory": true,
                "locationDisabled": false,
                "supportPhoneNumber": "+1 555 0100",
                "profileRemovalDisabled": true,
                "restoreBlocked": !revision.is_multiple_of(2),
                "appleIdDisabled": true,
                "termsAndConditionsDisabled": true,
                "touchIdDisabled": false,
                "applePayDisabled": true,
                "siriDisabled": true,
                "diagnosticsDisabled": true,
                "displayToneSetupDisabled": true,
                "privacyPaneDisabled": true,
                "screenTimeScreenDisabled": true,
                "deviceNameTemplate": "CONTOSO-{{SERIAL}}",
                "configurationWebUrl": false,
                "enabledSkipKeys": ["Location", "Siri", "Privacy"],
                "enrollmentTimeAzureAdGroupIds": [],
                "waitForDeviceConfiguredConfirmation": false,
            });
            if position == 1 {
                profile["fileVaultDisabled"] = json!(false);
                profile["registrationDisabled"] = json!(true);
            } else {
                profile["iTunesPairingMode"] = json!("disallow");
                profile["sharedIPadMaximumUserCount"] = json!(0);
                profile["enableSharedIPad"] = json!(false);
            }
            profile
        })
        .collect()
}

pub fn user_initiated_profile(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "appleUserInitiatedProfiles",
        index,
        revision,
        &["BYOD iOS", "BYOD macOS", "Account-driven user enrollment"],
    );
    json!({
        "@odata.type": "#microsoft.graph.appleUserInitiatedEnrollmentProfile",
        "defaultEnrollmentType": if revision.is_multiple_of(2) { "user" } else { "accountDrivenUserEnrollment" },
        "availableEnrollmentTypeOptions": [
            {"ownerType": "personal", "enrollmentType": "accountDrivenUserEnrollment"}
        ],
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "priority": index,
        "platform": if index.is_multiple_of(2) { "iOS" } else { "macOS" },
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
    })
}
