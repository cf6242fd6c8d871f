//! The Graph client's write side against the Graph simulator (which checks writes as
//! Graph does: read-only properties, navigation properties, names, `@odata.type`s, the
//! ReadWrite permission): every writable type backed up by the client's own reads,
//! created again from that content, assigned, found by `find_created`, read back equal,
//! and updated in place.

use chrono::Utc;
use serde_json::Value;
use tenantpilot::config::SecretString;
use tenantpilot::graph::write::{
    apply_secrets, comparable, object_not_restorable, update_only, RestoredSecret,
};
use tenantpilot::graph::{
    FetchedObject, GraphClient, GraphErrorCode, GraphSettings, TenantCredentials,
};
use tenantpilot::graph_sim::{Fault, RunningSimulator, TenantConfig};
use uuid::Uuid;

use crate::graph_sim::start;

const TENANT: &str = "7b6a5948-3726-4150-8f9e-0d1c2b3a4958";
const CLIENT: &str = "33334444-5555-4666-8777-88889999aaaa";
const SECRET: &str = "sim~writer-secret";

/// Every type the contract makes writable, with whether the simulator seeds it as a
/// foundation.
const WRITABLE: &[(&str, bool)] = &[
    ("deviceConfigurations", false),
    ("settingsCatalog", false),
    ("compliancePolicies", false),
    ("deviceCompliancePolicies", false),
    ("administrativeTemplates", false),
    ("powershellScripts", false),
    ("macosShellScripts", false),
    ("remediations", false),
    ("complianceScripts", true),
    ("featureUpdates", false),
    ("qualityUpdates", false),
    ("driverUpdates", false),
    ("appConfigManagedDevices", false),
    ("assignmentFilters", true),
    ("scopeTags", true),
    ("notificationTemplates", true),
    ("reusableSettings", true),
    ("endpointSecurityIntents", false),
    ("autopilotProfiles", false),
    ("enrollmentConfigurations", false),
    ("policySets", false),
    ("deviceCategories", true),
    ("mobileAppCategories", true),
    ("namedLocations", true),
    ("termsAndConditions", false),
    ("macosCustomAttributes", false),
    ("hardwareConfigurations", false),
    ("brandingProfiles", false),
    ("cloudPcProvisioningPolicies", false),
    ("cloudPcUserSettings", false),
    ("appleUserInitiatedProfiles", false),
    ("conditionalAccessPolicies", false),
    ("appProtection", false),
    ("appConfigManagedApps", false),
    ("admxFiles", true),
    ("authenticationStrengths", true),
    ("roleDefinitions", false),
];

fn tenant(write_roles: bool) -> TenantConfig {
    let mut tenant = TenantConfig::new(TENANT, CLIENT, SECRET);
    for (key, foundation) in WRITABLE {
        let counts = match foundation {
            true => &mut tenant.foundations,
            false => &mut tenant.counts,
        };
        counts.insert((*key).to_owned(), 4);
    }
    tenant.settings_per_policy = 5;
    tenant.definition_values_per_policy = 3;
    if write_roles {
        tenant.grant_write_roles();
    }
    tenant
}

fn client(sim: &RunningSimulator) -> GraphClient {
    let mut settings = GraphSettings::new(sim.graph_url(), sim.login_url());
    settings.requests_per_20s = 1_000_000;
    settings.writes_per_20s = 1_000_000;
    GraphClient::new(settings).expect("client builds")
}

fn credentials() -> TenantCredentials {
    TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: TENANT.parse().expect("uuid"),
        client_id: CLIENT.parse().expect("uuid"),
        client_secret: SecretString::new(SECRET),
    }
}

fn name_of(content: &Value) -> (&'static str, String) {
    for field in ["displayName", "name"] {
        if let Some(name) = content.get(field).and_then(Value::as_str) {
            return (field, name.to_owned());
        }
    }
    panic!("no name: {content}");
}

