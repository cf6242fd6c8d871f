//! Intune role assignments, objects of their own at `/deviceManagement/roleAssignments`:
//! created bound to a role definition (`roleDefinition@odata.bind`, as IntuneManagement
//! writes them; intune-rbac-deviceandappmanagementroleassignment-create), updated and
//! deleted by id, and read back under the role (`roleDefinitions/{id}/roleAssignments`).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::apply::find;
use super::validate;
use super::Write;
use crate::graph_sim::catalog::Child;
use crate::graph_sim::content::ChildExpand;

/// What an assignment is made of; anything else in a body is refused.
const FIELDS: &[&str] = &[
    "displayName",
    "description",
    "members",
    "scopeMembers",
    "resourceScopes",
    "scopeType",
    "roleScopeTagIds",
];

const BIND: &str = "roleDefinition@odata.bind";

/// `POST` (no id), `PATCH` or `DELETE` (an id) of a role assignment.
pub(super) fn role_assignment(write: &Write<'_>, id: Option<&str>) -> HttpResponse {
    let delete = write.call.method == actix_web::http::Method::DELETE;
    let body = if delete {
        Map::new()
    } else {
        match validate::object(&write.call.body).and_then(|body| checked(body, id.is_none())) {
            Ok(body) => body,
            Err(message) => return write.bad_request(&message),
        }
    };
    match id {
        None => create(write, body),
        Some(id) => change(write, id, body, delete),
    }
}

fn checked(body: Map<String, Value>, create: bool) -> Result<Map<String, Value>, String> {
    for (field, value) in &body {
        let known =
            FIELDS.contains(&field.as_str()) || field == "@odata.type" || (create && field == BIND);
        if !known {
            return Err(format!(
                "The property '{field}' does not exist on type 'microsoft.graph.deviceAndAppManagementRoleAssignment' or cannot be written."
            ));
        }
        let groups = ["members", "scopeMembers", "resourceScopes"].contains(&field.as_str());
        if groups
            && !value
                .as_array()
                .is_some_and(|ids| ids.iter().all(Value::is_string))
        {
            return Err(format!("'{field}' must be a list of group ids."));
        }
    }
    if create
        && body
            .get("displayName")
            .and_then(Value::as_str)
            .is_none_or(|name| name.trim().is_empty())
    {
        return Err("The property 'displayName' is required.".to_owned());
    }
    Ok(body)
}

/// The role id a bind names: `.../roleDefinitions('{id}')` or `.../roleDefinitions/{id}`.
fn bound_role(body: &Map<String, Value>) -> Option<String> {
    let bind = body.get(BIND)?.as_str()?;
    let (_, rest) = bind.split_once("roleDefinitions")?;
    let id = rest
        .trim_start_matches(['(', '/', '\''])
        .trim_end_matches([')', '\'']);
    (!id.is_empty()).then(|| id.to_owned())
}

fn create(write: &Write<'_>, mut body: Map<String, Value>) -> HttpResponse {
    let Some(role_id) = bound_role(&body) else {
        return write.bad_request(
            "A role assignment must bind its role definition ('roleDefinition@odata.bind').",
        );
    };
    let Some((index, _)) = find(write, &role_id) else {
        return write.bad_request(&format!("The role definition '{role_id}' does not exist."));
    };
    body.remove(BIND);
    let mut assignment = json!({
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
        "id": Uuid::new_v4().to_string(),
        "description": "",
        "members": [], "scopeMembers": [], "resourceScopes": [],
        "scopeType": "resourceScope", "roleScopeTagIds": ["0"],
    });
    for (field, value) in body {
        assignment[field] = value;
    }
    let stored = write.tenant.write(write.key(), index, |stored| {
        stored
            .children
            .entry(Child::RoleAssignments)
            .or_default()
            .push(assignment.clone());
    });
    if stored.is_none() {
        return write.not_found();
    }
    write.applied(&role_id);
    write.json(StatusCode::CREATED, &assignment)
}

/// The role (its index and id) that holds assignment `id`.
fn holder(write: &Write<'_>, id: &str) -> Option<(usize, String)> {
    let key = write.key();
    let snapshot = write.tenant.snapshot(key);
    snapshot.items.iter().find_map(|item| {
        let role_id = item.detail["id"].as_str()?;
        let assignments = write.tenant.child(
            key,
            Child::RoleAssignments,
            role_id,
            item.index,
            item.revision,
            ChildExpand::default(),
        );
        assignments
            .iter()
            .any(|assignment| assignment["id"] == id)
            .then(|| (item.index, role_id.to_owned()))
    })
}

fn change(write: &Write<'_>, id: &str, body: Map<String, Value>, delete: bool) -> HttpResponse {
    let Some((index, role_id)) = holder(write, id) else {
        return write.not_found();
    };
    let changed = write.tenant.write(write.key(), index, |stored| {
        let assignments = stored.children.entry(Child::RoleAssignments).or_default();
        if delete {
            assignments.retain(|assignment| assignment["id"] != id);
        } else if let Some(assignment) = assignments.iter_mut().find(|a| a["id"] == id) {
            for (field, value) in body {
                assignment[field] = value;
            }
        }
    });
    if changed.is_none() {
        return write.not_found();
    }
    write.applied(&role_id);
    write.no_content()
}
