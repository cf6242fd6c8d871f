//! Content in the form a write sends it, for comparing backed-up with live content (a
//! restore's plan and its verification): Graph's own fields and annotations left out,
//! and children without the ids Graph assigns them anew on every write (compliance rules
//! and actions, definition values, localized messages).

use serde_json::Value;

use super::body::{
    array, catalog_settings, child, intent_settings, rules_of, strip, TEMPLATE_CONTAINER,
};
use super::rules::collection;
use super::templates;

/// `content` as it compares: two objects that compare equal need no write. Secrets stay
/// as they are: a backed-up object with encrypted OMA-URI values compares with the object
/// it was restored to once its secrets are back in it ([`super::apply_secrets`]), since a
/// write leaves them plain.
pub fn comparable(type_key: &str, content: &Value) -> Value {
    if collection(type_key).is_none() || !content.is_object() {
        return content.clone();
    }
    let strip_with = |also: &[&str]| strip(type_key, content, also).unwrap_or(Value::Null);
    match type_key {
        "settingsCatalog" | "compliancePolicies" => {
            let mut body = strip_with(&["settings", "scheduledActionsForRule"]);
            body["settings"] = catalog_settings(content);
            if type_key == "compliancePolicies" {
                body["scheduledActionsForRule"] = Value::Array(rules_of(content));
            }
            body
        }
        "deviceCompliancePolicies" => {
            let mut body = strip_with(&["scheduledActionsForRule"]);
            body["scheduledActionsForRule"] = Value::Array(rules_of(content));
            body
        }
        "administrativeTemplates" => {
            let mut body = strip_with(&["definitionValues"]);
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|field, _| TEMPLATE_CONTAINER.contains(&field.as_str()));
            }
            // bound values, in a stable order (Graph gives no order of its own)
            let mut values = templates::binds(content).unwrap_or_default();
            values.sort_by_key(|value| value["definition@odata.bind"].to_string());
            body["definitionValues"] = Value::Array(values);
            body
        }
        "notificationTemplates" => {
            let mut body = strip_with(&["localizedNotificationMessages"]);
            let mut messages: Vec<Value> = array(content, "localizedNotificationMessages")
                .iter()
                .map(child)
                .collect();
            messages.sort_by_key(|message| message["locale"].to_string());
            body["localizedNotificationMessages"] = Value::Array(messages);
            body
        }
        "endpointSecurityIntents" => {
            let mut body = strip_with(&["settings"]);
            body["settings"] = intent_settings(content);
            body
        }
        "policySets" => {
            let mut body = strip_with(&["items"]);
            let mut items: Vec<Value> = array(content, "items")
                .iter()
                .map(super::body::policy_set_item)
                .collect();
            items.sort_by_key(|item| item["payloadId"].to_string());
            body["items"] = Value::Array(items);
            body
        }
        "admxFiles" => super::body::admx_file(type_key, content).unwrap_or(Value::Null),
        "roleDefinitions" => {
            let mut body = strip_with(&["roleAssignments"]);
            body["roleAssignments"] = Value::Array(super::roles::assignments(content));
            body
        }
        "appProtection" | "appConfigManagedApps" => {
            let mut body = strip_with(&["apps"]);
            body["apps"] = super::body::managed_apps(content);
            body
        }
        _ => strip_with(&[]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_restored_object_compares_equal_to_its_backup() {
        let backup = json!({"id": "old", "displayName": "W", "version": 2, "createdDateTime": "a",
            "@odata.context": "x", "assignments": [{"target": {}}],
            "scheduledActionsForRule": [{"id": "r-old", "ruleName": "PasswordRequired",
                "scheduledActionConfigurations": [{"id": "a-old", "actionType": "block", "gracePeriodHours": 0}]}]});
        let restored = json!({"id": "new", "displayName": "W", "version": 1, "createdDateTime": "b",
            "scheduledActionsForRule": [{"id": "r-new", "ruleName": "PasswordRequired",
                "scheduledActionConfigurations": [{"id": "a-new", "actionType": "block", "gracePeriodHours": 0}]}]});
        assert_eq!(
            comparable("deviceCompliancePolicies", &backup),
            comparable("deviceCompliancePolicies", &restored)
        );
        let changed = json!({"displayName": "W", "scheduledActionsForRule": [{"ruleName": "PasswordRequired",
            "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 24}]}]});
        assert_ne!(
            comparable("deviceCompliancePolicies", &backup),
            comparable("deviceCompliancePolicies", &changed)
        );
    }

    #[test]
    fn template_values_compare_by_definition_whatever_their_ids_and_order() {
        let value = |id: &str, definition: &str| {
            json!({"id": id, "enabled": true,
            "definition": {"id": definition}, "presentationValues": []})
        };
        let backup = json!({"id": "g", "displayName": "T", "policyConfigurationIngestionType": "builtIn",
            "definitionValues": [value("v1", "d1"), value("v2", "d2")]});
        let live = json!({"id": "h", "displayName": "T",
            "definitionValues": [value("L2", "d2"), value("L1", "d1")]});
        assert_eq!(
            comparable("administrativeTemplates", &backup),
            comparable("administrativeTemplates", &live)
        );
        let fewer = json!({"displayName": "T", "definitionValues": [value("L1", "d1")]});
        assert_ne!(
            comparable("administrativeTemplates", &backup),
            comparable("administrativeTemplates", &fewer)
        );
    }
}
