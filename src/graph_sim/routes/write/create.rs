//! Creates: `POST {c}` (the body with the server's fields, inline children stored as the
//! read side serves them) and intents' `createInstance`.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::apply::{has_child, name_of, navigation};
use super::shapes;
use super::validate::{self, Kind};
use super::Write;
use crate::graph_sim::catalog::Child;
use crate::graph_sim::content;
use crate::graph_sim::store::{self, Stored};

static NUMBERED: Mutex<()> = Mutex::new(());

pub(super) fn create(write: &Write<'_>) -> HttpResponse {
    let mut body = match validate::object(&write.call.body) {
        Ok(body) => body,
        Err(message) => return write.bad_request(&message),
    };
    // a typed collection (iosManagedAppProtections, ...) creates its own type
    if let Some(only) = write.located.only_type {
        match body.get("@odata.type").and_then(Value::as_str) {
            None => {
                body.insert("@odata.type".into(), json!(only));
            }
            Some(sent) if sent != only => {
                return write.bad_request(&format!(
                    "'{sent}' is not the type this collection holds ('{only}')."
                ));
            }
            Some(_) => {}
        }
    }
    if let Err(message) =
        validate::properties(write.spec, &body, Kind::Create, &navigation(write), None)
    {
        return write.bad_request(&message);
    }
    if write.refuses(&[&name_of(write, &Value::Object(body.clone()))]) {
        return write.refused();
    }
    // numbered creates (scope tag ids, enrollment priorities) one at a time, so two
    // concurrent ones cannot take the same number
    let _numbered = matches!(write.key(), "scopeTags" | "enrollmentConfigurations").then(|| {
        NUMBERED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    });
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
    if key == "authenticationStrengths" {
        detail.insert("policyType".into(), json!("custom"));
        detail.insert("requirementsSatisfied".into(), json!("mfa"));
        detail.insert("modifiedDateTime".into(), json!(now));
    }
    // Intune takes the file in and reports it available
    if key == "admxFiles" {
        detail.insert("status".into(), json!("available"));
        detail.insert("uploadDateTime".into(), json!(now));
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
pub(super) fn create_instance(write: &Write<'_>, template: &str) -> HttpResponse {
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
