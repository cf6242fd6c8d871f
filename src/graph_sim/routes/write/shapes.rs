//! What a write's body becomes once Graph holds it: assignments, settings, compliance
//! rules, definition values and the rest, with server-assigned ids and in the shape the
//! read side serves (content/*.rs), so a backup reads written objects like generated ones.
//! Each builder answers `Err(message)` for a body Graph would refuse with 400.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::graph_sim::content::{self, ALL_DEVICES, ALL_USERS};
use crate::graph_sim::store;

fn guid() -> String {
    Uuid::new_v4().to_string()
}

fn list<'a>(body: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    body.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("The request body must carry '{key}' as an array."))
}

/// The apps `targetApps` sent, as Graph serves them back (`managedMobileApp`: an id made
/// of the identifier, a version, the policy's id); each must name its app by a typed
/// `mobileAppIdentifier` (intune-mam-targetedmanagedappprotection-targetapps).
pub fn managed_apps(policy_id: &str, sent: &[Value]) -> Result<Vec<Value>, String> {
    sent.iter()
        .map(|app| {
            let identifier = app
                .get("mobileAppIdentifier")
                .filter(|identifier| {
                    identifier
                        .get("@odata.type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.ends_with("AppIdentifier"))
                })
                .ok_or("Every app must carry a typed 'mobileAppIdentifier'.")?;
            let name = ["bundleId", "packageId", "windowsAppId"]
                .iter()
                .find_map(|field| identifier.get(*field).and_then(Value::as_str))
                .ok_or("A 'mobileAppIdentifier' must name its app.")?;
            Ok(json!({
                "id": format!("{name}.{policy_id}"),
                "version": "-1",
                "mobileAppIdentifier": identifier,
                "policyId": policy_id,
            }))
        })
        .collect()
}

/// The assignments of object `policy_id` of `key` from what an assign action sent: each
/// keeps its `target` (filter fields defaulted as Graph serves them) and the type's own
/// fields (`intent`, `settings`, `runSchedule`, `runRemediationScript`); ids are the
/// server's.
pub fn assignments(key: &str, policy_id: &str, sent: &[Value]) -> Result<Vec<Value>, String> {
    let (odata_type, sourced) = content::assignment_style(key);
    sent.iter()
        .map(|assignment| {
            let Some(Value::Object(target)) = assignment.get("target") else {
                return Err("Every assignment must carry a 'target' object.".to_owned());
            };
            let mut target = target.clone();
            let target_type = target
                .get("@odata.type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let target_id = match target_type.trim_start_matches("#microsoft.graph.") {
                "allDevicesAssignmentTarget" => ALL_DEVICES.to_owned(),
                "allLicensedUsersAssignmentTarget" => ALL_USERS.to_owned(),
                // Windows 365 targets Entra groups with a type of its own, without filters
                // (cloudpcprovisioningpolicy-assign, cloudpcusersetting-assign)
                "groupAssignmentTarget"
                | "exclusionGroupAssignmentTarget"
                | "cloudPcManagementGroupAssignmentTarget" => target
                    .get("groupId")
                    .and_then(Value::as_str)
                    .filter(|group| !group.is_empty())
                    .ok_or("A group assignment target must carry a 'groupId'.")?
                    .to_owned(),
                _ => return Err(format!("'{target_type}' is not an assignment target type.")),
            };
            if !target_type.ends_with("cloudPcManagementGroupAssignmentTarget") {
                target
                    .entry("deviceAndAppManagementAssignmentFilterId")
                    .or_insert(Value::Null);
                target
                    .entry("deviceAndAppManagementAssignmentFilterType")
                    .or_insert(json!("none"));
            }
            let mut out = Map::new();
            out.insert(
                "@odata.type".into(),
                json!(format!("#microsoft.graph.{odata_type}")),
            );
            out.insert("id".into(), json!(format!("{policy_id}_{target_id}")));
            if sourced {
                out.insert("source".into(), json!("direct"));
                out.insert("sourceId".into(), json!(policy_id));
            }
            if key == "deviceConfigurations" {
                out.insert(
                    "intent".into(),
                    assignment.get("intent").cloned().unwrap_or(json!("apply")),
                );
            }
            if odata_type == "deviceHealthScriptAssignment" {
                for field in ["runRemediationScript", "runSchedule"] {
                    out.insert(
                        field.into(),
                        assignment.get(field).cloned().unwrap_or(Value::Null),
                    );
                }
            }
            if key == "mobileApps" {
                for field in ["intent", "settings"] {
                    out.insert(
                        field.into(),
                        assignment.get(field).cloned().unwrap_or(Value::Null),
                    );
                }
            }
            out.insert("target".into(), Value::Object(target));
            Ok(Value::Object(out))
        })
        .collect()
}

/// Settings-catalog settings as Graph serves them: ids "0", "1", ... in the order sent
/// (sent ids are not kept).
pub fn settings(sent: &[Value]) -> Result<Vec<Value>, String> {
    sent.iter()
        .enumerate()
        .map(|(position, setting)| {
            let instance = setting
                .get("settingInstance")
                .filter(|instance| {
                    instance
                        .get("settingDefinitionId")
                        .is_some_and(Value::is_string)
                })
                .ok_or(
                    "Every setting must carry a 'settingInstance' with a 'settingDefinitionId'.",
                )?;
            Ok(json!({
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
                "id": position.to_string(),
                "settingInstance": instance,
            }))
        })
        .collect()
}

/// Compliance rules (`scheduledActionsForRule`) with their actions, ids assigned.
pub fn rules(policy_id: &str, sent: &[Value]) -> Result<Vec<Value>, String> {
    sent.iter()
        .enumerate()
        .map(|(position, rule)| {
            let configurations = rule
                .get("scheduledActionConfigurations")
                .and_then(Value::as_array)
                .ok_or("Every rule must carry 'scheduledActionConfigurations'.")?;
            let configurations: Vec<Value> = configurations
                .iter()
                .map(|action| {
                    let action_type = action
                        .get("actionType")
                        .and_then(Value::as_str)
                        .ok_or("Every scheduled action must carry an 'actionType'.")?;
                    Ok(json!({
                        "id": guid(),
                        "gracePeriodHours": action.get("gracePeriodHours").cloned().unwrap_or(json!(0)),
                        "actionType": action_type,
                        "notificationTemplateId": action.get("notificationTemplateId").cloned().unwrap_or(json!("00000000-0000-0000-0000-000000000000")),
                        "notificationMessageCCList": action.get("notificationMessageCCList").cloned().unwrap_or(json!([])),
                    }))
                })
                .collect::<Result<_, String>>()?;
            let id = if position == 0 {
                format!("{policy_id}_rule")
            } else {
                format!("{policy_id}_rule{position}")
            };
            Ok(json!({
                "id": id,
                "ruleName": rule.get("ruleName").cloned().unwrap_or(Value::Null),
                "scheduledActionConfigurations": configurations,
            }))
        })
        .collect()
}

/// Graph's rule for classic compliance policies (docs-contrib #7391, #5561): exactly one
/// `block` action across the rules.
pub fn one_block_action(rules: &[Value]) -> Result<(), String> {
    let blocks = rules
        .iter()
        .flat_map(|rule| {
            rule["scheduledActionConfigurations"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter(|action| action["actionType"] == "block")
        .count();
    if blocks == 1 {
        Ok(())
    } else {
        Err("Compliance policy must have one and only one block scheduled action".to_owned())
    }
}

/// The id inside `...('{id}')` after `marker` in an `@odata.bind` URL.
fn bound_id<'a>(bind: &'a str, marker: &str) -> Option<&'a str> {
    let start = bind.find(&format!("{marker}('"))? + marker.len() + 2;
    let end = bind[start..].find("')")? + start;
    Some(&bind[start..end])
}

/// One definition value of an administrative template from `updateDefinitionValues`'
/// `added` (or `updated`, keeping `id`): its definition resolved from
/// `definition@odata.bind`, each presentation value from `presentation@odata.bind`.
pub fn definition_value(sent: &Value, id: Option<&str>) -> Result<Value, String> {
    let bind = sent
        .get("definition@odata.bind")
        .and_then(Value::as_str)
        .ok_or("A definition value must carry 'definition@odata.bind'.")?;
    let definition_id = bound_id(bind, "groupPolicyDefinitions")
        .ok_or_else(|| format!("'{bind}' does not name a groupPolicyDefinition."))?;
    let definition = content::definition_by_id(definition_id)
        .ok_or_else(|| format!("No groupPolicyDefinition with id '{definition_id}'."))?;
    let now = store::now();
    let presentations = sent
        .get("presentationValues")
        .map(|values| {
            values
                .as_array()
                .cloned()
                .ok_or("'presentationValues' must be an array.")
        })
        .transpose()?
        .unwrap_or_default();
    let presentation_values: Vec<Value> = presentations
        .iter()
        .map(|value| presentation_value(value, definition_id, &now))
        .collect::<Result<_, String>>()?;
    Ok(json!({
        "id": id.map_or_else(guid, str::to_owned),
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "enabled": sent.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        "configurationType": "policy",
        "definition": definition,
        "presentationValues": presentation_values,
    }))
}

fn presentation_value(sent: &Value, definition_id: &str, now: &str) -> Result<Value, String> {
    let odata_type = sent
        .get("@odata.type")
        .and_then(Value::as_str)
        .filter(|t| t.starts_with("#microsoft.graph.groupPolicyPresentationValue"))
        .ok_or("A presentation value must carry a groupPolicyPresentationValue '@odata.type'.")?;
    let bind = sent
        .get("presentation@odata.bind")
        .and_then(Value::as_str)
        .ok_or("A presentation value must carry 'presentation@odata.bind'.")?;
    let presentation_id = bound_id(bind, "presentations")
        .filter(|_| bound_id(bind, "groupPolicyDefinitions") == Some(definition_id))
        .ok_or_else(|| format!("'{bind}' does not name a presentation of the definition."))?;
    let mut value = json!({"@odata.type": odata_type});
    for field in ["value", "values"] {
        if let Some(v) = sent.get(field) {
            value[field] = v.clone();
        }
    }
    value["id"] = json!(sent
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(guid, str::to_owned));
    value["createdDateTime"] = json!(now);
    value["lastModifiedDateTime"] = json!(now);
    value["presentation"] = content::presentation_of(odata_type, presentation_id);
    Ok(value)
}

/// `updateDefinitionValues`: values after applying `added`, `updated` (by `id`) and
/// `deletedIds` to `current`; an `updated` or deleted id the template lacks is refused.
pub fn update_definition_values(current: &[Value], body: &Value) -> Result<Vec<Value>, String> {
    let part = |key: &str| -> Result<Vec<Value>, String> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(format!("'{key}' must be an array.")),
        }
    };
    let (added, updated, deleted) = (part("added")?, part("updated")?, part("deletedIds")?);
    let mut values = current.to_vec();
    for gone in &deleted {
        let gone = gone.as_str().ok_or("'deletedIds' must hold strings.")?;
        let before = values.len();
        values.retain(|value| value["id"] != gone);
        if values.len() == before {
            return Err(format!("No definition value with id '{gone}'."));
        }
    }
    for change in &updated {
        let id = change
            .get("id")
            .and_then(Value::as_str)
            .ok_or("An updated definition value must carry its 'id'.")?;
        let position = values
            .iter()
            .position(|value| value["id"] == id)
            .ok_or_else(|| format!("No definition value with id '{id}'."))?;
        let mut replaced = definition_value(change, Some(id))?;
        replaced["createdDateTime"] = values[position]["createdDateTime"].clone();
        values[position] = replaced;
    }
    for addition in &added {
        if addition.get("id").is_some() {
            return Err("An added definition value must not carry an 'id'.".to_owned());
        }
        values.push(definition_value(addition, None)?);
    }
    Ok(values)
}

