//! The requests a create or an update consists of, built from backed-up content (pure:
//! no I/O): what is stripped, how each type's children are written (README "Writes").

use serde_json::{json, Map, Value};

use super::roles;
use super::rules::{self, is_annotation, server_computed, Update};
use super::templates;
use crate::graph::types::{GraphError, GraphErrorCode};

/// One request of a write. `body` never holds a secret: `[sealed]` stands where a secret
/// goes (`secrets.rs` puts the value in just before sending).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
}

impl Step {
    fn post(path: String, body: Value) -> Self {
        Self {
            method: "POST",
            path,
            body: Some(body),
        }
    }
}

/// A create: the request that creates the object, then those that complete it, whose
/// paths are relative to the new object (`{c}/{id}` + suffix), then objects of their own
/// that refer to it (a role's assignments: `roles::NEW_ROLE_ID` stands for its id).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Creation {
    pub create: Step,
    pub then: Vec<(&'static str, String, Value)>,
    pub after: Vec<Step>,
}

pub(crate) fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::new(GraphErrorCode::Internal, message)
}

fn collection(type_key: &str) -> Result<&'static str, GraphError> {
    rules::write_collection(type_key)
        .ok_or_else(|| invalid(format!("`{type_key}` is not a policy type")))
}

fn object(content: &Value) -> Result<&Map<String, Value>, GraphError> {
    content
        .as_object()
        .ok_or_else(|| invalid("the backed-up content is not a JSON object"))
}

/// The content without what is never sent: the type's server-computed fields,
/// annotations, assignments, and `also` (children written separately or rebuilt).
pub(crate) fn strip(type_key: &str, content: &Value, also: &[&str]) -> Result<Value, GraphError> {
    let computed = server_computed(type_key);
    let kept = object(content)?
        .iter()
        .filter(|(field, _)| {
            let field = field.as_str();
            !computed.contains(&field)
                && !is_annotation(field)
                && field != "assignments"
                && !also.contains(&field)
        })
        .map(|(field, value)| (field.clone(), without_annotations(value)))
        .collect();
    Ok(Value::Object(kept))
}

