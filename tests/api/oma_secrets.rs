//! Encrypted custom OMA-URI values over real HTTP against the simulator and a real
//! PostgreSQL: read through `getOmaSettingPlainTextValue`, stored sealed with their backup
//! set, never in clear (nor base64) in the database dump, the export or an API answer;
//! re-sealed by the key rotation, purged with their set, and no new blob for an unchanged
//! second run.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::Duration;
use serde_json::Value;
use tenantpilot::backup::purge::purge;
use tenantpilot::clock::Clock;
use tenantpilot::graph_sim::{RunningSimulator, TenantConfig};
use tenantpilot::secrets::backup_values::open_item_values;
use tenantpilot::secrets::{rotate_key, SecretCipher, SecretError, SecretKey};
use uuid::Uuid;

use crate::graph_world::{graph_settings, register, start_simulator, tenant_config, World};
use crate::helpers::spawn_app_with;

/// A world whose app seals with a key the test knows.
async fn world_with_key(tenant: TenantConfig, key: &SecretKey) -> World {
    let sim = start_simulator(vec![tenant.clone()]).await;
    let graph = graph_settings(&sim);
    let key = key.to_base64();
    let app = spawn_app_with(move |name| match name {
        "TENANTPILOT_SECRET_KEY" => Some(key.clone()),
        _ => graph(name),
    })
    .await;
    let tenant_id = register(&app, &tenant).await;
    World {
        app,
        sim,
        tenant,
        tenant_id,
    }
}

