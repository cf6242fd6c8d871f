//! Intune RBAC: role definitions (Microsoft's built-in roles first, then the tenant's
//! custom roles) and the role assignments under each.
//!
//! Shapes: api-reference/beta/resources/intune-rbac-deviceandappmanagementroledefinition.md,
//! intune-rbac-deviceandappmanagementroleassignment.md.

use serde_json::{json, Value};

use super::common::{header, Ctx};

/// Listed before the custom roles; a backup skips them (`isBuiltIn`), as IntuneCD's
/// `isBuiltIn eq false` filter does.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    ("0bd113fe-6be5-400c-a28f-ae5553f9c0be", "Help Desk Operator"),
    (
        "c1d9fcbb-cba5-40b0-bf6b-527006585f4b",
        "Policy and Profile manager",
    ),
];

fn permissions(actions: &[&str]) -> Value {
    json!([{
        "actions": [],
        "resourceActions": [{"allowedResourceActions": actions, "notAllowedResourceActions": []}]
    }])
}

pub fn role_definition(ctx: &Ctx, index: usize, revision: u32) -> Value {
    if let Some((id, name)) = BUILT_IN_ROLES.get(index) {
        let actions = [
            "Microsoft.Intune_Organization_Read",
            "Microsoft.Intune_ManagedDevices_Read",
        ];
        return json!({
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
            "id": id, "displayName": name,
            "description": format!("{name} (built-in, revision {revision})"),
            "permissions": permissions(&actions), "rolePermissions": permissions(&actions),
            "isBuiltInRoleDefinition": true, "isBuiltIn": true, "roleScopeTagIds": ["0"],
        });
    }
    let custom = index - BUILT_IN_ROLES.len();
    let (header, mut seed) = header(
        ctx,
        "roleDefinitions",
        custom,
        revision,
        &[
            "Tier 1 support",
            "App packager",
            "Regional admin",
            "Read-only auditor",
        ],
    );
    let mut actions = vec![
        "Microsoft.Intune_Organization_Read",
        *seed.pick(&[
            "Microsoft.Intune_MobileApps_Read",
            "Microsoft.Intune_DeviceConfigurations_Read",
            "Microsoft.Intune_ManagedDevices_Read",
        ]),
    ];
    if !revision.is_multiple_of(2) {
        actions.push("Microsoft.Intune_RemoteTasks_RebootNow");
    }
    json!({
        "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
        "id": header.id,
        "displayName": header.name,
        "description": header.description,
        "permissions": permissions(&actions),
        "rolePermissions": permissions(&actions),
        "isBuiltInRoleDefinition": false,
        "isBuiltIn": false,
        "roleScopeTagIds": header.scope_tags,
    })
}

/// `roleDefinitions/{id}/roleAssignments`: who holds the role, over which groups.
pub fn role_assignments(ctx: &Ctx, role_id: &str, index: usize) -> Vec<Value> {
    let mut seed = ctx.seed("roleDefinitions/roleAssignments", index);
    (0..1 + seed.below(2))
        .map(|position| {
            let members = seed.pick(&ctx.groups).clone();
            let scope = seed.pick(&ctx.groups).clone();
            json!({
                "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
                "id": ctx.guid(&format!("roleAssignments/{role_id}"), position),
                "displayName": format!("Assignment {} of {role_id}", position + 1),
                "description": "",
                "scopeMembers": [scope.clone()],
                "scopeType": "resourceScope",
                "resourceScopes": [scope],
                "members": [members],
                "roleScopeTagIds": ["0"],
            })
        })
        .collect()
}
