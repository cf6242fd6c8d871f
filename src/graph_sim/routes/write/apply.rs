//! Dispatch of the write operations, and `PATCH`, `PUT` and `DELETE` (creates in
//! create.rs, actions in actions.rs), applied to the tenant's written objects once the
//! body passed Graph's checks. Nothing is stored when a check fails.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

use super::shapes;
use super::spec::Update;
use super::target::{Action, Op};
use super::validate::{self, Kind};
use super::{actions, create, roles};
use super::{method_not_allowed, Write};
use crate::graph_sim::catalog::Child;
use crate::graph_sim::state::Item;
use crate::graph_sim::store;

pub fn apply(write: &Write<'_>, op: &Op) -> HttpResponse {
    match op {
        Op::Create if write.spec.creatable => create::create(write),
        Op::CreateInstance(template) => create::create_instance(write, template),
        Op::Update(id) => update(write, id, Kind::Patch),
        Op::Replace(id) if write.spec.update == Update::Put => update(write, id, Kind::Put),
        Op::Delete(id) => delete(write, id),
        Op::Action(id, action) if write.spec.takes(*action) => actions::act(write, id, *action),
        Op::Message {
            id,
            message_id,
            delete,
        } if write.spec.takes(Action::LocalizedMessage) => {
            actions::message(write, id, message_id, *delete)
        }
        Op::RemoveAssignment { id, assignment_id } if write.spec.takes(Action::AddAssignment) => {
            actions::remove_assignment(write, id, assignment_id)
        }
        Op::RoleAssignment(id) if write.key() == "roleDefinitions" => {
            roles::role_assignment(write, id.as_deref())
        }
        Op::RoleAssignment(_) => method_not_allowed(write.ids, write.call),
        Op::RemoveAssignment { .. } => {
            write.bad_request("Resource not found for the segment 'assignments'.")
        }
        Op::Message { .. } => {
            write.bad_request("Resource not found for the segment 'localizedNotificationMessages'.")
        }
        Op::Action(_, action) => write.bad_request(&format!(
            "Resource not found for the segment '{}'.",
            action.segment()
        )),
        Op::Create | Op::Replace(_) => method_not_allowed(write.ids, write.call),
    }
}

/// The navigation properties of the type: its child collections and `assignments`.
pub(super) fn navigation(write: &Write<'_>) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = write
        .located
        .collection
        .children
        .iter()
        .map(|child| child.segment())
        .collect();
    names.push("assignments");
    names
}

pub(super) fn has_child(write: &Write<'_>, child: Child) -> bool {
    write.located.collection.children.contains(&child)
}

pub(super) fn name_of(write: &Write<'_>, object: &Value) -> String {
    object
        .get(write.spec.name)
        .or_else(|| object.get("displayName"))
        .or_else(|| object.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The object `id` names, as it stands.
pub(super) fn find(write: &Write<'_>, id: &str) -> Option<(usize, Value)> {
    let snapshot = write.tenant.snapshot(write.key());
    snapshot
        .get(id)
        .map(|item: &Item| (item.index, item.detail.clone()))
}

/// Microsoft's own objects a restore never writes: the Default scope tag, default
/// enrollment configurations (priority 0) may be patched only.
fn built_in(write: &Write<'_>, object: &Value, kind: Option<Kind>) -> bool {
    match write.key() {
        "scopeTags" | "roleDefinitions" => object["isBuiltIn"] == true,
        // Microsoft's strengths cannot be updated or deleted (authenticationstrengthpolicy-update)
        "authenticationStrengths" => object["policyType"] == "builtIn",
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