async fn sim_token(sim: &RunningSimulator, tenant: &TenantConfig) -> String {
    let token: Value = crate::helpers::http_client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.login_url(),
            tenant.azure_tenant_id
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("client_id", tenant.client_id.as_str()),
                    ("client_secret", tenant.client_secret.as_str()),
                    ("scope", "https://graph.microsoft.com/.default"),
                    ("grant_type", "client_credentials"),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

/// `GET .../deviceConfigurations/{id}/{call}` on the simulator: status and body.
async fn sim_get(sim: &RunningSimulator, token: &str, id: &str, call: &str) -> (u16, Value) {
    let url = format!(
        "{}/beta/deviceManagement/deviceConfigurations/{id}/{call}",
        sim.graph_url()
    );
    let response = crate::helpers::http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn plain_text_call(reference: &str) -> String {
    format!("getOmaSettingPlainTextValue(secretReferenceValueId='{reference}')")
}

/// The plain value the simulated Graph reveals for one setting, read as any client would.
async fn plain_value(
    sim: &RunningSimulator,
    tenant: &TenantConfig,
    id: &str,
    reference: &str,
) -> String {
    let token = sim_token(sim, tenant).await;
    let (status, body) = sim_get(sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 200, "{body}");
    body["value"].as_str().unwrap().to_owned()
}

/// The custom profiles of the set, with their item detail (content and secrets).
async fn custom_items(world: &World, set: &str) -> Vec<Value> {
    let base = format!(
        "/api/v1/tenants/{}/backup-sets/{set}/items",
        world.tenant_id
    );
    let page: Value = world
        .app
        .get(&format!("{base}?limit=200"))
        .await
        .json()
        .await
        .unwrap();
    let mut details = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let detail: Value = world
            .app
            .get(&format!("{base}/{}", item["id"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        if detail["content"]["@odata.type"] == "#microsoft.graph.windows10CustomConfiguration" {
            details.push(detail);
        }
    }
    details
}

/// Every way the value could be written out: in clear and base64 (standard, URL-safe,
/// padded or not, at every byte alignment).
fn encodings(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    for shift in 0..3 {
        let bytes = [&b"xx"[..shift], value.as_bytes()].concat();
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            // past the first quantum, the characters depend on the value alone
            forms.push(encoded[4..encoded.len() - 4].to_owned());
        }
    }
    forms
}

fn assert_absent(haystack: &[u8], values: &[String], what: &str) {
    let text = String::from_utf8_lossy(haystack);
    for value in values {
        for form in encodings(value) {
            assert!(
                !text.contains(&form),
                "{what} holds a secret value ({form})"
            );
        }
    }
}

fn pg_dump(database_url: &str) -> Vec<u8> {
    let name = database_url.rsplit('/').next().unwrap();
    let output = std::process::Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-U", "postgres", name])
        .output()
        .expect("pg_dump runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[tokio::test]
async fn encrypted_oma_values_are_captured_sealed_and_never_in_clear() {
    let key = SecretKey::generate();
    // indices 1 and 7 are custom profiles, each with two encrypted settings
    let world = world_with_key(tenant_config(&[("deviceConfigurations", 12)]), &key).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let set = run["backup_set_id"].as_str().unwrap().to_owned();
    let set_id: Uuid = set.parse().unwrap();

    // the item says which settings are secret and that they were captured; the content
    // keeps Graph's masked value
    let items = custom_items(&world, &set).await;
    assert_eq!(items.len(), 2);
    let mut plain = Vec::new();
    for item in &items {
        assert_eq!(
            item["secrets"],
            serde_json::json!([
                {"path": "/omaSettings/1/value", "captured": true},
                {"path": "/omaSettings/2/value", "captured": true},
            ]),
            "{item:#}"
        );
        let graph_id = item["graph_id"].as_str().unwrap();
        let mut expected = Vec::new();
        for position in [1, 2] {
            let setting = &item["content"]["omaSettings"][position];
            assert_eq!(setting["value"], "****");
            let reference = setting["secretReferenceValueId"].as_str().unwrap();
            let value = plain_value(&world.sim, &world.tenant, graph_id, reference).await;
            expected.push((format!("/omaSettings/{position}/value"), value.clone()));
            plain.push(value);
        }
        // sealed with the set: they open with the service's key
        let client = world.app.pool.get().await.unwrap();
        let cipher = SecretCipher::new(key.clone());
        let opened = open_item_values(&client, &cipher, set_id, "deviceConfigurations", graph_id)
            .await
            .unwrap();
        assert_eq!(opened, expected);
    }

    // nowhere in clear or base64: the whole database, the export, the API's answers
    let dump = pg_dump(&world.app.database_url);
    // a real dump of this database: the backed-up profiles are in it, masked
    assert!(String::from_utf8_lossy(&dump).contains("Vendor/MSFT/WiFi/Profile/CORP/WlanXml"));
    assert_absent(&dump, &plain, "pg_dump");
    let export = world
        .app
        .get(&format!(
            "/api/v1/tenants/{}/backup-sets/{set}/export",
            world.tenant_id
        ))
        .await;
    assert_eq!(export.status(), 200);
    let zip = export.bytes().await.unwrap();
    assert!(
        zip.windows(4).any(|w| w == b"****"),
        "the export holds the masked values"
    );
    assert_absent(&zip, &plain, "the export");
    let answers = serde_json::to_vec(&(items, &run)).unwrap();
    assert_absent(&answers, &plain, "the API's answers");

    // an unchanged second run adds no blob, and captures the values again with its set
    let blobs = world.blob_count().await;
    let second = world.run_now(&path).await;
    assert_eq!(second["status"], "success");
    assert_eq!(world.blob_count().await, blobs, "no new blob");
    let second_set = second["backup_set_id"].as_str().unwrap().to_owned();
    assert_eq!(
        custom_items(&world, &second_set).await[0]["secrets"][0]["captured"],
        true
    );
    assert_eq!(
        world.app.count("SELECT count(*) FROM backup_secrets").await,
        8
    );

    // the key rotation re-seals them: the new key opens them, the old no longer does
    let new_key = SecretKey::generate();
    let (old, new) = (SecretCipher::new(key.clone()), SecretCipher::new(new_key));
    // 8 values and the tenant's client secret
    assert_eq!(rotate_key(&world.app.pool, &old, &new).await.unwrap(), 9);
    let client = world.app.pool.get().await.unwrap();
    let graph_id = items_graph_id(&world, &set).await;
    let reopened = open_item_values(&client, &new, set_id, "deviceConfigurations", &graph_id)
        .await
        .unwrap();
    assert_eq!(reopened.len(), 2);
    assert!(plain.contains(&reopened[0].1));
    assert!(matches!(
        open_item_values(&client, &old, set_id, "deviceConfigurations", &graph_id).await,
        Err(tenantpilot::secrets::rows::OpenError::Secret(
            SecretError::WrongKey { .. }
        ))
    ));
    assert_absent(
        &pg_dump(&world.app.database_url),
        &plain,
        "pg_dump after the rotation",
    );

    // the purge deletes them with their set, and only with it
    let deleted = world
        .app
        .delete(&format!(
            "/api/v1/tenants/{}/backup-sets/{set}",
            world.tenant_id
        ))
        .await;
    assert_eq!(deleted.status(), 204);
    let later = world.app.clock.now() + Duration::days(31);
    world.app.clock.set(later);
    let purged = purge(&world.app.pool, later, Duration::days(30))
        .await
        .unwrap();
    assert_eq!((purged.sets, purged.secrets), (1, 4));
    assert_eq!(
        world
            .app
            .count(&format!(
                "SELECT count(*) FROM backup_secrets WHERE backup_set_id = '{set}'"
            ))
            .await,
        0
    );
    assert_eq!(
        world.app.count("SELECT count(*) FROM backup_secrets").await,
        4
    );
}

async fn items_graph_id(world: &World, set: &str) -> String {
    custom_items(world, set).await[0]["graph_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_marks_its_item_and_never_fails_the_run() {
    let mut tenant = tenant_config(&[("deviceConfigurations", 6)]);
    // Graph reveals secret values only with the ReadWrite permission
    tenant
        .roles
        .retain(|role| role != "DeviceManagementConfiguration.ReadWrite.All");
    let world = World::new(tenant).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");
    let warnings = run["sync_report"]["deviceConfigurations"]["warnings"]
        .as_array()
        .unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.contains("./Vendor/MSFT/WiFi/Profile/CORP/WlanXml"),
        "{warning}"
    );
    assert!(warning.contains("permission_missing"), "{warning}");
    let set = run["backup_set_id"].as_str().unwrap();
    let items = custom_items(&world, set).await;
    assert_eq!(
        items[0]["secrets"],
        serde_json::json!([
            {"path": "/omaSettings/1/value", "captured": false},
            {"path": "/omaSettings/2/value", "captured": false},
        ])
    );
    assert_eq!(
        world
            .app
            .count("SELECT count(*) FROM backup_secrets WHERE ciphertext IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn the_simulator_reveals_a_plain_value_only_as_graph_documents() {
    let tenant = tenant_config(&[("deviceConfigurations", 2)]);
    let sim = start_simulator(vec![tenant.clone()]).await;
    let token = sim_token(&sim, &tenant).await;
    let list: Value = crate::helpers::http_client()
        .get(format!(
            "{}/beta/deviceManagement/deviceConfigurations",
            sim.graph_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // index 1 is the custom profile: its encrypted settings are masked in the list
    let custom = &list["value"][1];
    let id = custom["id"].as_str().unwrap();
    let setting = &custom["omaSettings"][1];
    assert_eq!(
        (&setting["isEncrypted"], &setting["value"]),
        (&Value::from(true), &Value::from("****"))
    );
    let reference = setting["secretReferenceValueId"].as_str().unwrap();

    let (status, body) = sim_get(&sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 200);
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#Edm.String"));
    let value = body["value"].as_str().unwrap();
    assert!(value != "****" && !value.is_empty());
    // the same value on every read
    let (_, again) = sim_get(&sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(again["value"], value);

    for (call, target, expected) in [
        (
            "getOmaSettingPlainTextValue".to_owned(),
            id,
            (400, "BadRequest"),
        ),
        (
            "getOmaSettingPlainTextValue(secretReferenceValueId=12)".to_owned(),
            id,
            (400, "BadRequest"),
        ),
        (
            plain_text_call("no-such-reference"),
            id,
            (404, "ResourceNotFound"),
        ),
        (
            plain_text_call(reference),
            "no-such-profile",
            (404, "ResourceNotFound"),
        ),
    ] {
        let (status, body) = sim_get(&sim, &token, target, &call).await;
        assert_eq!(
            (status, body["error"]["code"].as_str().unwrap()),
            expected,
            "{call}"
        );
    }

    // Graph requires the ReadWrite permission to reveal a secret value
    let mut read_only = tenant.clone();
    read_only
        .roles
        .retain(|role| role != "DeviceManagementConfiguration.ReadWrite.All");
    let sim_read_only = start_simulator(vec![read_only.clone()]).await;
    let token = sim_token(&sim_read_only, &read_only).await;
    let (status, body) = sim_get(&sim_read_only, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 403);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("DeviceManagementConfiguration.ReadWrite.All"));
}
