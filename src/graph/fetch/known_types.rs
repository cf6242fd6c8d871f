//! The `@odata.type` values this client knows for each polymorphic collection, so an object
//! of a kind Microsoft added after this list was written is captured as served (never
//! dropped, never a failed type) and named in the run's report: its restore or diff may then
//! need a newer client (issue 16, "Bad input").
//!
//! The derived types of Microsoft Graph beta's base resources, each with a page of its own
//! that says "Inherits from deviceConfiguration" (and so on); the lists were written from
//! those pages, not generated from the beta `$metadata` (the search tool could not serve the
//! whole file), so a real kind missing here gives a false warning, never a lost object.
//! The base pages:
//! https://learn.microsoft.com/graph/api/resources/intune-shared-deviceconfiguration?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/intune-shared-devicecompliancepolicy?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/intune-onboarding-deviceenrollmentconfiguration?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/intune-enrollment-windowsautopilotdeploymentprofile?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/intune-apps-manageddevicemobileappconfiguration?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/intune-shared-mobileapp?view=graph-rest-beta,
//! https://learn.microsoft.com/graph/api/resources/namedlocation?view=graph-rest-beta.
//! Types whose collection holds one kind (or whose objects carry no `@odata.type`) have no
//! list and are not checked; app protection names its unknown kinds itself.

use serde::Deserialize;

const PREFIX: &str = "#microsoft.graph.";

/// The known kinds of the catalog type `key` (without the `#microsoft.graph.` prefix), or
/// `None` when the type is not checked.
fn known(key: &str) -> Option<&'static [&'static str]> {
    Some(match key {
        "deviceConfigurations" => DEVICE_CONFIGURATIONS,
        "deviceCompliancePolicies" => DEVICE_COMPLIANCE_POLICIES,
        "enrollmentConfigurations" => ENROLLMENT_CONFIGURATIONS,
        "autopilotProfiles" => AUTOPILOT_PROFILES,
        "appConfigManagedDevices" => MOBILE_APP_CONFIGURATIONS,
        "mobileApps" => MOBILE_APPS,
        "namedLocations" => NAMED_LOCATIONS,
        _ => return None,
    })
}

/// The report line for an object of a kind unknown to this client, if it is one.
pub(crate) fn unknown_kind(key: &str, graph_id: &str, content_text: &str) -> Option<String> {
    let known = known(key)?;
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "@odata.type")]
        odata_type: Option<String>,
    }
    // only the one field is kept: the rest of the object is skipped, not built
    let odata_type = serde_json::from_str::<Kind>(content_text)
        .ok()?
        .odata_type?;
    let short = odata_type.strip_prefix(PREFIX);
    if short.is_some_and(|short| known.contains(&short)) {
        return None;
    }
    Some(format!(
        "{graph_id}: @odata.type {odata_type} is not one this client knows; kept as served"
    ))
}

