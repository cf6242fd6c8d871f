//! The actions posted to one object (`assign`, `setScheduledActions`,
//! `scheduleActionsForRules`, `updateDefinitionValues`, localized messages, Autopilot
//! assignments, `setPriority`, policy sets' `update`, intents' `updateSettings`, the
//! managed-app policies' `targetApps`).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::apply::{find, name_of};
use super::shapes;
use super::target::Action;
use super::validate;
use super::Write;
use crate::graph_sim::catalog::Child;
use crate::graph_sim::store::{self, Stored};

/// The answer of an action that succeeded.
enum Done {
    NoContent,
    /// 200 with an object.
    Answer(Value),
    /// 200 with a collection (`value`).
    Collection(Vec<Value>),
    /// 201 with the member created.
    Created(Value),
}

pub(super) fn act(write: &Write<'_>, id: &str, action: Action) -> HttpResponse {
    let Some((index, current)) = find(write, id) else {
        return write.not_found();
    };
    let body = match validate::object(&write.call.body) {
        Ok(body) => Value::Object(body),
        Err(message) => return write.bad_request(&message),
    };
    if write.refuses(&[&name_of(write, &current)]) {
        return write.refused();
    }
    let key = write.key();
    // checked and built before anything is stored; the store step cannot fail
    let outcome = write.tenant.write(key, index, |stored| {
        change(write, id, action, &body, stored)
    });
    match outcome {
        None => write.not_found(),
        Some(Err(message)) => write.bad_request(&message),
        Some(Ok(done)) => {
            write.applied(id);
            match done {
                Done::NoContent => write.no_content(),
                Done::Collection(members) => write.json(
                    StatusCode::OK,
                    &json!({"@odata.context": write.context(&format!("('{id}')/{}", action.segment())), "value": members}),
                ),
                Done::Created(member) => write.json(StatusCode::CREATED, &member),
                Done::Answer(answer) => write.json(StatusCode::OK, &answer),
            }
        }
    }
}

/// `DELETE` of one assignment of an Autopilot profile; 404 when it is not there.
pub(super) fn remove_assignment(write: &Write<'_>, id: &str, assignment_id: &str) -> HttpResponse {
    let Some((index, current)) = find(write, id) else {
        return write.not_found();
    };
    if write.refuses(&[&name_of(write, &current)]) {
        return write.refused();
    }
    let removed = write.tenant.write(write.key(), index, |stored| {
        let before = stored.assignments.len();
        stored.assignments.retain(|a| a["id"] != assignment_id);
        stored.assignments.len() < before
    });
    match removed {
        Some(true) => {
            write.applied(id);
            write.no_content()
        }
        _ => write.not_found(),
    }
}

/// `PATCH` (the fields sent) or `DELETE` of one localized message of a notification
/// template; 404 when the template or the message is not there.
pub(super) fn message(write: &Write<'_>, id: &str, message_id: &str, delete: bool) -> HttpResponse {
    let Some((index, current)) = find(write, id) else {
        return write.not_found();
    };
    if write.refuses(&[&name_of(write, &current)]) {
        return write.refused();
    }
    let body = if delete {
        None
    } else {
        match validate::object(&write.call.body) {
            Ok(body) => Some(body),
            Err(message) => return write.bad_request(&message),
        }
    };
    if let Some(field) = body.iter().flat_map(|b| b.keys()).find(|f| {
        ![
            "locale",
            "subject",
            "messageTemplate",
            "isDefault",
            "@odata.type",
        ]
        .contains(&f.as_str())
    }) {
        return write.bad_request(&format!(
            "Property '{field}' does not exist on type 'microsoft.graph.localizedNotificationMessage'."
        ));
    }
    let outcome = write.tenant.write(write.key(), index, |stored| {
        let messages = stored
            .children
            .entry(Child::LocalizedNotificationMessages)
            .or_default();
        let position = messages.iter().position(|m| m["id"] == message_id)?;
        match &body {
            None => {
                messages.remove(position);
            }
            Some(fields) => {
                if fields.get("isDefault") == Some(&Value::Bool(true)) {
                    // one default per template: setting it unsets the others
                    for other in messages.iter_mut() {
                        other["isDefault"] = json!(false);
                    }
                }
                let message = &mut messages[position];
                for (field, value) in fields {
                    message[field.as_str()] = value.clone();
                }
                message["lastModifiedDateTime"] = json!(store::now());
            }
        }
        Some(())
    });
    match outcome.flatten() {
        None => write.not_found(),
        Some(()) => {
            write.applied(id);
            write.no_content()
        }
    }
}

