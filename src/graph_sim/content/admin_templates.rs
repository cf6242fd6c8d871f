//! Administrative templates (`groupPolicyConfiguration`): the policy, its
//! `definitionValues` (with `$expand=definition`) and each value's `presentationValues`
//! (with `$expand=presentation`): three levels, each paged.

use serde_json::{json, Value};

use super::common::{header, Ctx};
use super::seed;

const KEY: &str = "administrativeTemplates";

const NAMES: &[&str] = &[
    "Office macros",
    "OneDrive silent config",
    "Edge homepage",
    "Chrome extensions",
    "Windows logon",
    "Remote desktop",
    "Internet zones",
];

const DEFINITIONS: &[(&str, &str)] = &[
    (
        "Block macros from running in Office files from the Internet",
        "\\Microsoft Word 2016\\Word Options\\Security\\Trust Center",
    ),
    (
        "Silently move Windows known folders to OneDrive",
        "\\OneDrive",
    ),
    (
        "Configure the home page URL",
        "\\Microsoft Edge\\Startup, home page and new tab page",
    ),
    (
        "Configure the list of force-installed apps and extensions",
        "\\Google\\Google Chrome\\Extensions",
    ),
    (
        "Do not display last user name",
        "\\Windows Components\\Windows Logon Options",
    ),
    (
        "Require user authentication for remote connections by using NLA",
        "\\Windows Components\\Remote Desktop Services\\Remote Desktop Session Host\\Security",
    ),
    (
        "Site to Zone Assignment List",
        "\\Windows Components\\Internet Explorer\\Internet Control Panel\\Security Page",
    ),
    (
        "Turn off Microsoft consumer experiences",
        "\\Windows Components\\Cloud Content",
    ),
];

pub fn configuration(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(ctx, KEY, index, revision, NAMES);
    json!({
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "roleScopeTagIds": header.scope_tags,
        "policyConfigurationIngestionType": "builtIn",
        "createdDateTime": header.created,
        "lastModifiedDateTime": header.modified,
    })
}

fn values_kind(index: usize) -> String {
    format!("{KEY}/{index}/definitionValues")
}

/// The definition values of policy `index`; with `expand_definition` each carries its
/// `definition`. The revision toggles the first value.
pub fn definition_values(
    ctx: &Ctx,
    index: usize,
    revision: u32,
    expand_definition: bool,
) -> Vec<Value> {
    let (policy, _) = header(ctx, KEY, index, revision, NAMES);
    let kind = values_kind(index);
    // consecutive definitions from a drawn start: a policy sets each definition once at
    // most, as Intune allows (a value per definition per configuration)
    let first = ctx.seed(&kind, 0).below(DEFINITION_COUNT);
    (0..ctx.definition_values_per_policy)
        .map(|position| {
            let mut seed = ctx.seed(&kind, position);
            let _ = seed.below(DEFINITION_COUNT);
            let definition_index = (first + position) % DEFINITION_COUNT;
            let flip = position == 0 && revision % 2 == 1;
            let mut value = json!({
                "id": ctx.guid(&kind, position),
                "createdDateTime": policy.created,
                "lastModifiedDateTime": if position == 0 { policy.modified.clone() } else { policy.created.clone() },
                "enabled": seed.chance(85) != flip,
                "configurationType": "policy",
            });
            if expand_definition {
                value["definition"] = definition(definition_index);
            }
            value
        })
        .collect()
}

/// How many built-in definitions values draw from.
const DEFINITION_COUNT: usize = DEFINITIONS.len() * 40;

/// Built-in (Microsoft's ADMX) definitions have the same ids in every tenant; only
/// definitions of uploaded custom ADMX files are per tenant (GRAPH.md "Writing back").
fn definition_id(definition_index: usize) -> String {
    seed::guid("microsoft", "groupPolicyDefinition", definition_index)
}

/// The built-in definition with id `id` (what `definition@odata.bind` names).
pub fn definition_by_id(id: &str) -> Option<Value> {
    (0..DEFINITION_COUNT)
        .find(|&index| definition_id(index).eq_ignore_ascii_case(id))
        .map(definition)
}

