use serde_json::json;

use super::*;

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn a_create_strips_what_graph_computes_annotations_and_assignments() {
    let content = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#x",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": "d1", "createdDateTime": "2024-01-01T00:00:00Z", "lastModifiedDateTime": "2024-01-02T00:00:00Z",
        "version": 3, "supportsScopeTags": true, "isAssigned": true,
        "assignments@odata.navigationLink": "x", "@tenantpilot.redacted": ["token"],
        "displayName": "Baseline", "description": "d", "roleScopeTagIds": ["0"], "passwordRequired": true,
        "assignments": [{"target": {}}],
    });
    let creation = prepare_create("deviceConfigurations", &content).expect("prepared");
    assert_eq!(creation.create.method, "POST");
    assert_eq!(
        creation.create.path,
        "/deviceManagement/deviceConfigurations"
    );
    let body = creation.create.body.expect("a body");
    assert_eq!(
        keys(&body),
        [
            "@odata.type",
            "description",
            "displayName",
            "passwordRequired",
            "roleScopeTagIds"
        ]
    );
    assert!(creation.then.is_empty());
}

#[test]
fn settings_catalog_settings_go_inline_without_ids_and_an_update_is_a_put() {
    let content = json!({
        "id": "p1", "name": "Edge", "settingCount": 2, "creationSource": null, "platforms": "windows10",
        "templateReference": {"templateId": ""},
        "settings": [
            {"id": "0", "settingInstance": {"settingDefinitionId": "a", "choiceSettingValue": {"value": "a_1"}}},
            {"id": "1", "settingInstance": {"settingDefinitionId": "b"}, "settingDefinitions": [{"id": "b"}]},
        ],
        "assignments": [],
    });
    let body = prepare_create("settingsCatalog", &content)
        .expect("prepared")
        .create
        .body
        .expect("body");
    assert_eq!(
        keys(&body),
        ["name", "platforms", "settings", "templateReference"]
    );
    assert_eq!(
        body["settings"],
        json!([
            {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
             "settingInstance": {"settingDefinitionId": "a", "choiceSettingValue": {"value": "a_1"}}},
            {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
             "settingInstance": {"settingDefinitionId": "b"}},
        ])
    );
    let steps = prepare_update("settingsCatalog", "p9", &content, &json!({})).expect("prepared");
    assert_eq!(steps.len(), 1);
    assert_eq!(
        (steps[0].method, steps[0].path.as_str()),
        ("PUT", "/deviceManagement/configurationPolicies/p9")
    );
    assert_eq!(
        steps[0].body.as_ref().map(|b| &b["settings"]),
        Some(&body["settings"])
    );
}

fn rule() -> Value {
    json!({"id": "r1", "ruleName": "PasswordRequired", "scheduledActionConfigurations": [
        {"id": "a1", "actionType": "block", "gracePeriodHours": 0},
        {"id": "a2", "actionType": "notification", "gracePeriodHours": 24, "notificationTemplateId": "t1"},
    ]})
}

#[test]
fn a_settings_catalog_compliance_policy_sets_its_actions_after_the_create_and_the_put() {
    let content = json!({"id": "c1", "name": "Win", "settings": [{"id": "0", "settingInstance": {}}],
        "scheduledActionsForRule": [rule()]});
    let creation = prepare_create("compliancePolicies", &content).expect("prepared");
    let body = creation.create.body.expect("body");
    assert!(body.get("scheduledActionsForRule").is_none());
    let expected_rules = json!({"scheduledActions": [{"ruleName": "PasswordRequired", "scheduledActionConfigurations": [
        {"actionType": "block", "gracePeriodHours": 0},
        {"actionType": "notification", "gracePeriodHours": 24, "notificationTemplateId": "t1"},
    ]}]});
    assert_eq!(
        creation.then,
        [(
            "POST",
            "/setScheduledActions".to_owned(),
            expected_rules.clone()
        )]
    );
    let steps = prepare_update("compliancePolicies", "c9", &content, &json!({})).expect("prepared");
    assert_eq!(
        steps.iter().map(|s| s.method).collect::<Vec<_>>(),
        ["PUT", "POST"]
    );
    assert_eq!(
        steps[1].path,
        "/deviceManagement/compliancePolicies/c9/setScheduledActions"
    );
    assert_eq!(steps[1].body.as_ref(), Some(&expected_rules));
}

