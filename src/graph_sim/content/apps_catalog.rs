//! The app catalog: `mobileApps` (metadata only: Graph serves no binaries here, the
//! packages live in Intune's content store behind `contentVersions`) and the app
//! categories they are filed under.
//!
//! Shapes: api-reference/beta/resources/intune-shared-mobileapp.md (base),
//! intune-apps-win32lobapp.md, intune-apps-iosstoreapp.md, intune-apps-webapp.md,
//! intune-apps-wingetapp.md, intune-apps-mobileappcategory.md,
//! intune-apps-mobileappassignment.md.

use serde_json::{json, Value};

use super::common::{extend, header, object, Ctx};

const NAMES: &[&str] = &[
    "Company Portal",
    "7-Zip",
    "Microsoft Edge",
    "Adobe Acrobat Reader",
    "Intranet",
    "Zoom",
];

/// One app of the tenant; its kind rotates through Win32, iOS store, web and WinGet apps.
pub fn mobile_app(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, "mobileApps", index, revision, NAMES);
    let kind = ["win32LobApp", "iosStoreApp", "webApp", "winGetApp"][index % 4];
    let mut map = object(kind, &header);
    map.remove("lastModifiedDateTime");
    extend(
        &mut map,
        json!({
            "publisher": *seed.pick(&["Contoso IT", "Microsoft Corporation", "Igor Pavlov"]),
            "largeIcon": null,
            "lastModifiedDateTime": header.modified,
            "isFeatured": seed.chance(20),
            "privacyInformationUrl": "https://contoso.example/privacy",
            "informationUrl": null,
            "owner": "Endpoint team",
            "developer": "",
            "notes": format!("revision {revision}"),
            "uploadState": 1,
            "publishingState": "published",
            "isAssigned": true,
            "dependentAppCount": 0,
            "supersedingAppCount": 0,
            "supersededAppCount": 0,
        }),
    );
    let own = match kind {
        "win32LobApp" => json!({
            "committedContentVersion": "1",
            "fileName": format!("app{index}.intunewin"),
            "size": 1_048_576 + seed.below(50_000_000),
            "installCommandLine": format!("setup.exe /S /rev{revision}"),
            "uninstallCommandLine": "setup.exe /uninstall /S",
            "applicableArchitectures": "x64",
            "allowedArchitectures": null,
            "minimumFreeDiskSpaceInMB": null,
            "minimumMemoryInMB": null,
            "minimumNumberOfProcessors": null,
            "minimumCpuSpeedInMHz": null,
            "detectionRules": [{
                "@odata.type": "#microsoft.graph.win32LobAppRegistryDetection",
                "check32BitOn64System": false,
                "keyPath": format!("HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App{index}"),
                "valueName": "Version",
                "detectionType": "exists",
                "operator": "notConfigured",
                "detectionValue": null
            }],
            "requirementRules": [],
            "rules": [],
            "installExperience": {"runAsAccount": "system", "maxRunTimeInMinutes": 60, "deviceRestartBehavior": "suppress"},
            "returnCodes": [{"returnCode": 0, "type": "success"}, {"returnCode": 3010, "type": "softReboot"}],
            "msiInformation": null,
            "setupFilePath": "setup.exe",
            "minimumSupportedWindowsRelease": "2H20",
            "displayVersion": format!("1.{revision}.0"),
            "allowAvailableUninstall": true,
        }),
        "iosStoreApp" => json!({
            "bundleId": format!("com.contoso.app{index}"),
            "appStoreUrl": format!("https://apps.apple.com/app/id{}", 100_000_000 + index),
            "applicableDeviceType": {"iPad": true, "iPhoneAndIPod": true},
            "minimumSupportedOperatingSystem": {"v15_0": true},
        }),
        "webApp" => json!({
            "appUrl": format!("https://intranet.contoso.example/app{index}?rev={revision}"),
            "useManagedBrowser": true,
        }),
        _ => json!({
            "manifestHash": format!("{:016x}", seed.next_u64()),
            "packageIdentifier": format!("9WZDNCRF{index:04}"),
            "installExperience": {"runAsAccount": "user"},
        }),
    };
    extend(&mut map, own);
    serde_json::Value::Object(map)
}

/// `mobileApps/{id}/categories`: the categories the app is filed under, as full objects.
pub fn categories(ctx: &Ctx, index: usize) -> Vec<Value> {
    let count = ctx.count("mobileAppCategories");
    if count == 0 {
        return Vec::new();
    }
    let mut seed = ctx.seed("mobileApps/categories", index);
    let first = seed.below(count);
    let mut picked = vec![first];
    if count > 1 && seed.chance(40) {
        picked.push((first + 1) % count);
    }
    picked
        .into_iter()
        .map(|category| mobile_app_category(ctx, category, 0))
        .collect()
}

pub fn mobile_app_category(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "mobileAppCategories",
        index,
        revision,
        &[
            "Productivity",
            "Line of business",
            "Security",
            "Collaboration",
        ],
    );
    json!({
        "@odata.type": "#microsoft.graph.mobileAppCategory",
        "id": header.id,
        "displayName": header.name,
        "lastModifiedDateTime": header.modified,
    })
}
