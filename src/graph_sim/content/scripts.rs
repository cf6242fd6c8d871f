//! Scripts: PowerShell, macOS shell, remediations (detection + remediation) and custom
//! compliance scripts. `scriptContent` and friends are base64 and only in `GET /{id}`:
//! [`strip_content`] makes the list entry.

use serde_json::{json, Map, Value};

use super::common::{base64, extend, header, object, Ctx};

/// Properties Graph leaves out of script lists.
pub const CONTENT_FIELDS: &[&str] = &[
    "scriptContent",
    "detectionScriptContent",
    "remediationScriptContent",
];

/// The list entry of a script: the detail without its content (Graph gives `null`).
pub fn strip_content(detail: &Value) -> Value {
    let mut entry = detail.clone();
    if let Some(map) = entry.as_object_mut() {
        for field in CONTENT_FIELDS {
            if map.contains_key(*field) {
                map.insert((*field).to_owned(), Value::Null);
            }
        }
    }
    entry
}

const PS_NAMES: &[&str] = &[
    "Set time zone",
    "Map network drives",
    "Remove bloatware",
    "Install fonts",
    "Configure proxy",
];
const SH_NAMES: &[&str] = &[
    "Set hostname",
    "Install Rosetta",
    "Configure dock",
    "Enable FileVault escrow",
];
const HEALTH_NAMES: &[&str] = &[
    "Clear temp files",
    "Restart stuck service",
    "Fix time sync",
    "Renew certificates",
];

pub fn powershell_script(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, "powershellScripts", index, revision, PS_NAMES);
    let script = format!(
        "# {name}\n# revision {revision}\n$ErrorActionPreference = 'Stop'\nSet-TimeZone -Id '{zone}'\nWrite-Output 'done'\n",
        name = header.name,
        zone = seed.pick(&["W. Europe Standard Time", "GMT Standard Time", "Pacific Standard Time"]),
    );
    let mut map = object("deviceManagementScript", &header);
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({
            "runAsAccount": if seed.chance(70) { "system" } else { "user" },
            "enforceSignatureCheck": false,
            "fileName": format!("script-{:03}.ps1", index + 1),
            "runAs32Bit": false,
            "scriptContent": base64(&script),
        }),
    );
    Value::Object(map)
}

pub fn shell_script(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(ctx, "macosShellScripts", index, revision, SH_NAMES);
    let script = format!(
        "#!/bin/zsh\n# {name}\n# revision {revision}\nscutil --set HostName \"mac-$(ioreg -l | awk '/IOPlatformSerialNumber/ {{ print $4 }}' | tr -d '\"')\"\n",
        name = header.name,
    );
    let mut map = object("deviceShellScript", &header);
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({
            "runAsAccount": "system",
            "fileName": format!("script-{:03}.sh", index + 1),
            "executionFrequency": *seed.pick(&["PT0S", "PT1H", "P1D", "P1W"]),
            "retryCount": seed.below(4),
            "blockExecutionNotifications": seed.chance(50),
            "scriptContent": base64(&script),
        }),
    );
    Value::Object(map)
}

/// How many of a tenant's remediations are Microsoft's global scripts (the first ones):
/// every tenant has them, and a backup should skip them.
pub const GLOBAL_REMEDIATIONS: usize = 2;

pub fn health_script(ctx: &Ctx, key: &str, index: usize, revision: u32) -> Value {
    let global = key == "remediations" && index < GLOBAL_REMEDIATIONS;
    let (mut header, _) = header(ctx, key, index, revision, HEALTH_NAMES);
    if global {
        header.name = [
            "Restart Office Click-to-run service",
            "Update stale Group Policies",
        ][index]
            .to_owned();
        header.description = "Microsoft-provided remediation script".to_owned();
    }
    let detection = format!(
        "# detect: {name} (revision {revision})\nif (Test-Path 'C:\\\\ProgramData\\\\Contoso\\\\ok.flag') {{ exit 0 }} else {{ exit 1 }}\n",
        name = header.name
    );
    let mut map: Map<String, Value> = object(
        if key == "remediations" {
            "deviceHealthScript"
        } else {
            "deviceComplianceScript"
        },
        &header,
    );
    map.remove("@odata.type");
    extend(
        &mut map,
        json!({
            "publisher": if global { "Microsoft" } else { "Endpoint team" },
            "version": format!("{}", header.version),
            "runAsAccount": "system",
            "enforceSignatureCheck": false,
            "runAs32Bit": false,
            "detectionScriptContent": base64(&detection),
        }),
    );
    if key == "remediations" {
        let remediation = format!(
            "# remediate: {}\nNew-Item -Force 'C:\\\\ProgramData\\\\Contoso\\\\ok.flag'\n",
            header.name
        );
        extend(
            &mut map,
            json!({
                "isGlobalScript": global,
                "highestAvailableVersion": if global { json!("2") } else { Value::Null },
                "deviceHealthScriptType": "deviceHealthScript",
                "detectionScriptParameters": [],
                "remediationScriptParameters": [],
                "remediationScriptContent": base64(&remediation),
            }),
        );
    } else {
        map.insert("version".into(), json!(header.version.to_string()));
        // `platform` (deviceComplianceScriptPlatformType: windows10, linux, macOS) is in the
        // beta metadata though the resource page does not list it (GRAPH.md); these
        // detection scripts are PowerShell, so Windows
        map.insert("platform".into(), json!("windows10"));
    }
    Value::Object(map)
}
