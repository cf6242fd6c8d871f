//! Intune roles: a custom role definition, then its role assignments (who holds the role,
//! over which groups), each its own object at `/deviceManagement/roleAssignments` bound to
//! the role by `roleDefinition@odata.bind`. Microsoft's page creates them under the role
//! without members (intune-rbac-roleassignment-create); IntuneManagement found that way did
//! not work and binds the role (GRAPH.md "Writing back", RBAC), which is what is sent here,
//! with the members (intune-rbac-deviceandappmanagementroleassignment-create).

use serde_json::{json, Value};

use super::body::{array, Step};

/// Where role assignments are created, updated and deleted.
pub(crate) const ROLE_ASSIGNMENTS: &str = "/deviceManagement/roleAssignments";

/// Stands for the id of the role being created in the assignments created after it.
pub(crate) const NEW_ROLE_ID: &str = "{new-role-definition-id}";

/// Binds are absolute URLs of the public Graph, whatever host the request went to.
const ROLES: &str = "https://graph.microsoft.com/beta/deviceManagement/roleDefinitions";

/// What a role assignment is made of (its id and the role it belongs to are Graph's).
const FIELDS: &[&str] = &[
    "displayName",
    "description",
    "members",
    "scopeMembers",
    "resourceScopes",
    "scopeType",
    "roleScopeTagIds",
];

/// A role assignment as it is written and compared: its own fields only.
pub(crate) fn assignment(entry: &Value) -> Value {
    let mut body = json!({"@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment"});
    for field in FIELDS {
        if let Some(value) = entry.get(*field) {
            body[*field] = value.clone();
        }
    }
    body
}

/// The role's assignments in a stable order (by name), as a write makes them.
pub(crate) fn assignments(content: &Value) -> Vec<Value> {
    let mut entries: Vec<Value> = array(content, "roleAssignments")
        .iter()
        .map(assignment)
        .collect();
    entries.sort_by_key(|entry| entry["displayName"].to_string());
    entries
}

fn bound(entry: &Value, role_id: &str) -> Value {
    let mut body = assignment(entry);
    body["roleDefinition@odata.bind"] = json!(format!("{ROLES}('{role_id}')"));
    body
}

/// The assignments of a role being created: bound to [`NEW_ROLE_ID`], which the writer
/// replaces by the new role's id.
pub(crate) fn created(content: &Value) -> Vec<Step> {
    array(content, "roleAssignments")
        .iter()
        .map(|entry| Step {
            method: "POST",
            path: ROLE_ASSIGNMENTS.to_owned(),
            body: Some(bound(entry, NEW_ROLE_ID)),
        })
        .collect()
}

/// The live role's assignments made the source's, matched by name: a changed one by
/// `PATCH`, a missing one by `POST` (bound to the role), one the source lacks by `DELETE`.
pub(crate) fn reconciled(role_id: &str, content: &Value, live: &Value) -> Vec<Step> {
    let name = |entry: &Value| entry.get("displayName").cloned();
    let current = array(live, "roleAssignments");
    let wanted = array(content, "roleAssignments");
    let mut steps = Vec::new();
    for entry in wanted {
        let matched = current
            .iter()
            .find(|live| name(live).is_some() && name(live) == name(entry));
        match matched.and_then(|live| Some((live, live.get("id")?.as_str()?))) {
            Some((live, _)) if assignment(live) == assignment(entry) => {}
            Some((_, id)) => steps.push(Step {
                method: "PATCH",
                path: format!("{ROLE_ASSIGNMENTS}/{id}"),
                body: Some(assignment(entry)),
            }),
            None => steps.push(Step {
                method: "POST",
                path: ROLE_ASSIGNMENTS.to_owned(),
                body: Some(bound(entry, role_id)),
            }),
        }
    }
    for extra in current
        .iter()
        .filter(|live| !wanted.iter().any(|entry| name(entry) == name(live)))
    {
        if let Some(id) = extra.get("id").and_then(Value::as_str) {
            steps.push(Step {
                method: "DELETE",
                path: format!("{ROLE_ASSIGNMENTS}/{id}"),
                body: None,
            });
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(assignments: Value) -> Value {
        json!({"displayName": "Tier 1", "roleAssignments": assignments})
    }

    #[test]
    fn a_new_roles_assignments_are_bound_to_it_and_an_updates_are_reconciled_by_name() {
        let content = role(json!([
            {"id": "a1", "displayName": "EU", "members": ["g1"], "resourceScopes": ["g2"], "scopeType": "resourceScope"},
            {"id": "a2", "displayName": "US", "members": ["g3"], "resourceScopes": [], "scopeType": "allDevices"},
        ]));
        let steps = created(&content);
        assert_eq!(steps.len(), 2);
        let body = steps[0].body.as_ref().unwrap();
        assert_eq!(
            body["roleDefinition@odata.bind"],
            format!("{ROLES}('{NEW_ROLE_ID}')")
        );
        assert!(body.get("id").is_none());
        assert_eq!(body["members"], json!(["g1"]));

        let live = role(json!([
            {"id": "x1", "displayName": "EU", "members": ["g9"], "resourceScopes": ["g2"], "scopeType": "resourceScope"},
            {"id": "x3", "displayName": "Old", "members": ["g4"]},
        ]));
        let steps = reconciled("r1", &content, &live);
        let calls: Vec<(&str, &str)> = steps.iter().map(|s| (s.method, s.path.as_str())).collect();
        assert_eq!(
            calls,
            [
                ("PATCH", "/deviceManagement/roleAssignments/x1"),
                ("POST", "/deviceManagement/roleAssignments"),
                ("DELETE", "/deviceManagement/roleAssignments/x3"),
            ]
        );
        assert_eq!(
            steps[1].body.as_ref().unwrap()["roleDefinition@odata.bind"],
            format!("{ROLES}('r1')")
        );
        // the same assignments: nothing to send
        assert!(reconciled("r1", &content, &content).is_empty());
    }
}