#[test]
fn a_device_compliance_policy_carries_its_rule_inline_and_always_one_block_action() {
    let content = json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "id": "x",
        "displayName": "W", "scheduledActionsForRule": [rule()]});
    let body = prepare_create("deviceCompliancePolicies", &content)
        .expect("prepared")
        .create
        .body
        .expect("body");
    let actions = &body["scheduledActionsForRule"][0]["scheduledActionConfigurations"];
    assert_eq!(actions.as_array().map(Vec::len), Some(2));
    assert!(
        actions[0].get("id").is_none() && body["scheduledActionsForRule"][0].get("id").is_none()
    );
    // a backup without actions gets Intune's default block action
    let bare = json!({"displayName": "W", "scheduledActionsForRule": []});
    let body = prepare_create("deviceCompliancePolicies", &bare)
        .expect("prepared")
        .create
        .body
        .expect("body");
    assert_eq!(
        body["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"],
        "block"
    );
    // an update patches without the rules, then schedules them
    let steps =
        prepare_update("deviceCompliancePolicies", "x", &content, &json!({})).expect("prepared");
    assert_eq!(steps[0].method, "PATCH");
    assert!(steps[0]
        .body
        .as_ref()
        .is_some_and(|b| b.get("scheduledActionsForRule").is_none()));
    assert_eq!(
        steps[1].path,
        "/deviceManagement/deviceCompliancePolicies/x/scheduleActionsForRules"
    );
    let rules = &steps[1].body.as_ref().expect("body")["deviceComplianceScheduledActionForRules"];
    assert_eq!(rules[0]["ruleName"], "PasswordRequired");
}

const DEF: &str = "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions";

fn template(values: Value) -> Value {
    json!({"id": "g1", "displayName": "Edge ADMX", "description": "", "roleScopeTagIds": ["0"],
        "policyConfigurationIngestionType": "builtIn", "definitionValues": values})
}

fn value(id: &str, definition: &str, enabled: bool, text: &str) -> Value {
    json!({"id": id, "enabled": enabled, "configurationType": "policy", "createdDateTime": "2024-01-01T00:00:00Z",
        "definition": {"id": definition, "displayName": "Home page"},
        "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
            "id": format!("{id}-p"), "value": text, "lastModifiedDateTime": "2024-01-01T00:00:00Z",
            "presentation": {"@odata.type": "#microsoft.graph.groupPolicyPresentationTextBox", "id": "pr1", "label": "URL"}}]})
}