/// The presentation a value of `value_type` belongs to, with id `id` (`$expand=presentation`).
pub fn presentation_of(value_type: &str, id: &str) -> Value {
    let mut presentation = match value_type.trim_start_matches("#microsoft.graph.") {
        "groupPolicyPresentationValueText" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationTextBox", "label": "Value:", "required": true, "defaultValue": "", "maxLength": 1023})
        }
        "groupPolicyPresentationValueBoolean" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationCheckBox", "label": "Enable", "defaultChecked": false})
        }
        "groupPolicyPresentationValueDecimal" | "groupPolicyPresentationValueLongDecimal" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationDecimalTextBox", "label": "Seconds:", "defaultValue": 60, "required": false, "minValue": 0, "maxValue": 3600, "spin": true, "spinStep": 1})
        }
        "groupPolicyPresentationValueMultiText" => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationMultiTextBox", "label": "Values:", "required": false, "maxLength": 1023, "maxStrings": 0})
        }
        _ => {
            json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationListBox", "label": "Zone assignments", "explicitValue": true, "valuePrefix": ""})
        }
    };
    presentation["id"] = json!(id);
    presentation["lastModifiedDateTime"] = json!("2024-02-13T09:12:44.1430000Z");
    presentation
}

fn definition(definition_index: usize) -> Value {
    let (name, category) = DEFINITIONS[definition_index % DEFINITIONS.len()];
    let variant = definition_index / DEFINITIONS.len();
    json!({
        "id": definition_id(definition_index),
        "classType": if definition_index.is_multiple_of(3) { "user" } else { "machine" },
        "displayName": if variant == 0 { name.to_owned() } else { format!("{name} ({variant})") },
        "explainText": format!("This policy setting lets you decide: {name}."),
        "categoryPath": category,
        "supportedOn": "At least Windows 10",
        "policyType": "admxBacked",
        "hasRelatedDefinitions": false,
        "minDeviceCspVersion": "10.0",
        "minUserCspVersion": "10.0",
        "version": "1.0",
        "lastModifiedDateTime": "2024-02-13T09:12:44.1430000Z"
    })
}

/// The position of definition value `value_id` of policy `index`, if it is one of them.
pub fn value_position(ctx: &Ctx, index: usize, value_id: &str) -> Option<usize> {
    let kind = values_kind(index);
    (0..ctx.definition_values_per_policy).find(|&position| ctx.guid(&kind, position) == value_id)
}

/// The presentation values of definition value `position` of policy `index` (0 to 3).
pub fn presentation_values(
    ctx: &Ctx,
    index: usize,
    position: usize,
    revision: u32,
    expand_presentation: bool,
) -> Vec<Value> {
    let kind = format!("{}/{position}/presentationValues", values_kind(index));
    let mut seed = ctx.seed(&kind, 0);
    let count = seed.below(4);
    let bump = if position == 0 { revision as usize } else { 0 };
    (0..count)
        .map(|p| {
            let id = ctx.guid(&kind, p + 1);
            let presentation_id = ctx.guid(&format!("{kind}/presentation"), p);
            let mut value = match seed.below(4) {
                0 => json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": format!("https://intranet.example.com/{}", seed.below(90) + bump)}),
                1 => json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": (seed.below(2) + bump) % 2 == 1}),
                2 => json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueDecimal", "value": seed.below(3600) + bump}),
                _ => json!({"@odata.type": "#microsoft.graph.groupPolicyPresentationValueList", "values": [
                    {"name": "https://portal.example.com", "value": (2 + bump % 2).to_string()},
                    {"name": format!("https://app{}.example.com", seed.below(50)), "value": "1"}
                ]}),
            };
            let presentation = presentation_of(value["@odata.type"].as_str().unwrap_or_default(), &presentation_id);
            value["id"] = json!(id);
            value["createdDateTime"] = json!("2024-02-13T09:12:44.1430000Z");
            value["lastModifiedDateTime"] = json!("2024-02-13T09:12:44.1430000Z");
            if expand_presentation {
                value["presentation"] = presentation;
            }
            value
        })
        .collect()
}