fn secrets_of(object: &FetchedObject) -> Vec<RestoredSecret> {
    object
        .secrets
        .iter()
        .filter_map(|secret| {
            let value = secret.value.clone()?;
            Some(RestoredSecret {
                path: secret.path.clone(),
                value,
            })
        })
        .collect()
}

/// The object a restore would create: restorable, not a default, and with encrypted
/// settings only where their values were captured; the one with the most children.
fn restorable(key: &str, objects: &[FetchedObject]) -> FetchedObject {
    objects
        .iter()
        .filter(|object| object_not_restorable(key, &object.content.to_value()).is_none())
        .filter(|object| !update_only(key, &object.content.to_value()))
        .filter(|object| object.secrets.iter().all(|secret| secret.value.is_some()))
        .max_by_key(|object| object.content.as_str().len())
        .cloned()
        .unwrap_or_else(|| panic!("{key}: no restorable object"))
}

fn assignments(content: &Value) -> Vec<Value> {
    content
        .get("assignments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The object `id` of `key` as the client's own backup reads it now.
async fn read_back(client: &GraphClient, tenant: &TenantCredentials, key: &str, id: &str) -> Value {
    client
        .fetch(tenant, key)
        .await
        .expect("read")
        .objects
        .into_iter()
        .find(|object| object.graph_id == id)
        .expect("listed")
        .content
        .to_value()
}

#[tokio::test]
async fn every_writable_type_is_recreated_from_its_backup_and_reads_back_the_same() {
    let sim = start(tenant(true)).await;
    let client = client(&sim);
    let tenant = credentials();
    let mut failures = Vec::new();
    for (key, _) in WRITABLE {
        if let Err(failure) = round_trip(&client, &tenant, key).await {
            failures.push(format!("{key}: {failure}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    sim.stop().await;
}

/// One type: backed up, created again under a new name, assigned, found, read back,
/// updated back to the backup.
async fn round_trip(
    client: &GraphClient,
    tenant: &TenantCredentials,
    key: &str,
) -> Result<(), String> {
    let backup = client
        .fetch(tenant, key)
        .await
        .map_err(|e| format!("backup: {e}"))?;
    let original = restorable(key, &backup.objects);
    let secrets = secrets_of(&original);
    let mut content = original.content.to_value();
    let (field, name) = name_of(&content);
    let restored_name = format!("{name} (restored)");
    content[field] = Value::String(restored_name.clone());
    let since = Utc::now() - chrono::Duration::seconds(1);

    let created = client
        .create_object(tenant, key, &content, &secrets)
        .await
        .map_err(|e| format!("create: {e}"))?;
    let wanted = assignments(&content);
    client
        .assign_object(tenant, key, &created.target_id, &wanted, &[])
        .await
        .map_err(|e| format!("assign: {e}"))?;
    let found = client
        .find_created(tenant, key, &restored_name, since)
        .await
        .map_err(|e| format!("find_created: {e}"))?;
    if found != [created.target_id.clone()] {
        return Err(format!(
            "find_created found {found:?}, not {}",
            created.target_id
        ));
    }

    let after = client
        .fetch(tenant, key)
        .await
        .map_err(|e| format!("read back: {e}"))?;
    let restored = after
        .objects
        .iter()
        .find(|object| object.graph_id == created.target_id)
        .ok_or("the created object is not listed")?;
    let expected = apply_secrets(&content, &secrets);
    let (read, sent) = (
        comparable(key, &restored.content.to_value()),
        comparable(key, &expected),
    );
    if read != sent {
        return Err(format!("read back differs:\n read {read}\n sent {sent}"));
    }
    // what the assignments target, whatever ids Graph gave them
    let targets = |list: &[Value]| {
        let mut targets: Vec<String> = list.iter().map(|a| a["target"].to_string()).collect();
        targets.sort();
        targets
    };
    let has_assignments = !matches!(
        key,
        "assignmentFilters"
            | "notificationTemplates"
            | "reusableSettings"
            | "deviceCategories"
            | "mobileAppCategories"
            | "namedLocations"
            | "conditionalAccessPolicies"
            | "admxFiles"
            | "authenticationStrengths"
            | "roleDefinitions"
    );
    if has_assignments && targets(&assignments(&restored.content.to_value())) != targets(&wanted) {
        return Err(format!(
            "assignments differ: read {:?}, sent {:?}",
            targets(&assignments(&restored.content.to_value())),
            targets(&wanted)
        ));
    }

    // an update in place to the backed-up content (the original name back)
    let updated = client
        .update_object(
            tenant,
            key,
            &created.target_id,
            &original.content.to_value(),
            &restored.content.to_value(),
            &secrets,
        )
        .await
        .map_err(|e| format!("update: {e}"))?;
    if updated.sent.is_empty() {
        return Err("the update sent nothing".into());
    }
    let again = client
        .fetch(tenant, key)
        .await
        .map_err(|e| format!("read again: {e}"))?;
    let live = again
        .objects
        .iter()
        .find(|object| object.graph_id == created.target_id)
        .ok_or("the updated object is gone")?;
    let (read, sent) = (
        comparable(key, &live.content.to_value()),
        comparable(key, &apply_secrets(&original.content.to_value(), &secrets)),
    );
    if read != sent {
        return Err(format!("after the update:\n read {read}\n sent {sent}"));
    }
    Ok(())
}

#[tokio::test]
async fn without_the_readwrite_permission_a_write_is_permission_missing() {
    let sim = start(tenant(false)).await;
    let client = client(&sim);
    let tenant = credentials();
    let roles = client.granted_roles(&tenant).await.expect("roles");
    assert!(
        !roles
            .iter()
            .any(|role| role == "DeviceManagementRBAC.ReadWrite.All"),
        "{roles:?}"
    );
    let error = client
        .create_object(
            &tenant,
            "scopeTags",
            &serde_json::json!({"displayName": "Paris"}),
            &[],
        )
        .await
        .expect_err("refused");
    assert_eq!(error.code, GraphErrorCode::PermissionMissing);
    assert!(
        error
            .scope
            .as_deref()
            .is_some_and(|scope| scope.contains("DeviceManagementRBAC.ReadWrite.All")),
        "{error:?}"
    );
    sim.stop().await;
}

fn policy(name: &str) -> Value {
    serde_json::json!({"name": name, "platforms": "windows10", "technologies": "mdm",
        "settings": [{"id": "0", "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
            "choiceSettingValue": {"value": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1", "children": []}}}]})
}

/// What the simulator applied of the type's writes.
fn applied(sim: &RunningSimulator, key: &str) -> u64 {
    let stats = sim.stats().tenant(TENANT);
    stats.writes.by_type.get(key).copied().unwrap_or(0)
}

#[tokio::test]
async fn a_throttled_create_is_retried_and_creates_once_a_failed_one_is_not_retried() {
    let sim = start(tenant(true)).await;
    let client = client(&sim);
    let tenant = credentials();
    let key = "settingsCatalog";

    sim.set_faults(
        TENANT,
        vec![Fault::Throttle {
            policy_type: Some(key.into()),
            count: 2,
            retry_after_secs: 1,
        }],
    )
    .expect("faults");
    let since = Utc::now() - chrono::Duration::seconds(1);
    let created = client
        .create_object(&tenant, key, &policy("Throttled"), &[])
        .await
        .expect("created after two 429s");
    assert_eq!(applied(&sim, key), 1);
    let found = client
        .find_created(&tenant, key, "Throttled", since)
        .await
        .expect("listed");
    assert_eq!(found, std::slice::from_ref(&created.target_id));

    // a 503 on the POST: not sent again (Graph may have carried it out); here it did not
    sim.set_faults(
        TENANT,
        vec![Fault::ServerError {
            policy_type: Some(key.into()),
            status: 503,
            count: 1,
        }],
    )
    .expect("faults");
    let before = sim.stats().tenant(TENANT).writes.requests;
    let error = client
        .create_object(&tenant, key, &policy("Unsure"), &[])
        .await
        .expect_err("not retried");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert!(
        error.message.contains("may have been carried out"),
        "{}",
        error.message
    );
    assert_eq!(sim.stats().tenant(TENANT).writes.requests, before + 1);
    assert!(client
        .find_created(&tenant, key, "Unsure", since)
        .await
        .expect("listed")
        .is_empty());
    assert_eq!(applied(&sim, key), 1);

    // an update is retried after gateway failures and applied once
    sim.set_faults(
        TENANT,
        vec![Fault::ServerError {
            policy_type: Some(key.into()),
            status: 502,
            count: 2,
        }],
    )
    .expect("faults");
    let live = serde_json::json!({});
    client
        .update_object(
            &tenant,
            key,
            &created.target_id,
            &policy("Throttled v2"),
            &live,
            &[],
        )
        .await
        .expect("updated after two 502s");
    assert_eq!(applied(&sim, key), 2);

    // a write Graph refuses is the object's failure: graph_rejected, not retried
    sim.set_faults(
        TENANT,
        vec![Fault::RefuseWrites {
            name: "Refused".into(),
            policy_type: None,
        }],
    )
    .expect("faults");
    let error = client
        .create_object(&tenant, key, &policy("Refused"), &[])
        .await
        .expect_err("refused");
    assert_eq!(error.code, GraphErrorCode::GraphRejected);
    assert_eq!(error.status, Some(400));
    assert_eq!(applied(&sim, key), 2);
    sim.stop().await;
}

#[tokio::test]
async fn an_administrative_templates_values_are_added_updated_and_deleted_in_place() {
    let sim = start(tenant(true)).await;
    let client = client(&sim);
    let tenant = credentials();
    let key = "administrativeTemplates";
    let backup = client.fetch(&tenant, key).await.expect("backed up");
    let values = |object: &Value| {
        object["definitionValues"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let definition = |value: &Value| {
        value["definition"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let original = backup.objects[0].content.to_value();
    let created = client
        .create_object(&tenant, key, &original, &[])
        .await
        .expect("created");
    let before = read_back(&client, &tenant, key, &created.target_id).await;

    // one value gone, one flipped, one from another policy added
    let mut wanted = original.clone();
    let mut kept = values(&original);
    kept.remove(0);
    kept[0]["enabled"] = Value::Bool(!kept[0]["enabled"].as_bool().unwrap_or(false));
    let taken: Vec<String> = kept.iter().map(definition).collect();
    let extra = backup.objects[1..]
        .iter()
        .flat_map(|object| values(&object.content.to_value()))
        .find(|value| {
            !taken.contains(&definition(value))
                && definition(value) != definition(&values(&original)[0])
        })
        .expect("another definition");
    kept.push(extra);
    wanted["definitionValues"] = Value::Array(kept);

    let updated = client
        .update_object(&tenant, key, &created.target_id, &wanted, &before, &[])
        .await
        .expect("updated");
    let action = updated
        .sent
        .iter()
        .find(|sent| sent.path.ends_with("/updateDefinitionValues"))
        .expect("values sent");
    let body = action.body.as_ref().expect("body");
    assert_eq!(body["added"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["updated"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(
        body["deletedIds"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    let after = read_back(&client, &tenant, key, &created.target_id).await;
    assert_eq!(comparable(key, &after), comparable(key, &wanted));
    sim.stop().await;
}

#[tokio::test]
async fn a_notification_templates_messages_are_patched_added_and_deleted_by_locale() {
    let sim = start(tenant(true)).await;
    let client = client(&sim);
    let tenant = credentials();
    let key = "notificationTemplates";
    let backup = client.fetch(&tenant, key).await.expect("backed up");
    let original = backup.objects[0].content.to_value();
    let created = client
        .create_object(&tenant, key, &original, &[])
        .await
        .expect("created");
    let before = read_back(&client, &tenant, key, &created.target_id).await;
    let locales = |object: &Value| -> Vec<String> {
        let mut locales: Vec<String> = object["localizedNotificationMessages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["locale"].as_str().unwrap_or_default().to_owned())
            .collect();
        locales.sort();
        locales
    };
    assert_eq!(locales(&before), ["de-DE", "en-US"], "{before}");

    // the default's subject changed, German gone, French added
    let mut wanted = original.clone();
    let mut messages: Vec<Value> = wanted["localizedNotificationMessages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["locale"] != "de-DE")
        .cloned()
        .collect();
    messages[0]["subject"] = Value::from("Your device needs attention");
    messages.push(serde_json::json!({
        "locale": "fr-FR", "subject": "Votre appareil n'est pas conforme",
        "messageTemplate": "Mettez-le à jour.", "isDefault": false
    }));
    wanted["localizedNotificationMessages"] = Value::Array(messages);

    let updated = client
        .update_object(&tenant, key, &created.target_id, &wanted, &before, &[])
        .await
        .expect("updated");
    let sent: Vec<(String, bool)> = updated
        .sent
        .iter()
        .map(|s| {
            (
                s.method.clone(),
                s.path.contains("/localizedNotificationMessages"),
            )
        })
        .collect();
    let message_writes = |method: &str| {
        sent.iter()
            .filter(|(m, child)| m == method && *child)
            .count()
    };
    assert_eq!(
        (
            message_writes("PATCH"),
            message_writes("POST"),
            message_writes("DELETE")
        ),
        (1, 1, 1),
        "{sent:?}"
    );
    let after = read_back(&client, &tenant, key, &created.target_id).await;
    assert_eq!(locales(&after), ["en-US", "fr-FR"], "{after}");
    assert_eq!(comparable(key, &after), comparable(key, &wanted));
    sim.stop().await;
}

#[tokio::test]
async fn an_autopilot_profiles_assignments_are_made_the_intended_ones_not_only_added_to() {
    let sim = start(tenant(true)).await;
    let client = client(&sim);
    let tenant = credentials();
    let key = "autopilotProfiles";
    let backup = client.fetch(&tenant, key).await.expect("backed up");
    let targets = |list: &[Value]| {
        let mut targets: Vec<String> = list.iter().map(|a| a["target"].to_string()).collect();
        targets.sort();
        targets.dedup();
        targets
    };
    let all: Vec<Value> = backup
        .objects
        .iter()
        .flat_map(|object| assignments(&object.content.to_value()))
        .collect();
    let distinct = targets(&all);
    assert!(
        distinct.len() >= 3,
        "three targets to work with: {distinct:?}"
    );
    let with_target = |target: &String| {
        let target: Value = serde_json::from_str(target).unwrap();
        all.iter().find(|a| a["target"] == target).cloned().unwrap()
    };
    let (first, second, third) = (
        with_target(&distinct[0]),
        with_target(&distinct[1]),
        with_target(&distinct[2]),
    );
    let content = restorable(key, &backup.objects).content.to_value();
    let created = client
        .create_object(&tenant, key, &content, &[])
        .await
        .expect("created");
    client
        .assign_object(
            &tenant,
            key,
            &created.target_id,
            &[first.clone(), second.clone()],
            &[],
        )
        .await
        .expect("assigned");
    let before = assignments(&read_back(&client, &tenant, key, &created.target_id).await);
    assert_eq!(targets(&before), targets(&[first.clone(), second.clone()]));

    // the intended list: the second kept, the first gone, the third new
    let wanted = [second.clone(), third.clone()];
    let written = client
        .assign_object(&tenant, key, &created.target_id, &wanted, &before)
        .await
        .expect("assigned again");
    let methods: Vec<&str> = written.sent.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(methods, ["DELETE", "POST"], "{:?}", written.sent);
    let after = assignments(&read_back(&client, &tenant, key, &created.target_id).await);
    assert_eq!(targets(&after), targets(&wanted));
    sim.stop().await;
}
