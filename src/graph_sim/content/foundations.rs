//! Foundations: assignment filters, scope tags, notification message templates (with
//! their localized messages). Reusable settings and compliance scripts live with their
//! look-alikes (`settings_catalog`, `scripts`).

use serde_json::{json, Value};

use super::common::{header, Ctx};

pub fn assignment_filter(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "assignmentFilters",
        index,
        revision,
        &[
            "Corporate devices",
            "Windows 11 only",
            "Surface hardware",
            "Kiosks",
        ],
    );
    let (platform, rule) = *seed.pick(&[
        (
            "windows10AndLater",
            "(device.osVersion -startsWith \"10.0.2\")",
        ),
        (
            "windows10AndLater",
            "(device.deviceOwnership -eq \"Corporate\")",
        ),
        ("iOS", "(device.model -startsWith \"iPad\")"),
        ("androidForWork", "(device.manufacturer -eq \"samsung\")"),
    ]);
    json!({
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
        "platform": platform,
        "rule": if revision == 0 { rule.to_owned() } else { format!("{rule} and (device.enrollmentProfileName -ne \"rev{revision}\")") },
        "roleScopeTags": header.scope_tags,
        "payloads": [],
        "assignmentFilterManagementType": "devices",
    })
}

/// Scope tag ids are small integers as strings; "0" is the built-in Default, listed first
/// and not counted in the configuration.
pub fn scope_tag(ctx: &Ctx, index: usize, revision: u32) -> Value {
    if index == 0 {
        return json!({"id": "0", "displayName": "Default", "description": "Default Scope Tag", "isBuiltIn": true});
    }
    let (header, _) = header(
        ctx,
        "scopeTags",
        index,
        revision,
        &["Region", "Subsidiary", "Helpdesk tier"],
    );
    let description = if revision == 0 {
        header.description
    } else {
        format!("{} (rev {revision})", header.description)
    };
    json!({"id": index.to_string(), "displayName": header.name, "description": description, "isBuiltIn": false})
}

pub fn notification_template(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "notificationTemplates",
        index,
        revision,
        &["Non-compliant device", "Final warning"],
    );
    json!({
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "lastModifiedDateTime": header.modified,
        "defaultLocale": "en-US",
        "brandingOptions": "includeCompanyLogo,includeCompanyName,includeContactInformation",
        "roleScopeTagIds": header.scope_tags,
    })
}

pub fn localized_messages(ctx: &Ctx, index: usize, revision: u32) -> Vec<Value> {
    let (header, _) = header(
        ctx,
        "notificationTemplates",
        index,
        revision,
        &["Non-compliant device", "Final warning"],
    );
    [
        ("en-US", "Your device is not compliant"),
        ("de-DE", "Ihr Gerät ist nicht konform"),
    ]
    .iter()
    .enumerate()
    .map(|(position, (locale, subject))| {
        json!({
            "id": format!("{}_{locale}", header.id),
            "lastModifiedDateTime": header.modified,
            "locale": locale,
            "subject": subject,
            "messageTemplate": format!("Please update your device within {} days.", 3 + revision),
            "isDefault": position == 0,
        })
    })
    .collect()
}
