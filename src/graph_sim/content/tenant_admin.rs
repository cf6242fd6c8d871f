//! Tenant administration: the tenant-wide device management settings, Company Portal
//! branding profiles, terms and conditions and device categories.
//!
//! Shapes: api-reference/beta/resources/intune-deviceconfig-devicemanagementsettings.md,
//! intune-wip-intunebrandingprofile.md, intune-companyterms-termsandconditions.md,
//! intune-shared-devicecategory.md.

use serde_json::{json, Value};

use super::common::{base64, header, Ctx};

/// `GET /deviceManagement/settings`: a complex property of `deviceManagement`, so it has
/// no `id`; one per tenant.
pub fn settings(_ctx: &Ctx, revision: u32) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementSettings",
        "deviceComplianceCheckinThresholdDays": 30 + revision,
        "isScheduledActionEnabled": true,
        "secureByDefault": true,
        "enhancedJailBreak": false,
        "deviceInactivityBeforeRetirementInDay": 180,
        "derivedCredentialProvider": "notConfigured",
        "derivedCredentialUrl": null,
        "androidDeviceAdministratorEnrollmentEnabled": false,
        "ignoreDevicesForUnsupportedSettingsEnabled": false,
        "enableLogCollection": true,
        "enableAutopilotDiagnostics": true,
        "enableEnhancedTroubleshootingExperience": false,
        "enableDeviceGroupMembershipReport": false,
        "m365AppDiagnosticsEnabled": false,
    })
}

/// The first profile is the tenant's default (`isDefaultProfile`).
pub fn branding_profile(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "brandingProfiles",
        index,
        revision,
        &["Contoso", "Contoso Retail", "Fabrikam subsidiary"],
    );
    // a 1x1 PNG: logos are small images Graph serves inline as `mimeContent`
    let logo = json!({"@odata.type": "microsoft.graph.mimeContent", "type": "image/png",
        "value": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="});
    json!({
        "@odata.type": "#microsoft.graph.intuneBrandingProfile",
        "id": header.id,
        "profileName": if index == 0 { "Default".to_owned() } else { header.name.clone() },
        "profileDescription": header.description,
        "isDefaultProfile": index == 0,
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "displayName": header.name,
        "contactITName": "IT service desk",
        "contactITPhoneNumber": format!("+1 555 01{:02}", seed.below(100)),
        "contactITEmailAddress": "servicedesk@contoso.example",
        "contactITNotes": format!("Open 8-18 (rev {revision})"),
        "privacyUrl": "https://contoso.example/privacy",
        "onlineSupportSiteUrl": "https://support.contoso.example",
        "onlineSupportSiteName": "Contoso support",
        "themeColor": {"r": 0, "g": 120, "b": 212},
        "showLogo": true,
        "showDisplayNameNextToLogo": false,
        "themeColorLogo": logo,
        "lightBackgroundLogo": logo,
        "landingPageCustomizedImage": null,
        "roleScopeTagIds": header.scope_tags,
    })
}

pub fn terms(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "termsAndConditions",
        index,
        revision,
        &["Acceptable use", "BYOD terms"],
    );
    json!({
        "@odata.type": "#microsoft.graph.termsAndConditions",
        "id": header.id,
        "createdDateTime": header.created,
        "modifiedDateTime": header.modified,
        "lastModifiedDateTime": header.modified,
        "displayName": header.name,
        "description": header.description,
        "title": format!("{} terms", header.name),
        "bodyText": format!("By enrolling you accept the {} policy, version {}.", header.name, header.version),
        "acceptanceStatement": "I accept these terms.",
        "version": header.version,
        "roleScopeTagIds": header.scope_tags,
    })
}

pub fn device_category(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "deviceCategories",
        index,
        revision,
        &["Sales", "Engineering", "Kiosk", "Executives"],
    );
    json!({
        "@odata.type": "#microsoft.graph.deviceCategory",
        "id": header.id,
        "displayName": header.name,
        "description": if revision == 0 { header.description } else { format!("{} (rev {revision})", header.description) },
        "roleScopeTagIds": header.scope_tags,
    })
}

/// The bytes of an uploaded ADMX file (base64 in `content`).
pub fn admx_content(name: &str, revision: u32) -> String {
    base64(&format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<policyDefinitions revision=\"1.{revision}\" schemaVersion=\"1.0\">\n  <policyNamespaces><target prefix=\"{name}\" namespace=\"Contoso.Policies.{name}\"/></policyNamespaces>\n</policyDefinitions>\n"
    ))
}
