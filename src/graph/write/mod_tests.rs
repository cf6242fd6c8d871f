use serde_json::json;

use super::*;

fn secret(path: &str, value: &str) -> RestoredSecret {
    RestoredSecret {
        path: path.into(),
        value: SecretString::new(value),
    }
}

fn custom_profile() -> Value {
    json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "id": "c1", "displayName": "Wi-Fi",
    "omaSettings": [
        {"@odata.type": "#microsoft.graph.omaSettingString", "omaUri": "./a", "isEncrypted": false, "value": "plain"},
        {"@odata.type": "#microsoft.graph.omaSettingString", "omaUri": "./b", "isEncrypted": true,
         "secretReferenceValueId": "ref-1", "value": "****"},
    ]})
}

#[test]
fn encrypted_oma_values_are_sent_plain_and_recorded_sealed() {
    let mut body = body::strip("deviceConfigurations", &custom_profile(), &[]).expect("stripped");
    let secrets = [secret("/omaSettings/1/value", "hunter2")];
    secrets::seal(&mut body, &secrets).expect("sealed");
    assert_eq!(
        body["omaSettings"][1],
        json!({"@odata.type": "#microsoft.graph.omaSettingString", "omaUri": "./b", "isEncrypted": false,
            "secretReferenceValueId": null, "value": SEALED})
    );
    assert!(!body.to_string().contains("hunter2"));
    let plain = secrets::unseal(&body, &secrets);
    assert_eq!(plain["omaSettings"][1]["value"], "hunter2");
    assert_eq!(plain["omaSettings"][1]["isEncrypted"], false);
    assert_eq!(plain["omaSettings"][0]["value"], "plain");
}

#[test]
fn an_encrypted_setting_without_its_secret_is_not_written() {
    let mut body = body::strip("deviceConfigurations", &custom_profile(), &[]).expect("stripped");
    let error = secrets::seal(&mut body, &[]).expect_err("refused");
    assert!(
        error.message.contains("/omaSettings/1/value"),
        "{}",
        error.message
    );
    let mut body = body::strip("deviceConfigurations", &custom_profile(), &[]).expect("stripped");
    assert!(secrets::seal(&mut body, &[secret("/omaSettings/7/value", "x")]).is_err());
}

#[test]
fn built_in_objects_are_not_restorable_and_defaults_only_updated() {
    assert_eq!(write_support("settingsCatalog"), WriteSupport::Writable);
    assert!(matches!(
        write_support("mobileApps"),
        WriteSupport::NotRestorable(_)
    ));
    assert!(object_not_restorable("scopeTags", &json!({"isBuiltIn": true})).is_some());
    assert_eq!(
        object_not_restorable("scopeTags", &json!({"isBuiltIn": false})),
        None
    );
    assert!(object_not_restorable("remediations", &json!({"isGlobalScript": true})).is_some());
    assert!(object_not_restorable("conditionalAccessPolicies", &json!({})).is_some());
    assert!(update_only(
        "enrollmentConfigurations",
        &json!({"priority": 0})
    ));
    assert!(!update_only(
        "enrollmentConfigurations",
        &json!({"priority": 3})
    ));
    assert_eq!(
        object_not_restorable("enrollmentConfigurations", &json!({"priority": 0})),
        None
    );
}

#[test]
fn created_objects_are_found_by_name_and_creation_time() {
    let since: DateTime<Utc> = "2026-12-07T14:00:00Z".parse().expect("time");
    let listed = [
        json!({"id": "old", "displayName": "Baseline", "createdDateTime": "2026-12-07T13:59:59.9999999Z"}),
        json!({"id": "new", "displayName": "Baseline", "createdDateTime": "2026-12-07T14:00:00.1430000Z"}),
        json!({"id": "same-moment", "name": "Baseline", "createdDateTime": "2026-12-07T14:00:00Z"}),
        json!({"id": "other", "displayName": "Baseline 2", "createdDateTime": "2026-12-07T15:00:00Z"}),
        json!({"id": "undated", "displayName": "Baseline"}),
    ];
    assert_eq!(
        created_since(&listed, "Baseline", since),
        ["new", "same-moment"]
    );
}

#[test]
fn a_created_id_is_read_at_the_top_or_inside_value() {
    assert_eq!(created_id(Some(&json!({"id": "a"}))).as_deref(), Some("a"));
    assert_eq!(
        created_id(Some(&json!({"value": {"id": "b"}}))).as_deref(),
        Some("b")
    );
    assert_eq!(created_id(Some(&json!({"id": ""}))), None);
    assert_eq!(created_id(None), None);
}

#[test]
fn applied_secrets_leave_the_content_as_a_write_leaves_the_object() {
    let applied = apply_secrets(
        &custom_profile(),
        &[
            secret("/omaSettings/1/value", "hunter2"),
            secret("/nowhere", "x"),
        ],
    );
    assert_eq!(applied["omaSettings"][1]["value"], "hunter2");
    assert_eq!(applied["omaSettings"][1]["isEncrypted"], false);
    assert_eq!(
        applied["omaSettings"][1]["secretReferenceValueId"],
        Value::Null
    );
    assert_eq!(
        applied["omaSettings"][0],
        custom_profile()["omaSettings"][0]
    );
}