const DEVICE_CONFIGURATIONS: &[&str] = &[
    "androidCertificateProfileBase",
    "androidCustomConfiguration",
    "androidDeviceOwnerCertificateProfileBase",
    "androidDeviceOwnerDerivedCredentialAuthenticationConfiguration",
    "androidDeviceOwnerEnterpriseWiFiConfiguration",
    "androidDeviceOwnerGeneralDeviceConfiguration",
    "androidDeviceOwnerImportedPFXCertificateProfile",
    "androidDeviceOwnerPkcsCertificateProfile",
    "androidDeviceOwnerScepCertificateProfile",
    "androidDeviceOwnerTrustedRootCertificate",
    "androidDeviceOwnerVpnConfiguration",
    "androidDeviceOwnerWiFiConfiguration",
    "androidEasEmailProfileConfiguration",
    "androidEnterpriseWiFiConfiguration",
    "androidForWorkCertificateProfileBase",
    "androidForWorkCustomConfiguration",
    "androidForWorkEasEmailProfileBase",
    "androidForWorkEnterpriseWiFiConfiguration",
    "androidForWorkGeneralDeviceConfiguration",
    "androidForWorkGmailEasConfiguration",
    "androidForWorkImportedPFXCertificateProfile",
    "androidForWorkNineWorkEasConfiguration",
    "androidForWorkPkcsCertificateProfile",
    "androidForWorkScepCertificateProfile",
    "androidForWorkTrustedRootCertificate",
    "androidForWorkVpnConfiguration",
    "androidForWorkWiFiConfiguration",
    "androidGeneralDeviceConfiguration",
    "androidImportedPFXCertificateProfile",
    "androidOmaCpConfiguration",
    "androidPkcsCertificateProfile",
    "androidScepCertificateProfile",
    "androidTrustedRootCertificate",
    "androidVpnConfiguration",
    "androidWiFiConfiguration",
    "androidWorkProfileCertificateProfileBase",
    "androidWorkProfileCustomConfiguration",
    "androidWorkProfileEasEmailProfileBase",
    "androidWorkProfileEnterpriseWiFiConfiguration",
    "androidWorkProfileGeneralDeviceConfiguration",
    "androidWorkProfileGmailEasConfiguration",
    "androidWorkProfileNineWorkEasConfiguration",
    "androidWorkProfilePkcsCertificateProfile",
    "androidWorkProfileScepCertificateProfile",
    "androidWorkProfileTrustedRootCertificate",
    "androidWorkProfileVpnConfiguration",
    "androidWorkProfileWiFiConfiguration",
    "aospDeviceOwnerCertificateProfileBase",
    "aospDeviceOwnerDeviceConfiguration",
    "aospDeviceOwnerEnterpriseWiFiConfiguration",
    "aospDeviceOwnerPkcsCertificateProfile",
    "aospDeviceOwnerScepCertificateProfile",
    "aospDeviceOwnerTrustedRootCertificate",
    "aospDeviceOwnerWiFiConfiguration",
    "appleDeviceFeaturesConfigurationBase",
    "appleExpeditedCheckinConfigurationBase",
    "appleVpnConfiguration",
    "editionUpgradeConfiguration",
    "easEmailProfileConfigurationBase",
    "iosCertificateProfile",
    "iosCertificateProfileBase",
    "iosCustomConfiguration",
    "iosDerivedCredentialAuthenticationConfiguration",
    "iosDeviceFeaturesConfiguration",
    "iosEasEmailProfileConfiguration",
    "iosEduDeviceConfiguration",
    "iosEducationDeviceConfiguration",
    "iosEnterpriseWiFiConfiguration",
    "iosExpeditedCheckinConfiguration",
    "iosGeneralDeviceConfiguration",
    "iosImportedPFXCertificateProfile",
    "iosikEv2VpnConfiguration",
    "iosPkcsCertificateProfile",
    "iosScepCertificateProfile",
    "iosTrustedRootCertificate",
    "iosUpdateConfiguration",
    "iosVpnConfiguration",
    "iosWiFiConfiguration",
    "macOSCertificateProfileBase",
    "macOSCustomAppConfiguration",
    "macOSCustomConfiguration",
    "macOSDeviceFeaturesConfiguration",
    "macOSEndpointProtectionConfiguration",
    "macOSEnterpriseWiFiConfiguration",
    "macOSExtensionsConfiguration",
    "macOSGeneralDeviceConfiguration",
    "macOSImportedPFXCertificateProfile",
    "macOSPkcsCertificateProfile",
    "macOSScepCertificateProfile",
    "macOSSoftwareUpdateConfiguration",
    "macOSTrustedRootCertificate",
    "macOSVpnConfiguration",
    "macOSWiFiConfiguration",
    "macOSWiredNetworkConfiguration",
    "sharedPCConfiguration",
    "unsupportedDeviceConfiguration",
    "vpnConfiguration",
    "windows10CertificateProfileBase",
    "windows10CustomConfiguration",
    "windows10DeviceFirmwareConfigurationInterface",
    "windows10EasEmailProfileConfiguration",
    "windows10EndpointProtectionConfiguration",
    "windows10EnterpriseModernAppManagementConfiguration",
    "windows10GeneralConfiguration",
    "windows10ImportedPFXCertificateProfile",
    "windows10NetworkBoundaryConfiguration",
    "windows10PFXImportCertificateProfile",
    "windows10PkcsCertificateProfile",
    "windows10SecureAssessmentConfiguration",
    "windows10TeamGeneralConfiguration",
    "windows10VpnConfiguration",
    "windows81CertificateProfileBase",
    "windows81GeneralConfiguration",
    "windows81SCEPCertificateProfile",
    "windows81TrustedRootCertificate",
    "windows81VpnConfiguration",
    "windows81WifiImportConfiguration",
    "windowsCertificateProfileBase",
    "windowsDefenderAdvancedThreatProtectionConfiguration",
    "windowsDeliveryOptimizationConfiguration",
    "windowsDomainJoinConfiguration",
    "windowsHealthMonitoringConfiguration",
    "windowsIdentityProtectionConfiguration",
    "windowsKioskConfiguration",
    "windowsPhone81CertificateProfileBase",
    "windowsPhone81CustomConfiguration",
    "windowsPhone81GeneralConfiguration",
    "windowsPhone81ImportedPFXCertificateProfile",
    "windowsPhone81SCEPCertificateProfile",
    "windowsPhone81TrustedRootCertificate",
    "windowsPhone81VpnConfiguration",
    "windowsPhoneEASEmailProfileConfiguration",
    "windowsUpdateForBusinessConfiguration",
    "windowsVpnConfiguration",
    "windowsWifiConfiguration",
    "windowsWifiEnterpriseEAPConfiguration",
    "windowsWiredNetworkConfiguration",
];

