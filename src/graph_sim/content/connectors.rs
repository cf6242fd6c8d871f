//! Connectors and partners: the Apple push certificate, VPP tokens, the managed Google Play
//! binding (metadata: the service strips the secrets Graph documents on them), the
//! compliance, device management and remote assistance partners, and Autopilot devices.
//!
//! Shapes: api-reference/beta/resources/intune-devices-applepushnotificationcertificate.md,
//! intune-onboarding-vpptoken.md,
//! intune-androidforwork-androidmanagedstoreaccountenterprisesettings.md,
//! intune-onboarding-compliancemanagementpartner.md,
//! intune-onboarding-devicemanagementpartner.md,
//! intune-remoteassistance-remoteassistancepartner.md,
//! intune-enrollment-windowsautopilotdeviceidentity.md.

use serde_json::{json, Value};

use super::common::{base64, header, Ctx};

/// What the simulator puts where Graph documents a secret, so a test can prove the backup
/// never keeps it.
pub const SIMULATED_SECRET: &str = "SIMULATED-CONNECTOR-SECRET";

pub fn apns_certificate(ctx: &Ctx, revision: u32) -> Value {
    let (header, _) = header(ctx, "apnsCertificate", 0, revision, &["APNs"]);
    json!({
        "@odata.type": "#microsoft.graph.applePushNotificationCertificate",
        "id": header.id,
        "appleIdentifier": "mdm@contoso.example",
        "topicIdentifier": "com.apple.mgmt.External.0f7c4a1e-5a5b-4d3c-9e2f-1a2b3c4d5e6f",
        "lastModifiedDateTime": header.modified,
        "expirationDateTime": format!("2027-0{}-01T00:00:00Z", 1 + revision % 9),
        "certificateUploadStatus": null,
        "certificateUploadFailureReason": null,
        "certificateSerialNumber": "5A3F1C2B9D8E7F60",
        "certificate": base64(&format!("-----BEGIN CERTIFICATE-----{SIMULATED_SECRET}-----END CERTIFICATE-----")),
    })
}

pub fn vpp_token(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "vppTokens",
        index,
        revision,
        &["Apple Business VPP", "School VPP"],
    );
    json!({
        "@odata.type": "#microsoft.graph.vppToken",
        "id": header.id,
        "organizationName": "Contoso Ltd",
        "vppTokenAccountType": if index.is_multiple_of(2) { "business" } else { "education" },
        "appleId": format!("vpp{index}@contoso.example"),
        "expirationDateTime": "2027-05-01T00:00:00Z",
        "lastSyncDateTime": header.modified,
        "token": format!("{SIMULATED_SECRET}-{index}"),
        "lastModifiedDateTime": header.modified,
        "state": "valid",
        "tokenActionResults": [],
        "lastSyncStatus": "completed",
        "automaticallyUpdateApps": revision.is_multiple_of(2),
        "countryOrRegion": "us",
        "dataSharingConsentGranted": true,
        "displayName": header.name,
        "locationName": "Contoso HQ",
        "claimTokenManagementFromExternalMdm": false,
        "roleScopeTagIds": header.scope_tags,
        "lastAppCount": 12,
    })
}

pub fn managed_google_play(ctx: &Ctx, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "managedGooglePlay",
        0,
        revision,
        &["Managed Google Play"],
    );
    json!({
        "@odata.type": "#microsoft.graph.androidManagedStoreAccountEnterpriseSettings",
        "id": header.id,
        "bindStatus": "boundAndValidated",
        "lastAppSyncDateTime": header.modified,
        "lastAppSyncStatus": "success",
        "ownerUserPrincipalName": "android-admin@contoso.example",
        "ownerOrganizationName": "Contoso Ltd",
        "lastModifiedDateTime": header.modified,
        "enrollmentTarget": if revision.is_multiple_of(2) { "all" } else { "targeted" },
        "targetGroupIds": [ctx.groups[0]],
        "deviceOwnerManagementEnabled": true,
        "androidDeviceOwnerFullyManagedEnrollmentEnabled": true,
        "managedGooglePlayInitialScopeTagIds": ["0"],
        "companyCodes": [],
    })
}

