//! Windows Information Protection policies: listed in `managedAppPolicies` with their base
//! properties only, read whole from their typed collections
//! (`windowsInformationProtectionPolicies`, `mdmWindowsInformationProtectionPolicies`) with
//! their AppLocker files as child collections.
//!
//! Shapes: api-reference/beta/resources/intune-mam-windowsinformationprotectionpolicy.md,
//! intune-mam-mdmwindowsinformationprotectionpolicy.md and
//! intune-mam-windowsinformationprotectionapplockerfile.md.

use serde_json::{json, Map, Value};

use super::common::{base64, extend, header, object, Ctx};

const NAMES: &[&str] = &[
    "WIP corporate data",
    "WIP allowed apps",
    "WIP enrolled devices",
];

/// The properties `managedAppPolicy` (the base type) has: what the mixed list shows.
const BASE_PROPERTIES: &[&str] = &[
    "@odata.type",
    "id",
    "displayName",
    "description",
    "createdDateTime",
    "lastModifiedDateTime",
    "roleScopeTagIds",
    "version",
];

pub fn policy(ctx: &Ctx, kind: &str, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, "appProtection", index, revision, NAMES);
    let mut map = object(kind, &header);
    map.insert(
        "version".into(),
        json!(format!("\"{:08x}\"", header.version * 6151 + index as u32)),
    );
    let domain = format!("contoso{}.example.com", seed.below(9));
    extend(
        &mut map,
        json!({
            "enforcementLevel": *seed.pick(&["encryptAndAuditOnly", "encryptAuditAndPrompt", "encryptAuditAndBlock"]),
            "enterpriseDomain": domain,
            "enterpriseProtectedDomainNames": [{"displayName": "Corporate", "resources": [domain.clone()]}],
            "protectionUnderLockConfigRequired": false,
            "dataRecoveryCertificate": null,
            "revokeOnUnenrollDisabled": revision.is_multiple_of(2),
            "rightsManagementServicesTemplateId": null,
            "azureRightsManagementServicesAllowed": false,
            "iconsVisible": true,
            "protectedApps": [{
                "@odata.type": "#microsoft.graph.windowsInformationProtectionDesktopApp",
                "displayName": "Microsoft Edge", "description": null,
                "publisherName": "O=MICROSOFT CORPORATION, L=REDMOND, S=WASHINGTON, C=US",
                "productName": "MICROSOFT EDGE", "denied": false,
                "binaryName": "msedge.exe", "binaryVersionLow": "*", "binaryVersionHigh": "*"
            }],
            "exemptApps": [],
            "enterpriseNetworkDomainNames": [{"displayName": "Intranet", "resources": [format!("corp.{domain}")]}],
            "enterpriseProxiedDomains": [],
            "enterpriseIPRanges": [{"displayName": "Offices", "ranges": [{
                "@odata.type": "#microsoft.graph.iPv4Range",
                "lowerAddress": format!("10.{}.0.0", seed.below(200)), "upperAddress": "10.255.255.255"
            }]}],
            "enterpriseIPRangesAreAuthoritative": true,
            "enterpriseProxyServers": [],
            "enterpriseInternalProxyServers": [],
            "enterpriseProxyServersAreAuthoritative": false,
            "neutralDomainResources": [],
            "indexingEncryptedStoresOrItemsBlocked": false,
            "smbAutoEncryptedFileExtensions": [],
            "isAssigned": true,
            "revokeOnMdmHandoffDisabled": false,
            "mdmEnrollmentUrl": "https://enrollment.manage.microsoft.com/enrollmentserver/discovery.svc",
            "windowsHelloForBusinessBlocked": false,
            "pinMinimumLength": 6 + seed.below(3),
            "pinUppercaseLetters": "notAllow",
            "pinLowercaseLetters": "notAllow",
            "pinSpecialCharacters": "notAllow",
            "pinExpirationDays": 0,
            "numberOfPastPinsRemembered": 0,
            "passwordMaximumAttemptCount": 0,
            "minutesOfInactivityBeforeDeviceLock": 0,
            "daysWithoutContactBeforeUnenroll": 90,
        }),
    );
    if kind == "mdmWindowsInformationProtectionPolicy" {
        // the MDM kind has none of the MAM-only PIN and unenrolment settings
        for field in [
            "revokeOnMdmHandoffDisabled",
            "mdmEnrollmentUrl",
            "windowsHelloForBusinessBlocked",
            "pinMinimumLength",
            "pinUppercaseLetters",
            "pinLowercaseLetters",
            "pinSpecialCharacters",
            "pinExpirationDays",
            "numberOfPastPinsRemembered",
            "passwordMaximumAttemptCount",
            "minutesOfInactivityBeforeDeviceLock",
            "daysWithoutContactBeforeUnenroll",
        ] {
            map.remove(field);
        }
    }
    Value::Object(map)
}

/// Whether `detail` is a WIP policy (listed with its base properties only).
pub fn is_wip(detail: &Value) -> bool {
    detail["@odata.type"]
        .as_str()
        .is_some_and(|odata_type| odata_type.ends_with("indowsInformationProtectionPolicy"))
}

/// A WIP policy as `managedAppPolicies` lists it: the base type's properties.
pub fn list_entry(detail: &Value) -> Value {
    let Value::Object(fields) = detail else {
        return detail.clone();
    };
    let kept: Map<String, Value> = fields
        .iter()
        .filter(|(name, _)| BASE_PROPERTIES.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}

/// `protectedAppLockerFiles` or `exemptAppLockerFiles` of policy `index`: AppLocker XML
/// files (`file` is base64 binary).
pub fn app_locker_files(ctx: &Ctx, policy_id: &str, index: usize, exempt: bool) -> Vec<Value> {
    let kind = if exempt { "exempt" } else { "protected" };
    let mut seed = ctx.seed(&format!("appProtection/{kind}AppLockerFiles"), index);
    (0..1 + seed.below(2))
        .map(|position| {
            let xml = format!(
                "<AppLockerPolicy Version=\"1\"><RuleCollection Type=\"Exe\" EnforcementMode=\"Enabled\"><FilePublisherRule Id=\"{}\" Name=\"{kind} app {position}\" Action=\"Allow\"/></RuleCollection></AppLockerPolicy>",
                ctx.guid("appLockerRule", index * 10 + position)
            );
            json!({
                "@odata.type": "#microsoft.graph.windowsInformationProtectionAppLockerFile",
                "id": format!("{policy_id}_{kind}_{position}"),
                "displayName": format!("{kind} apps {}", position + 1),
                "fileHash": ctx.guid("appLockerHash", index * 10 + position).replace('-', ""),
                "file": base64(&xml),
                "version": format!("{}.0", 1 + seed.below(3)),
            })
        })
        .collect()
}
