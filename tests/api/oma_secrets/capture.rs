//! A run captures encrypted OMA-URI values sealed; they never show in clear, the key
//! rotation and the purge cover them, and a value that cannot be read marks its item.

use chrono::Duration;
use tenantpilot::backup::purge::purge;
use tenantpilot::clock::Clock;
use tenantpilot::secrets::backup_values::open_item_values;
use tenantpilot::secrets::{rotate_key, SecretCipher, SecretError, SecretKey};
use uuid::Uuid;

use super::{assert_absent, custom_items, pg_dump, plain_value, world_with_key};
use crate::graph_world::{tenant_config, World};

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
async fn a_secret_that_cannot_be_read_leaves_its_item_incomplete_and_the_run_partial() {
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
    // the profile is kept without the value a restore needs: incomplete, the run partial
    assert_eq!(run["status"], "partial", "{run:#}");
    assert_eq!(run["error_code"], "incomplete_capture", "{run:#}");
    let report = &run["sync_report"]["deviceConfigurations"];
    assert!(report["error_code"].is_null(), "{report:#}");
    let incomplete = report["incomplete"].as_array().unwrap();
    assert_eq!(incomplete.len(), 1, "{incomplete:#?}");
    let reason = incomplete[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("./Vendor/MSFT/WiFi/Profile/CORP/WlanXml"),
        "{reason}"
    );
    assert!(reason.contains("permission_missing"), "{reason}");
    assert_eq!(report["whole"].as_u64(), Some(5), "{report:#}");
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