/// A property's value without the annotations Graph put inside it when it was read (a
/// Conditional Access policy's `grantControls` carries `authenticationStrength@odata.context`,
/// naming the source policy): Graph takes none of them back. Nested `@odata.type`s stay.
fn without_annotations(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(field, _)| field.as_str() == "@odata.type" || !is_annotation(field))
                .map(|(field, value)| (field.clone(), without_annotations(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// A child entry without its server-assigned id, timestamps and annotations.
pub(crate) fn child(entry: &Value) -> Value {
    match entry {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(field, _)| {
                    !matches!(
                        field.as_str(),
                        "id" | "createdDateTime" | "lastModifiedDateTime" | "version"
                    ) && !is_annotation(field)
                })
                .map(|(field, value)| (field.clone(), value.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(crate) fn array<'a>(content: &'a Value, field: &str) -> &'a [Value] {
    content
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Settings catalog settings as a create or PUT carries them: each typed, without its id
/// (and without an expanded `settingDefinitions`).
pub(crate) fn catalog_settings(content: &Value) -> Value {
    Value::Array(
        array(content, "settings")
            .iter()
            .map(|setting| {
                json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
                    "settingInstance": setting.get("settingInstance").cloned().unwrap_or(Value::Null),
                })
            })
            .collect(),
    )
}

/// The rules of `scheduledActionsForRule` without ids, each with its action configurations.
pub(crate) fn rules_of(content: &Value) -> Vec<Value> {
    array(content, "scheduledActionsForRule")
        .iter()
        .map(|rule| {
            let mut rule = child(rule);
            if let Some(Value::Array(actions)) = rule.get_mut("scheduledActionConfigurations") {
                *actions = actions.iter().map(child).collect();
            }
            rule
        })
        .collect()
}

/// Graph creates a device compliance policy only with exactly one `block` action
/// (docs-contrib #7391, #5561): a backup without one (read incomplete) gets the default
/// one Intune itself adds, "mark noncompliant immediately".
fn with_block_action(mut rules: Vec<Value>) -> Vec<Value> {
    let is_block =
        |action: &Value| action.get("actionType").and_then(Value::as_str) == Some("block");
    let has_block = rules.iter().any(|rule| {
        array(rule, "scheduledActionConfigurations")
            .iter()
            .any(is_block)
    });
    if has_block {
        return rules;
    }
    let block = json!({"actionType": "block", "gracePeriodHours": 0, "notificationTemplateId": "", "notificationMessageCCList": []});
    match rules.first_mut() {
        Some(rule) => match rule.get_mut("scheduledActionConfigurations") {
            Some(Value::Array(actions)) => actions.insert(0, block),
            _ => rule["scheduledActionConfigurations"] = json!([block]),
        },
        None => rules.push(
            json!({"ruleName": "PasswordRequired", "scheduledActionConfigurations": [block]}),
        ),
    }
    rules
}

/// A policy set's items as Graph takes them: `@odata.type`, `payloadId`, `intent`,
/// `settings` (GRAPH.md, IM); an `intent` or `settings` Graph serves as null (items that
/// are not apps) is left out.
pub(crate) fn policy_set_item(item: &Value) -> Value {
    let kept = ["@odata.type", "payloadId", "intent", "settings"]
        .iter()
        .filter_map(|field| {
            item.get(*field)
                .filter(|value| !value.is_null())
                .map(|value| ((*field).to_owned(), value.clone()))
        })
        .collect();
    Value::Object(kept)
}

/// An endpoint security intent's settings as `createInstance` / `updateSettings` take them.
pub(crate) fn intent_settings(content: &Value) -> Value {
    Value::Array(array(content, "settings").iter().map(child).collect())
}

fn pick(content: &Value, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|field| {
                content
                    .get(*field)
                    .map(|value| ((*field).to_owned(), value.clone()))
            })
            .collect(),
    )
}

/// What an administrative template's container carries (its values go separately).
pub(crate) const TEMPLATE_CONTAINER: &[&str] = &["displayName", "description", "roleScopeTagIds"];

pub(crate) fn prepare_create(type_key: &str, content: &Value) -> Result<Creation, GraphError> {
    let c = collection(type_key)?;
    let mut then = Vec::new();
    let mut after = Vec::new();
    let create = match type_key {
        "settingsCatalog" => {
            let mut body = strip(type_key, content, &["settings"])?;
            body["settings"] = catalog_settings(content);
            Step::post(c.to_owned(), body)
        }
        "compliancePolicies" => {
            let mut body = strip(type_key, content, &["settings", "scheduledActionsForRule"])?;
            body["settings"] = catalog_settings(content);
            then.push((
                "POST",
                "/setScheduledActions".to_owned(),
                json!({"scheduledActions": rules_of(content)}),
            ));
            Step::post(c.to_owned(), body)
        }
        "deviceCompliancePolicies" => {
            let mut body = strip(type_key, content, &["scheduledActionsForRule"])?;
            body["scheduledActionsForRule"] = Value::Array(with_block_action(rules_of(content)));
            Step::post(c.to_owned(), body)
        }
        "administrativeTemplates" => {
            let added = templates::binds(content)?;
            if !added.is_empty() {
                then.push((
                    "POST",
                    "/updateDefinitionValues".to_owned(),
                    json!({"added": added, "updated": [], "deletedIds": []}),
                ));
            }
            Step::post(c.to_owned(), pick(content, TEMPLATE_CONTAINER))
        }
        "notificationTemplates" => {
            for message in array(content, "localizedNotificationMessages") {
                then.push((
                    "POST",
                    "/localizedNotificationMessages".to_owned(),
                    child(message),
                ));
            }
            Step::post(
                c.to_owned(),
                strip(type_key, content, &["localizedNotificationMessages"])?,
            )
        }
        "enrollmentConfigurations" => {
            // Graph sets the priority of a new configuration itself; `setPriority` moves it
            if let Some(priority) = content
                .get("priority")
                .filter(|p| p.as_u64().is_some_and(|p| p > 0))
            {
                then.push((
                    "POST",
                    "/setPriority".to_owned(),
                    json!({"priority": priority}),
                ));
            }
            Step::post(c.to_owned(), strip(type_key, content, &["priority"])?)
        }
        "policySets" => {
            let mut body = strip(type_key, content, &["items"])?;
            body["items"] = Value::Array(
                array(content, "items")
                    .iter()
                    .map(policy_set_item)
                    .collect(),
            );
            Step::post(c.to_owned(), body)
        }
        "endpointSecurityIntents" => {
            let template = content
                .get("templateId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty() && !id.contains(['/', '?', '#']))
                .ok_or_else(|| invalid("the intent has no usable templateId"))?;
            let mut body = pick(content, &["displayName", "description", "roleScopeTagIds"]);
            body["settingsDelta"] = intent_settings(content);
            Step::post(
                format!("/deviceManagement/templates/{template}/createInstance"),
                body,
            )
        }
        "admxFiles" => Step::post(c.to_owned(), admx_file(type_key, content)?),
        "roleDefinitions" => {
            after = roles::created(content);
            Step::post(
                c.to_owned(),
                strip(type_key, content, &["roleAssignments"])?,
            )
        }
        "appProtection" | "appConfigManagedApps" => {
            // the policy, then its apps (a navigation property: `targetApps`)
            then.push(("POST", "/targetApps".to_owned(), target_apps(content)));
            Step::post(
                managed_app_collection(type_key, content)?,
                strip(type_key, content, &["apps"])?,
            )
        }
        _ => Step::post(c.to_owned(), strip(type_key, content, &[])?),
    };
    Ok(Creation {
        create,
        then,
        after,
    })
}

pub(crate) fn prepare_update(
    type_key: &str,
    target_id: &str,
    content: &Value,
    live: &Value,
) -> Result<Vec<Step>, GraphError> {
    let c = collection(type_key)?;
    let at = format!("{c}/{target_id}");
    let patch = |body: Value| Step {
        method: "PATCH",
        path: at.clone(),
        body: Some(body),
    };
    let steps = match rules::update_method(type_key) {
        Update::Put => {
            let mut steps = Vec::new();
            let mut body = strip(type_key, content, &["settings", "scheduledActionsForRule"])?;
            if type_key != "reusableSettings" {
                body["settings"] = catalog_settings(content);
            }
            steps.push(Step {
                method: "PUT",
                path: at.clone(),
                body: Some(body),
            });
            if type_key == "compliancePolicies" {
                steps.push(Step::post(
                    format!("{at}/setScheduledActions"),
                    json!({"scheduledActions": rules_of(content)}),
                ));
            }
            steps
        }
        // the name, description and scope tags by PATCH (beta deviceManagementIntent
        // update), the settings by `updateSettings`
        Update::IntentSettings => vec![
            patch(pick(content, TEMPLATE_CONTAINER)),
            Step::post(
                format!("/deviceManagement/intents/{target_id}/updateSettings"),
                json!({"settings": intent_settings(content)}),
            ),
        ],
        // the set's own properties by PATCH (beta policySet update), its items by `update`
        Update::PolicySetItems => vec![
            patch(strip(type_key, content, &["items"])?),
            Step::post(format!("{at}/update"), policy_set_update(content, live)),
        ],
        Update::Patch => match type_key {
            "deviceCompliancePolicies" => vec![
                patch(strip(type_key, content, &["scheduledActionsForRule"])?),
                Step::post(
                    format!("{at}/scheduleActionsForRules"),
                    json!({"deviceComplianceScheduledActionForRules": with_block_action(rules_of(content))}),
                ),
            ],
            "administrativeTemplates" => {
                let mut steps = vec![patch(pick(content, TEMPLATE_CONTAINER))];
                if let Some(update) = templates::update(content, live)? {
                    steps.push(Step::post(format!("{at}/updateDefinitionValues"), update));
                }
                steps
            }
            // a filter's platform is fixed at its creation
            "assignmentFilters" => vec![patch(strip(type_key, content, &["platform"])?)],
            "notificationTemplates" => {
                let mut steps = vec![patch(strip(
                    type_key,
                    content,
                    &["localizedNotificationMessages"],
                )?)];
                steps.extend(localized_message_steps(&at, content, live));
                steps
            }
            "enrollmentConfigurations" => {
                let mut steps = vec![patch(strip(type_key, content, &["priority"])?)];
                let wanted = content.get("priority").and_then(Value::as_u64);
                let current = live.get("priority").and_then(Value::as_u64);
                if let Some(priority) = wanted.filter(|p| *p > 0 && Some(*p) != current) {
                    steps.push(Step::post(
                        format!("{at}/setPriority"),
                        json!({"priority": priority}),
                    ));
                }
                steps
            }
            "admxFiles" => vec![patch(admx_file(type_key, content)?)],
            "roleDefinitions" => {
                let mut steps = vec![patch(strip(type_key, content, &["roleAssignments"])?)];
                steps.extend(roles::reconciled(target_id, content, live));
                steps
            }
            // PATCH takes the name and description only; the combinations have an action
            // (authenticationstrengthpolicy-update, -updateallowedcombinations)
            "authenticationStrengths" => vec![
                patch(pick(content, &["displayName", "description"])),
                Step::post(
                    format!("{at}/updateAllowedCombinations"),
                    json!({"allowedCombinations": content.get("allowedCombinations").cloned().unwrap_or(json!([]))}),
                ),
            ],
            "appProtection" | "appConfigManagedApps" => vec![
                Step {
                    method: "PATCH",
                    path: format!("{}/{target_id}", managed_app_collection(type_key, content)?),
                    body: Some(strip(type_key, content, &["apps"])?),
                },
                Step::post(format!("{at}/targetApps"), target_apps(content)),
            ],
            _ => vec![patch(strip(type_key, content, &[])?)],
        },
    };
    Ok(steps)
}

/// An uploaded ADMX file as `POST` and `PATCH` take it (intune-grouppolicy-
/// grouppolicyuploadeddefinitionfile-create / -update): the file and its language files,
/// each without the id and time Graph gave it.
pub(crate) fn admx_file(type_key: &str, content: &Value) -> Result<Value, GraphError> {
    let mut body = strip(type_key, content, &["groupPolicyUploadedLanguageFiles"])?;
    body["groupPolicyUploadedLanguageFiles"] = Value::Array(
        array(content, "groupPolicyUploadedLanguageFiles")
            .iter()
            .map(child)
            .collect(),
    );
    Ok(body)
}

/// Where an app protection policy is created and patched: the typed collection of its
/// `@odata.type` (its `targetApps` and `assign` are on `managedAppPolicies`); a managed-app
/// configuration's own collection.
fn managed_app_collection(type_key: &str, content: &Value) -> Result<String, GraphError> {
    if type_key != "appProtection" {
        return Ok(collection(type_key)?.to_owned());
    }
    let odata_type = content
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    crate::graph::fetch::app_protection::typed_collection(odata_type)
        .map(|typed| format!("/deviceAppManagement/{typed}"))
        .ok_or_else(|| invalid(format!("no typed collection for `{odata_type}`")))
}

/// The `targetApps` body (intune-mam-targetedmanagedappprotection-targetapps,
/// intune-mam-targetedmanagedappconfiguration-targetapps): each app by its identifier,
/// and the policy's app group.
pub(crate) fn target_apps(content: &Value) -> Value {
    json!({
        "apps": managed_apps(content),
        "appGroupType": content.get("appGroupType").cloned().unwrap_or(json!("selectedPublicApps")),
    })
}

/// A policy's apps as `targetApps` takes them (Graph gives each an id, a version and the
/// policy's id back), in a stable order.
pub(crate) fn managed_apps(content: &Value) -> Value {
    let mut apps: Vec<Value> = array(content, "apps")
        .iter()
        .map(|app| {
            json!({
                "@odata.type": "#microsoft.graph.managedMobileApp",
                "mobileAppIdentifier": app.get("mobileAppIdentifier").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    apps.sort_by_key(|app| app["mobileAppIdentifier"].to_string());
    Value::Array(apps)
}

/// A template's localized messages made the source's, matched to the live ones by
/// `locale`: a changed one by `PATCH`, a missing one by `POST`, one the source does not
/// have by `DELETE` (`.../localizedNotificationMessages/{id}`; Graph beta
/// intune-notification-localizednotificationmessage-update, -create, -delete). `isDefault`
/// is sent only as true: Graph unsets it on the others when one is set, and documents no
/// way to unset it directly.
fn localized_message_steps(at: &str, content: &Value, live: &Value) -> Vec<Step> {
    let locale = |m: &Value| m.get("locale").and_then(Value::as_str).map(str::to_owned);
    let body = |m: &Value| {
        let mut body = child(m);
        if body.get("isDefault") != Some(&Value::Bool(true)) {
            if let Some(fields) = body.as_object_mut() {
                fields.remove("isDefault");
            }
        }
        body
    };
    let messages = format!("{at}/localizedNotificationMessages");
    let current = array(live, "localizedNotificationMessages");
    let wanted = array(content, "localizedNotificationMessages");
    let mut steps = Vec::new();
    for message in wanted {
        let matched = current
            .iter()
            .find(|m| locale(m).is_some() && locale(m) == locale(message));
        match matched.and_then(|m| Some((m, m.get("id")?.as_str()?))) {
            Some((live_message, _)) if child(live_message) == child(message) => {}
            Some((_, id)) => steps.push(Step {
                method: "PATCH",
                path: format!("{messages}/{id}"),
                body: Some(body(message)),
            }),
            None => steps.push(Step::post(messages.clone(), child(message))),
        }
    }
    for extra in current
        .iter()
        .filter(|m| !wanted.iter().any(|w| locale(w) == locale(m)))
    {
        if let Some(id) = extra.get("id").and_then(Value::as_str) {
            steps.push(Step {
                method: "DELETE",
                path: format!("{messages}/{id}"),
                body: None,
            });
        }
    }
    steps
}

/// `POST {c}/{id}/update` of a policy set: items matched to the live ones by `payloadId`.
fn policy_set_update(content: &Value, live: &Value) -> Value {
    let payload = |item: &Value| {
        item.get("payloadId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let live_items = array(live, "items");
    let wanted = array(content, "items");
    let mut added = Vec::new();
    let mut updated = Vec::new();
    for item in wanted {
        let found = live_items
            .iter()
            .find(|live| payload(live).is_some() && payload(live) == payload(item));
        match found {
            Some(existing) => {
                let mut item = policy_set_item(item);
                if let Some(id) = existing.get("id") {
                    item["id"] = id.clone();
                }
                updated.push(item);
            }
            None => added.push(policy_set_item(item)),
        }
    }
    let deleted: Vec<Value> = live_items
        .iter()
        .filter(|live| {
            !wanted
                .iter()
                .any(|item| payload(item).is_some() && payload(item) == payload(live))
        })
        .filter_map(|live| live.get("id").cloned())
        .collect();
    json!({"addedPolicySetItems": added, "updatedPolicySetItems": updated, "deletedPolicySetItems": deleted})
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