const DEVICE_COMPLIANCE_POLICIES: &[&str] = &[
    "androidCompliancePolicy",
    "androidDeviceOwnerCompliancePolicy",
    "androidForWorkCompliancePolicy",
    "androidWorkProfileCompliancePolicy",
    "aospDeviceOwnerCompliancePolicy",
    "defaultDeviceCompliancePolicy",
    "iosCompliancePolicy",
    "macOSCompliancePolicy",
    "windows10CompliancePolicy",
    "windows10MobileCompliancePolicy",
    "windows81CompliancePolicy",
    "windowsPhone81CompliancePolicy",
];

const ENROLLMENT_CONFIGURATIONS: &[&str] = &[
    "deviceComanagementAuthorityConfiguration",
    "deviceEnrollmentLimitConfiguration",
    "deviceEnrollmentNotificationConfiguration",
    "deviceEnrollmentPlatformRestrictionConfiguration",
    "deviceEnrollmentPlatformRestrictionsConfiguration",
    "deviceEnrollmentWindowsHelloForBusinessConfiguration",
    "windows10EnrollmentCompletionPageConfiguration",
    "windowsRestoreDeviceEnrollmentConfiguration",
];

const AUTOPILOT_PROFILES: &[&str] = &[
    "activeDirectoryWindowsAutopilotDeploymentProfile",
    "azureADWindowsAutopilotDeploymentProfile",
];

const MOBILE_APP_CONFIGURATIONS: &[&str] = &[
    "androidForWorkMobileAppConfiguration",
    "androidManagedStoreAppConfiguration",
    "iosMobileAppConfiguration",
];

const MOBILE_APPS: &[&str] = &[
    "androidForWorkApp",
    "androidLobApp",
    "androidManagedStoreApp",
    "androidManagedStoreWebApp",
    "androidStoreApp",
    "iosiPadOSWebClip",
    "iosLobApp",
    "iosStoreApp",
    "iosVppApp",
    "macOSDmgApp",
    "macOSLobApp",
    "macOSMdatpApp",
    "macOSMicrosoftDefenderApp",
    "macOSMicrosoftEdgeApp",
    "macOSOfficeSuiteApp",
    "macOSPkgApp",
    "macOsVppApp",
    "macOSWebClip",
    "managedAndroidLobApp",
    "managedAndroidStoreApp",
    "managedIOSLobApp",
    "managedIOSStoreApp",
    "microsoftStoreForBusinessApp",
    "officeSuiteApp",
    "webApp",
    "win32CatalogApp",
    "win32LobApp",
    "windowsAppX",
    "windowsMicrosoftEdgeApp",
    "windowsMobileMSI",
    "windowsPhone81AppX",
    "windowsPhone81AppXBundle",
    "windowsPhone81StoreApp",
    "windowsPhoneXAP",
    "windowsStoreApp",
    "windowsUniversalAppX",
    "windowsWebApp",
    "winGetApp",
];

const NAMED_LOCATIONS: &[&str] = &[
    "compliantNetworkNamedLocation",
    "countryNamedLocation",
    "ipNamedLocation",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kinds_missing_from_a_checked_list_are_named() {
        let known =
            r##"{"id":"a","@odata.type":"#microsoft.graph.windows10GeneralConfiguration"}"##;
        assert_eq!(unknown_kind("deviceConfigurations", "a", known), None);
        let future = r##"{"id":"f","@odata.type":"#microsoft.graph.futureConfigurationKind"}"##;
        assert_eq!(
            unknown_kind("deviceConfigurations", "f", future).as_deref(),
            Some(
                "f: @odata.type #microsoft.graph.futureConfigurationKind is not one this client \
                 knows; kept as served"
            )
        );
        // a type without a list, or an object without a kind, is not checked
        assert_eq!(unknown_kind("scopeTags", "f", future), None);
        assert_eq!(unknown_kind("mobileApps", "n", r#"{"id":"n"}"#), None);
    }
}
