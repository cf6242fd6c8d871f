//! The 400s Graph answers before it writes anything: a body that is not a JSON object, a
//! read-only property, a navigation property where none is taken, a missing name, an
//! `@odata.type` the collection does not hold.

use serde_json::{Map, Value};

use super::spec::{self, Spec};

/// Graph's answer to a body it cannot read.
pub const NOT_JSON: &str = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.";

/// The body as a JSON object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(NOT_JSON.to_owned()),
    }
}

/// What kind of write the properties come with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Create,
    Patch,
    Put,
}

/// Checks an object's properties for a create, `PATCH` or `PUT` of `spec`'s type;
/// `children` are the type's navigation properties (`assignments` included), and
/// `current_type` the `@odata.type` of the object an update names.
pub fn properties(
    spec: &Spec,
    body: &Map<String, Value>,
    kind: Kind,
    children: &[&str],
    current_type: Option<&str>,
) -> Result<(), String> {
    for property in body.keys() {
        if spec::read_only(spec, property, kind == Kind::Create) {
            return Err(format!(
                "The property '{property}' is read-only and cannot be set by a write."
            ));
        }
        let navigation = property == "assignments" || children.contains(&property.as_str());
        if !navigation {
            continue;
        }
        if kind == Kind::Patch {
            // Graph's answer to PATCH with settings (Terraform provider #2488)
            return Err(format!("Cannot PATCH navigation property '{property}'"));
        }
        if !spec.inline.contains(&property.as_str()) {
            return Err(format!(
                "The navigation property '{property}' cannot be written inline; use its own action."
            ));
        }
    }
    match (body.get("@odata.type"), current_type) {
        (Some(Value::String(odata_type)), None) if !spec.types.accepts(odata_type) => {
            return Err(format!(
                "'{odata_type}' is not a type the collection holds."
            ));
        }
        (Some(Value::String(odata_type)), Some(current)) if odata_type != current => {
            return Err(format!(
                "The '@odata.type' '{odata_type}' does not match the object's type '{current}'."
            ));
        }
        (Some(other), _) if !other.is_string() => {
            return Err("'@odata.type' must be a string.".to_owned());
        }
        (None, None) if kind == Kind::Create && spec.types.polymorphic() => {
            return Err(
                "The collection holds several types: the body must name one in '@odata.type'."
                    .to_owned(),
            );
        }
        _ => {}
    }
    let named = body
        .get(spec.name)
        .and_then(Value::as_str)
        .is_some_and(|name| !name.trim().is_empty());
    let needs_name = kind != Kind::Patch || body.contains_key(spec.name);
    if needs_name && !named {
        return Err(format!("The property '{}' is required.", spec.name));
    }
    if spec.key == "conditionalAccessPolicies" && kind == Kind::Create {
        return conditional_access(body);
    }
    // an update names and describes; the combinations go through their action
    // (authenticationstrengthpolicy-update)
    if spec.key == "authenticationStrengths" && kind != Kind::Create {
        if let Some(other) = body
            .keys()
            .find(|key| !["displayName", "description", "@odata.type"].contains(&key.as_str()))
        {
            return Err(format!(
                "The property '{other}' cannot be updated here; use updateAllowedCombinations for the combinations."
            ));
        }
    }
    Ok(())
}

/// A new Conditional Access policy needs at least one application, one user rule and one
/// grant or session control (conditionalaccessroot-post-policies; GRAPH.md "Writing back").
fn conditional_access(body: &Map<String, Value>) -> Result<(), String> {
    let listed = |pointer: &str| {
        body.get("conditions")
            .and_then(|conditions| conditions.pointer(pointer))
            .is_some_and(|value| match value {
                Value::Array(items) => !items.is_empty(),
                Value::Null => false,
                _ => true,
            })
    };
    let applications = [
        "/applications/includeApplications",
        "/applications/includeUserActions",
        "/applications/includeAuthenticationContextClassReferences",
    ];
    let users = [
        "/users/includeUsers",
        "/users/includeGroups",
        "/users/includeRoles",
        "/users/includeGuestsOrExternalUsers",
    ];
    let controls = ["grantControls", "sessionControls"]
        .iter()
        .any(|control| body.get(*control).is_some_and(|value| !value.is_null()));
    if !applications.iter().any(|pointer| listed(pointer))
        || !users.iter().any(|pointer| listed(pointer))
        || !controls
    {
        return Err("A Conditional Access policy needs at least one application, one user rule and one grant or session control.".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn read_only_navigation_name_and_type_are_checked() {
        let catalog = spec::of("settingsCatalog").unwrap();
        let children = ["settings"];
        let good = map(json!({"name": "P", "settings": []}));
        assert!(properties(catalog, &good, Kind::Create, &children, None).is_ok());
        let patch = map(json!({"settings": []}));
        assert_eq!(
            properties(catalog, &patch, Kind::Patch, &children, None).unwrap_err(),
            "Cannot PATCH navigation property 'settings'"
        );
        let read_only = map(json!({"name": "P", "settingCount": 3}));
        assert!(properties(catalog, &read_only, Kind::Create, &children, None).is_err());
        let unnamed = map(json!({"description": "d"}));
        assert!(properties(catalog, &unnamed, Kind::Create, &children, None).is_err());
        assert!(properties(catalog, &unnamed, Kind::Patch, &children, None).is_ok());
        let profiles = spec::of("deviceConfigurations").unwrap();
        let untyped = map(json!({"displayName": "D"}));
        assert!(properties(profiles, &untyped, Kind::Create, &[], None).is_err());
        let wrong = map(
            json!({"displayName": "D", "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy"}),
        );
        assert!(properties(profiles, &wrong, Kind::Create, &[], None).is_err());
        let typed = map(
            json!({"displayName": "D", "@odata.type": "#microsoft.graph.windows10GeneralConfiguration"}),
        );
        assert!(properties(profiles, &typed, Kind::Create, &[], None).is_ok());
        let link = map(
            json!({"displayName": "D", "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "assignments@odata.navigationLink": "x"}),
        );
        assert!(properties(profiles, &link, Kind::Create, &[], None).is_err());
    }

    #[test]
    fn a_conditional_access_policy_needs_an_application_a_user_rule_and_a_control() {
        let policies = spec::of("conditionalAccessPolicies").unwrap();
        let whole = json!({"displayName": "CA", "state": "disabled",
            "conditions": {"applications": {"includeApplications": ["All"]},
                           "users": {"includeUsers": ["All"], "includeGroups": []}},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}});
        assert!(properties(policies, &map(whole.clone()), Kind::Create, &[], None).is_ok());
        for pointer in [
            "/conditions/applications/includeApplications",
            "/conditions/users/includeUsers",
            "/grantControls",
        ] {
            let mut without = whole.clone();
            *without.pointer_mut(pointer).unwrap() = Value::Null;
            assert!(
                properties(policies, &map(without.clone()), Kind::Create, &[], None).is_err(),
                "{pointer}"
            );
            // an update may send part of a policy
            assert!(properties(policies, &map(without), Kind::Patch, &[], None).is_ok());
        }
    }
}