/// Applies `action` to `stored`, or says why Graph refuses it (then nothing changed).
fn change(
    write: &Write<'_>,
    id: &str,
    action: Action,
    body: &Value,
    stored: &mut Stored,
) -> Result<Done, String> {
    let key = write.key();
    let done = match action {
        Action::Assign => {
            let body_key = write.spec.assign_key.unwrap_or("assignments");
            let assignments = shapes::assignments(key, id, shapes::members(body, body_key)?)?;
            if stored.detail.get("isAssigned").is_some() {
                stored.detail["isAssigned"] = json!(!assignments.is_empty());
            }
            stored.assignments = assignments.clone();
            Done::Collection(assignments)
        }
        Action::SetScheduledActions => {
            let rules = shapes::rules(id, shapes::members(body, "scheduledActions")?)?;
            stored
                .children
                .insert(Child::ScheduledActionsForRule, rules.clone());
            Done::Collection(rules)
        }
        Action::ScheduleActionsForRules => {
            let rules = shapes::rules(
                id,
                shapes::members(body, "deviceComplianceScheduledActionForRules")?,
            )?;
            shapes::one_block_action(&rules)?;
            stored
                .children
                .insert(Child::ScheduledActionsForRule, rules);
            Done::NoContent
        }
        Action::UpdateDefinitionValues => {
            let current = stored
                .children
                .get(&Child::DefinitionValues)
                .cloned()
                .unwrap_or_default();
            let values = shapes::update_definition_values(&current, body)?;
            stored.children.insert(Child::DefinitionValues, values);
            Done::NoContent
        }
        Action::LocalizedMessage => {
            let message = shapes::localized_message(id, body)?;
            let messages = stored
                .children
                .entry(Child::LocalizedNotificationMessages)
                .or_default();
            messages.retain(|m| m["locale"] != message["locale"]);
            messages.push(message.clone());
            Done::Created(message)
        }
        Action::AddAssignment => {
            let assignment = shapes::assignments(key, id, std::slice::from_ref(body))?.remove(0);
            stored.assignments.retain(|a| a["id"] != assignment["id"]);
            stored.assignments.push(assignment.clone());
            Done::Created(assignment)
        }
        Action::SetPriority => {
            let priority = body
                .get("priority")
                .and_then(Value::as_u64)
                .filter(|p| *p >= 1)
                .ok_or("'priority' must be a whole number of at least 1.")?;
            if stored.detail["priority"] == 0 {
                return Err("The priority of a default configuration cannot change.".to_owned());
            }
            stored.detail["priority"] = json!(priority);
            Done::NoContent
        }
        Action::UpdatePolicySet => {
            update_policy_set(key, id, body, stored)?;
            Done::NoContent
        }
        Action::UpdateAllowedCombinations => {
            let combinations = body
                .get("allowedCombinations")
                .and_then(Value::as_array)
                .filter(|list| !list.is_empty() && list.iter().all(Value::is_string))
                .ok_or("'allowedCombinations' must list at least one combination.")?
                .clone();
            let previous = stored.detail["allowedCombinations"].clone();
            stored.detail["allowedCombinations"] = json!(combinations);
            store::touch(&mut stored.detail);
            // updateAllowedCombinationsResult (authenticationstrengthpolicy-updateallowedcombinations)
            Done::Answer(json!({
                "previousCombinations": previous,
                "currentCombinations": combinations,
            }))
        }
        Action::TargetApps => {
            let apps = shapes::managed_apps(id, shapes::members(body, "apps")?)?;
            if let Some(group) = body.get("appGroupType").filter(|group| group.is_string()) {
                stored.detail["appGroupType"] = group.clone();
            }
            if stored.detail.get("deployedAppCount").is_some() {
                stored.detail["deployedAppCount"] = json!(apps.len());
            }
            stored.children.insert(Child::Apps, apps);
            Done::NoContent
        }
        Action::UpdateSettings => {
            let sent = shapes::intent_settings(shapes::members(body, "settings")?)?;
            let settings = stored.children.entry(Child::Settings).or_default();
            for setting in sent {
                match settings
                    .iter_mut()
                    .find(|s| s["definitionId"] == setting["definitionId"])
                {
                    Some(existing) => {
                        let id = existing["id"].clone();
                        *existing = setting;
                        existing["id"] = id;
                    }
                    None => settings.push(setting),
                }
            }
            Done::NoContent
        }
    };
    store::touch(&mut stored.detail);
    Ok(done)
}

/// policySets' `update`: items added, updated (by id) and deleted, and the assignments
/// replaced when sent.
fn update_policy_set(key: &str, id: &str, body: &Value, stored: &mut Stored) -> Result<(), String> {
    let part = |name: &str| -> Result<Vec<Value>, String> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(format!("'{name}' must be an array.")),
        }
    };
    let mut items = stored
        .children
        .get(&Child::Items)
        .cloned()
        .unwrap_or_default();
    for gone in part("deletedPolicySetItems")? {
        let gone = gone
            .as_str()
            .map(str::to_owned)
            .or_else(|| gone["id"].as_str().map(str::to_owned))
            .ok_or("'deletedPolicySetItems' must hold ids.")?;
        let before = items.len();
        items.retain(|item| item["id"] != gone.as_str());
        if items.len() == before {
            return Err(format!("No policy set item with id '{gone}'."));
        }
    }
    for change in part("updatedPolicySetItems")? {
        let item_id = change["id"]
            .as_str()
            .ok_or("An updated policy set item must carry its 'id'.")?;
        let item = items
            .iter_mut()
            .find(|item| item["id"] == item_id)
            .ok_or_else(|| format!("No policy set item with id '{item_id}'."))?;
        for field in ["intent", "settings"] {
            if let Some(value) = change.get(field) {
                item[field] = value.clone();
            }
        }
    }
    items.extend(shapes::policy_set_items(&part("addedPolicySetItems")?)?);
    if body.get("assignments").is_some() {
        stored.assignments = shapes::assignments(key, id, &part("assignments")?)?;
    }
    stored.children.insert(Child::Items, items);
    Ok(())
}