fn partner_header(ctx: &Ctx, key: &str, index: usize, revision: u32) -> (String, String, String) {
    let (header, _) = header(
        ctx,
        key,
        index,
        revision,
        &["Jamf", "Workspace ONE", "TeamViewer"],
    );
    (header.id, header.name, header.modified)
}

pub fn compliance_partner(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (id, name, modified) = partner_header(ctx, "complianceManagementPartners", index, revision);
    let group = |position: usize| json!([{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": ctx.groups[position % ctx.groups.len()]}}]);
    json!({
        "@odata.type": "#microsoft.graph.complianceManagementPartner",
        "id": id,
        "lastHeartbeatDateTime": modified,
        "partnerState": "enabled",
        "displayName": name,
        "macOsOnboarded": true,
        "linuxOnboarded": false,
        "androidOnboarded": false,
        "iosOnboarded": !revision.is_multiple_of(2),
        "macOsEnrollmentAssignments": group(index),
        "androidEnrollmentAssignments": [],
        "iosEnrollmentAssignments": [],
        "linuxEnrollmentAssignments": [],
    })
}

pub fn device_management_partner(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (id, name, modified) = partner_header(ctx, "deviceManagementPartners", index, revision);
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementPartner",
        "id": id,
        "lastHeartbeatDateTime": modified,
        "partnerState": "enabled",
        "partnerAppType": "multiTenantApp",
        "singleTenantAppId": null,
        "displayName": name,
        "isConfigured": true,
        "whenPartnerDevicesWillBeRemovedDateTime": null,
        "whenPartnerDevicesWillBeMarkedAsNonCompliantDateTime": null,
        "groupsRequiringPartnerEnrollment": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": ctx.groups[(index + revision as usize) % ctx.groups.len()]}}],
    })
}

pub fn remote_assistance_partner(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (id, name, modified) = partner_header(ctx, "remoteAssistancePartners", index, revision);
    json!({
        "@odata.type": "#microsoft.graph.remoteAssistancePartner",
        "id": id,
        "displayName": name,
        "onboardingUrl": format!("https://partner.example/onboard/{index}"),
        "onboardingStatus": "onboarded",
        "lastConnectionDateTime": modified,
    })
}

/// Registered hardware: serial, model, group tag and profile status. Graph documents a
/// `deviceAccountPassword` (Surface Hub / Teams Rooms accounts): a secret the backup drops.
pub fn autopilot_device(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "autopilotDevices",
        index,
        revision,
        &["Autopilot device"],
    );
    let serial = format!("{:010}", seed.next_u64() % 10_000_000_000);
    json!({
        "@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity",
        "id": header.id,
        "deploymentProfileAssignmentStatus": "assignedUnkownSyncState",
        "deploymentProfileAssignmentDetailedStatus": "none",
        "deploymentProfileAssignedDateTime": header.created,
        "groupTag": if revision.is_multiple_of(2) { "CORP" } else { "KIOSK" },
        "purchaseOrderIdentifier": "",
        "serialNumber": serial,
        "productKey": "",
        "manufacturer": *seed.pick(&["Microsoft Corporation", "Dell Inc.", "LENOVO"]),
        "model": *seed.pick(&["Surface Laptop 6", "Latitude 7450", "ThinkPad T14"]),
        "enrollmentState": "enrolled",
        "lastContactedDateTime": header.modified,
        "addressableUserName": "",
        "userPrincipalName": "",
        "resourceName": "",
        "skuNumber": "",
        "systemFamily": "",
        "azureActiveDirectoryDeviceId": ctx.guid("autopilotDevices/aad", index),
        "azureAdDeviceId": ctx.guid("autopilotDevices/aad", index),
        "managedDeviceId": ctx.guid("autopilotDevices/managed", index),
        "displayName": format!("CONTOSO-{serial}"),
        "deviceAccountUpn": "",
        "deviceAccountPassword": format!("{SIMULATED_SECRET}-{index}"),
        "deviceFriendlyName": "",
        "remediationState": "unknown",
        "remediationStateLastModifiedDateTime": "0001-01-01T00:00:00Z",
        "userlessEnrollmentStatus": "unknown",
    })
}
