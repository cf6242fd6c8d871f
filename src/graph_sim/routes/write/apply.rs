//! Each write operation: create, `PATCH`, `PUT`, `DELETE` and the actions, applied to the
//! tenant's written objects once the body passed Graph's checks. Nothing is stored when a
//! check fails.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::shapes;
use super::spec::Update;
use super::target::{Action, Op};
use super::validate::{self, Kind};
use super::{method_not_allowed, Write};
use crate::graph_sim::catalog::Child;
use crate::graph_sim::content;
use crate::graph_sim::state::Item;
use crate::graph_sim::store::{self, Stored};

pub fn apply(write: &Write<'_>, op: &Op) -> HttpResponse {
    match op {
        Op::Create if write.spec.creatable => create(write),
        Op::CreateInstance(template) => create_instance(write, template),
        Op::Update(id) => update(write, id, Kind::Patch),
        Op::Replace(id) if write.spec.update == Update::Put => update(write, id, Kind::Put),
        Op::Delete(id) => delete(write, id),
        Op::Action(id, action) if write.spec.takes(*action) => act(write, id, *action),
        Op::Action(_, action) => write.bad_request(&format!(
            "Resource not found for the segment '{}'.",
            action.segment()
        )),
        Op::Create | Op::Replace(_) => method_not_allowed(write.ids, write.call),
    }
}

/// The navigation properties of the type: its child collections and `assignments`.
fn navigation(write: &Write<'_>) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = write
        .located
        .collection
        .children
        .iter()
        .map(|child| child.segment())
        .collect();
    names.push("assignments");
    // classic compliance rules are a navigation property, though not a paged child here
    if !names.contains(&"scheduledActionsForRule") && write.key() == "deviceCompliancePolicies" {
        names.push("scheduledActionsForRule");
    }
    names
}

fn has_child(write: &Write<'_>, child: Child) -> bool {
    write.located.collection.children.contains(&child)
}

