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
    assert!(
        object_not_restorable("authenticationStrengths", &json!({"policyType": "builtIn"}))
            .is_some()
    );
    assert_eq!(
        object_not_restorable("authenticationStrengths", &json!({"policyType": "custom"})),
        None
    );
    assert!(object_not_restorable("roleDefinitions", &json!({"isBuiltIn": true})).is_some());
    assert_eq!(
        object_not_restorable("roleDefinitions", &json!({"isBuiltIn": false})),
        None
    );
    assert!(update_only(
        "brandingProfiles",
        &json!({"isDefaultProfile": true})
    ));
    assert!(!update_only(
        "brandingProfiles",
        &json!({"isDefaultProfile": false})
    ));
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