#[test]
fn an_administrative_template_is_created_then_its_values_bound_to_their_definitions() {
    let content = template(json!([value("v1", "d1", true, "https://a")]));
    let creation = prepare_create("administrativeTemplates", &content).expect("prepared");
    assert_eq!(
        creation.create.body,
        Some(json!({"displayName": "Edge ADMX", "description": "", "roleScopeTagIds": ["0"]}))
    );
    assert_eq!(
        creation.then,
        [(
            "POST",
            "/updateDefinitionValues".to_owned(),
            json!({"added": [{"enabled": true, "definition@odata.bind": format!("{DEF}('d1')"),
                "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                    "value": "https://a", "presentation@odata.bind": format!("{DEF}('d1')/presentations('pr1')")}]}],
                "updated": [], "deletedIds": []})
        )]
    );
}

#[test]
fn an_administrative_template_update_adds_updates_and_deletes_values_against_the_live_ones() {
    let content = template(json!([
        value("v1", "d1", true, "https://new"),
        value("v2", "d2", false, "same"),
        value("v3", "d3", true, "added"),
    ]));
    let live = template(json!([
        value("L1", "d1", true, "https://old"),
        value("L2", "d2", false, "same"),
        value("L4", "d4", true, "gone"),
    ]));
    let steps = prepare_update("administrativeTemplates", "g7", &content, &live).expect("prepared");
    assert_eq!(steps[0].method, "PATCH");
    assert_eq!(
        keys(steps[0].body.as_ref().expect("body")),
        ["description", "displayName", "roleScopeTagIds"]
    );
    assert_eq!(
        steps[1].path,
        "/deviceManagement/groupPolicyConfigurations/g7/updateDefinitionValues"
    );
    let update = steps[1].body.as_ref().expect("body");
    assert_eq!(update["added"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        update["added"][0]["definition@odata.bind"],
        format!("{DEF}('d3')")
    );
    // d2 is unchanged: left alone; d1 updated with the live ids
    assert_eq!(update["updated"].as_array().map(Vec::len), Some(1));
    assert_eq!(update["updated"][0]["id"], "L1");
    assert_eq!(update["updated"][0]["presentationValues"][0]["id"], "L1-p");
    assert_eq!(
        update["updated"][0]["presentationValues"][0]["value"],
        "https://new"
    );
    assert_eq!(update["deletedIds"], json!(["L4"]));
    // nothing to change: only the metadata patch
    let same = prepare_update("administrativeTemplates", "g7", &live, &live).expect("prepared");
    assert_eq!(same.len(), 1);
}

#[test]
fn a_definition_value_without_its_definition_cannot_be_bound() {
    let content = template(json!([{"id": "v1", "enabled": true}]));
    assert!(prepare_create("administrativeTemplates", &content).is_err());
}

#[test]
fn policy_set_items_are_reduced_and_an_update_diffs_them_by_payload() {
    let item = |id: &str, payload: &str| {
        json!({"@odata.type": "#microsoft.graph.deviceConfigurationPolicySetItem",
        "id": id, "payloadId": payload, "displayName": "x", "status": "success", "itemType": "y",
        "createdDateTime": "2024-01-01T00:00:00Z", "guidedDeploymentTags": []})
    };
    let content = json!({"id": "s1", "displayName": "Set", "status": "success", "items": [item("i1", "p1"), item("i2", "p2")]});
    let body = prepare_create("policySets", &content)
        .expect("prepared")
        .create
        .body
        .expect("body");
    assert_eq!(keys(&body), ["displayName", "items"]);
    assert_eq!(
        body["items"][0],
        json!({"@odata.type": "#microsoft.graph.deviceConfigurationPolicySetItem", "payloadId": "p1"})
    );
    let live = json!({"items": [item("L1", "p1"), item("L3", "p3")]});
    let steps = prepare_update("policySets", "s9", &content, &live).expect("prepared");
    assert_eq!(steps[0].method, "PATCH");
    assert_eq!(keys(steps[0].body.as_ref().expect("body")), ["displayName"]);
    assert_eq!(steps[1].path, "/deviceAppManagement/policySets/s9/update");
    let update = steps[1].body.as_ref().expect("body");
    assert_eq!(update["addedPolicySetItems"][0]["payloadId"], "p2");
    assert_eq!(update["updatedPolicySetItems"][0]["id"], "L1");
    assert_eq!(update["deletedPolicySetItems"], json!(["L3"]));
}

#[test]
fn per_type_read_only_fields_and_children() {
    let feature = json!({"id": "f", "displayName": "24H2", "featureUpdateVersion": "Windows 11, version 24H2",
        "deployableContentDisplayName": "Windows 11", "endOfSupportDate": "2026-10-13T00:00:00Z"});
    let body = prepare_create("featureUpdates", &feature)
        .expect("prepared")
        .create
        .body
        .expect("body");
    assert_eq!(keys(&body), ["displayName", "featureUpdateVersion"]);
    let filter = json!({"id": "f", "displayName": "Corp", "platform": "windows10AndLater", "rule": "(device.x -eq 1)", "payloads": []});
    let body = prepare_create("assignmentFilters", &filter)
        .expect("prepared")
        .create
        .body
        .expect("body");
    assert_eq!(keys(&body), ["displayName", "platform", "rule"]);
    let steps = prepare_update("assignmentFilters", "f", &filter, &json!({})).expect("prepared");
    assert_eq!(
        keys(steps[0].body.as_ref().expect("body")),
        ["displayName", "rule"]
    );
    let template = json!({"id": "n", "displayName": "Notice", "brandingOptions": "none",
        "localizedNotificationMessages": [{"id": "n_en-us", "locale": "en-us", "subject": "S", "messageTemplate": "M", "isDefault": true, "lastModifiedDateTime": "x"}]});
    let creation = prepare_create("notificationTemplates", &template).expect("prepared");
    assert_eq!(
        keys(creation.create.body.as_ref().expect("body")),
        ["brandingOptions", "displayName"]
    );
    assert_eq!(
        creation.then,
        [(
            "POST",
            "/localizedNotificationMessages".to_owned(),
            json!({"locale": "en-us", "subject": "S", "messageTemplate": "M", "isDefault": true})
        )]
    );
    let enrollment = json!({"@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
        "id": "e", "displayName": "ESP", "priority": 2});
    let creation = prepare_create("enrollmentConfigurations", &enrollment).expect("prepared");
    assert!(creation
        .create
        .body
        .as_ref()
        .is_some_and(|b| b.get("priority").is_none()));
    assert_eq!(
        creation.then,
        [("POST", "/setPriority".to_owned(), json!({"priority": 2}))]
    );
    let same_priority = prepare_update("enrollmentConfigurations", "e", &enrollment, &enrollment)
        .expect("prepared");
    assert_eq!(same_priority.len(), 1);
    let intent = json!({"id": "i", "displayName": "AV", "description": "", "templateId": "t-1", "roleScopeTagIds": ["0"],
        "isAssigned": false, "settings": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "id": "s1", "definitionId": "d", "valueJson": "true"}]});
    let creation = prepare_create("endpointSecurityIntents", &intent).expect("prepared");
    assert_eq!(
        creation.create.path,
        "/deviceManagement/templates/t-1/createInstance"
    );
    assert_eq!(
        creation.create.body.as_ref().expect("body")["settingsDelta"][0],
        json!({"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "definitionId": "d", "valueJson": "true"})
    );
    let steps =
        prepare_update("endpointSecurityIntents", "i", &intent, &json!({})).expect("prepared");
    assert_eq!(steps[0].method, "PATCH");
    assert_eq!(
        keys(steps[0].body.as_ref().expect("body")),
        ["description", "displayName", "roleScopeTagIds"]
    );
    assert_eq!(steps[1].path, "/deviceManagement/intents/i/updateSettings");
    let reusable = json!({"id": "r", "displayName": "Cert", "settingInstance": {"a": 1}, "referencingConfigurationPolicyCount": 2, "version": 1});
    let steps = prepare_update("reusableSettings", "r", &reusable, &json!({})).expect("prepared");
    assert_eq!(steps[0].method, "PUT");
    assert_eq!(
        keys(steps[0].body.as_ref().expect("body")),
        ["displayName", "settingInstance"]
    );
}