fn name_of(write: &Write<'_>, object: &Value) -> String {
    object
        .get(write.spec.name)
        .or_else(|| object.get("displayName"))
        .or_else(|| object.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The object `id` names, as it stands.
fn find(write: &Write<'_>, id: &str) -> Option<(usize, Value)> {
    let snapshot = write.tenant.snapshot(write.key());
    snapshot
        .get(id)
        .map(|item: &Item| (item.index, item.detail.clone()))
}

fn create(write: &Write<'_>) -> HttpResponse {
    let body = match validate::object(&write.call.body) {
        Ok(body) => body,
        Err(message) => return write.bad_request(&message),
    };
    if let Err(message) =
        validate::properties(write.spec, &body, Kind::Create, &navigation(write), None)
    {
        return write.bad_request(&message);
    }
    if write.refuses(&[&name_of(write, &Value::Object(body.clone()))]) {
        return write.refused();
    }
    let stored = match new_object(write, body) {
        Ok(stored) => stored,
        Err(message) => return write.bad_request(&message),
    };
    let mut answer = stored.detail.clone();
    let id = answer["id"].as_str().unwrap_or_default().to_owned();
    write.tenant.create(write.key(), stored);
    write.applied(&id);
    answer["@odata.context"] = json!(write.context("/$entity"));
    write.json(StatusCode::CREATED, &answer)
}

/// A created object: the body with the server's fields (id, timestamps, and where the
/// type's read shape has them `version`, `supportsScopeTags`, `isAssigned`,
/// `settingCount`, ...), its inline children held as the read side serves them.
fn new_object(write: &Write<'_>, mut body: Map<String, Value>) -> Result<Stored, String> {
    let key = write.key();
    let id = if key == "scopeTags" {
        next_scope_tag(write)
    } else {
        Uuid::new_v4().to_string()
    };
    let mut children: HashMap<Child, Vec<Value>> = write
        .located
        .collection
        .children
        .iter()
        .map(|child| (*child, Vec::new()))
        .collect();
    // `settings` is a child collection only where the type has one (an iOS app
    // configuration's `settings` is a plain property)
    if let Some(settings) = has_child(write, Child::Settings)
        .then(|| body.remove("settings"))
        .flatten()
    {
        let settings = settings.as_array().ok_or("'settings' must be an array.")?;
        children.insert(Child::Settings, shapes::settings(settings)?);
    }
    if key == "deviceCompliancePolicies" {
        let rules = body.remove("scheduledActionsForRule").unwrap_or(json!([]));
        let rules = shapes::rules(
            &id,
            rules
                .as_array()
                .ok_or("'scheduledActionsForRule' must be an array.")?,
        )?;
        shapes::one_block_action(&rules)?;
        children.insert(Child::ScheduledActionsForRule, rules);
    }
    if let Some(items) = has_child(write, Child::Items)
        .then(|| body.remove("items"))
        .flatten()
    {
        let items = items.as_array().ok_or("'items' must be an array.")?;
        children.insert(Child::Items, shapes::policy_set_items(items)?);
    }
    let template = content::detail(&write.tenant.ctx, key, 1, 0);
    let has = |field: &str| template.get(field).is_some();
    let now = store::now();
    let mut detail = body;
    if !detail.contains_key("@odata.type") && !write.spec.types.polymorphic() {
        if let Some(odata_type) = template.get("@odata.type") {
            detail.insert("@odata.type".into(), odata_type.clone());
        }
    }
    detail.insert("id".into(), json!(id));
    detail.insert("createdDateTime".into(), json!(now));
    detail.insert("lastModifiedDateTime".into(), json!(now));
    let settings = children.get(&Child::Settings).map_or(0, Vec::len);
    // the server's own values, whatever was sent (read-only ones were refused already)
    let forced = [
        ("version", json!(1)),
        ("supportsScopeTags", json!(true)),
        ("isAssigned", json!(false)),
        ("settingCount", json!(settings)),
        ("isBuiltIn", json!(false)),
        ("status", json!("notAssigned")),
        ("errorCode", json!("noError")),
    ];
    for (field, value) in forced {
        if has(field) {
            detail.insert(field.into(), value);
        }
    }
    for (field, value) in [
        ("creationSource", Value::Null),
        ("roleScopeTagIds", json!(["0"])),
    ] {
        if has(field) && !detail.contains_key(field) {
            detail.insert(field.into(), value);
        }
    }
    if key == "enrollmentConfigurations" {
        detail.insert("priority".into(), json!(next_priority(write)));
    }
    let mut stored = Stored {
        detail: Value::Object(detail),
        children,
        ..Stored::default()
    };
    stored.seal_oma_settings();
    Ok(stored)
}

/// Scope tag ids are small integers: the next one after the highest.
fn next_scope_tag(write: &Write<'_>) -> String {
    let snapshot = write.tenant.snapshot(write.key());
    let highest = snapshot
        .items
        .iter()
        .filter_map(|item| item.detail["id"].as_str()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    (highest + 1).to_string()
}

/// A new enrollment configuration goes last (before `setPriority` moves it).
fn next_priority(write: &Write<'_>) -> u64 {
    let snapshot = write.tenant.snapshot(write.key());
    snapshot
        .items
        .iter()
        .filter_map(|item| item.detail["priority"].as_u64())
        .max()
        .map_or(1, |highest| highest + 1)
}

/// `POST deviceManagement/templates/{templateId}/createInstance`: an intent from a template,
/// answered with the intent (top-level `id`).
fn create_instance(write: &Write<'_>, template: &str) -> HttpResponse {
    let body = match validate::object(&write.call.body) {
        Ok(body) => body,
        Err(message) => return write.bad_request(&message),
    };
    let allowed = [
        "displayName",
        "description",
        "settingsDelta",
        "roleScopeTagIds",
    ];
    if let Some(other) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return write.bad_request(&format!("'{other}' is not a parameter of createInstance."));
    }
    let Some(name) = body
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return write.bad_request("The parameter 'displayName' is required.");
    };
    if write.refuses(&[name]) {
        return write.refused();
    }
    let delta = body.get("settingsDelta").cloned().unwrap_or(json!([]));
    let settings = match delta
        .as_array()
        .ok_or_else(|| "'settingsDelta' must be an array.".to_owned())
        .and_then(|d| shapes::intent_settings(d))
    {
        Ok(settings) => settings,
        Err(message) => return write.bad_request(&message),
    };
    let now = store::now();
    let id = Uuid::new_v4().to_string();
    let detail = json!({
        "id": id,
        "displayName": name,
        "description": body.get("description").cloned().unwrap_or(Value::Null),
        "isAssigned": false,
        "isMigratingToConfigurationPolicy": false,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "templateId": template,
        "roleScopeTagIds": body.get("roleScopeTagIds").cloned().unwrap_or(json!(["0"])),
    });
    let stored = Stored {
        detail: detail.clone(),
        children: HashMap::from([(Child::Settings, settings)]),
        ..Stored::default()
    };
    write.tenant.create(write.key(), stored);
    write.applied(&id);
    let mut answer = detail;
    answer["@odata.context"] = json!(write.context("/$entity"));
    write.json(StatusCode::OK, &answer)
}

/// Microsoft's own objects a restore never writes: the Default scope tag, default
/// enrollment configurations (priority 0) may be patched only.
fn built_in(write: &Write<'_>, object: &Value, kind: Option<Kind>) -> bool {
    match write.key() {
        "scopeTags" => object["isBuiltIn"] == true,
        "enrollmentConfigurations" => kind.is_none() && object["priority"] == 0,
        _ => false,
    }
}

fn update(write: &Write<'_>, id: &str, kind: Kind) -> HttpResponse {
    let Some((index, current)) = find(write, id) else {
        return write.not_found();
    };
    let mut body = match validate::object(&write.call.body) {
        Ok(body) => body,
        Err(message) => return write.bad_request(&message),
    };
    let current_type = current.get("@odata.type").and_then(Value::as_str);
    if let Err(message) =
        validate::properties(write.spec, &body, kind, &navigation(write), current_type)
    {
        return write.bad_request(&message);
    }
    let sent_name = name_of(write, &Value::Object(body.clone()));
    if write.refuses(&[&sent_name, &name_of(write, &current)]) {
        return write.refused();
    }
    if built_in(write, &current, Some(kind)) {
        return write.bad_request("Built-in objects cannot be changed.");
    }
    // the priority of an enrollment configuration changes through setPriority only
    if write.key() == "enrollmentConfigurations" {
        body.remove("priority");
    }
    let settings = match has_child(write, Child::Settings)
        .then(|| body.remove("settings"))
        .flatten()
    {
        Some(settings) => match settings
            .as_array()
            .ok_or_else(|| "'settings' must be an array.".to_owned())
            .and_then(|s| shapes::settings(s))
        {
            Ok(settings) => Some(settings),
            Err(message) => return write.bad_request(&message),
        },
        None => None,
    };
    let written = write.tenant.write(write.key(), index, |stored| {
        let Value::Object(detail) = &mut stored.detail else {
            return;
        };
        if kind == Kind::Put {
            // the whole object is replaced; the server's own fields stay
            let kept: Map<String, Value> = detail
                .iter()
                .filter(|(field, _)| {
                    super::spec::READ_ONLY.contains(&field.as_str())
                        || *field == "@odata.type"
                        || *field == "priority"
                })
                .map(|(field, value)| (field.clone(), value.clone()))
                .collect();
            *detail = kept;
        }
        detail.extend(body);
        if let Some(settings) = settings {
            if detail.contains_key("settingCount") {
                detail.insert("settingCount".into(), json!(settings.len()));
            }
            stored.children.insert(Child::Settings, settings);
        }
        stored.seal_oma_settings();
        store::touch(&mut stored.detail);
    });
    if written.is_none() {
        return write.not_found();
    }
    write.applied(id);
    write.no_content()
}

fn delete(write: &Write<'_>, id: &str) -> HttpResponse {
    let Some((index, current)) = find(write, id) else {
        return write.not_found();
    };
    if write.refuses(&[&name_of(write, &current)]) {
        return write.refused();
    }
    if built_in(write, &current, None) {
        return write.bad_request("Built-in objects cannot be deleted.");
    }
    write.tenant.delete_index(write.key(), index);
    write.applied(id);
    write.no_content()
}

/// The answer of an action that succeeded.
enum Done {
    NoContent,
    /// 200 with a collection (`value`).
    Collection(Vec<Value>),
    /// 201 with the member created.
    Created(Value),
}

fn act(write: &Write<'_>, id: &str, action: Action) -> HttpResponse {
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
            }
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