/// A notification template's localized message (id `{templateId}_{locale}`, as listed).
pub fn localized_message(template_id: &str, sent: &Value) -> Result<Value, String> {
    let locale = sent
        .get("locale")
        .and_then(Value::as_str)
        .filter(|locale| !locale.is_empty())
        .ok_or("A localized notification message must carry a 'locale'.")?;
    Ok(json!({
        "id": format!("{template_id}_{locale}"),
        "lastModifiedDateTime": store::now(),
        "locale": locale,
        "subject": sent.get("subject").cloned().unwrap_or(Value::Null),
        "messageTemplate": sent.get("messageTemplate").cloned().unwrap_or(Value::Null),
        "isDefault": sent.get("isDefault").cloned().unwrap_or(json!(false)),
    }))
}

/// Policy-set items from what was sent (`@odata.type`, `payloadId`, `intent`, `settings`).
pub fn policy_set_items(sent: &[Value]) -> Result<Vec<Value>, String> {
    let now = store::now();
    sent.iter()
        .map(|item| {
            let odata_type = item
                .get("@odata.type")
                .and_then(Value::as_str)
                .ok_or("A policy set item must carry its '@odata.type'.")?;
            let payload = item
                .get("payloadId")
                .and_then(Value::as_str)
                .ok_or("A policy set item must carry a 'payloadId'.")?;
            Ok(json!({
                "@odata.type": odata_type,
                "id": guid(),
                "payloadId": payload,
                "itemType": item.get("itemType").cloned().unwrap_or(Value::Null),
                "displayName": item.get("displayName").cloned().unwrap_or(Value::Null),
                "intent": item.get("intent").cloned().unwrap_or(Value::Null),
                "settings": item.get("settings").cloned().unwrap_or(Value::Null),
                "status": "notAssigned", "errorCode": "noError", "guidedDeploymentTags": [],
                "createdDateTime": now, "lastModifiedDateTime": now,
            }))
        })
        .collect()
}

/// An intent's settings (`deviceManagementSettingInstance`s) with server ids.
pub fn intent_settings(sent: &[Value]) -> Result<Vec<Value>, String> {
    sent.iter()
        .map(|setting| {
            let Value::Object(map) = setting else {
                return Err("Every setting must be an object.".to_owned());
            };
            if !map.get("definitionId").is_some_and(Value::is_string) {
                return Err("Every setting must carry a 'definitionId'.".to_owned());
            }
            let mut map = map.clone();
            map.insert("id".into(), json!(guid()));
            Ok(Value::Object(map))
        })
        .collect()
}

/// Reads `body[key]` as the list a builder takes.
pub fn members<'a>(body: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    list(body, key)
}
