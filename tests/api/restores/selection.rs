//! What a restore touches: only its selection; and a refused item does not stop the others.

use std::time::Duration;

use serde_json::{json, Value};
use tenantpilot::graph_sim::Fault;

use super::world::{actions, source_tenant, RestoreWorld};
use crate::graph_world::tenant_config;

#[tokio::test]
async fn a_selection_of_one_type_writes_to_nothing_else() {
    let world = RestoreWorld::new(source_tenant(3), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    // every type changed and one deleted; only settings catalog is restored
    for key in super::world::TYPES {
        sim.mutate(&azure, key, 0).unwrap();
        sim.delete(&azure, key, 1).unwrap();
    }
    let (status, plan) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "selection": {"types": ["settingsCatalog"]}}),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert!(plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["policy_type"] == "settingsCatalog"));
    assert_eq!(actions(&plan).get("create"), Some(&1));
    assert_eq!(actions(&plan).get("update"), Some(&1));
    world.sim.stats().reset();
    let done = world
        .apply(&world.source_id, plan["id"].as_str().unwrap())
        .await;
    assert_eq!(
        done["status"],
        "completed",
        "{:#?}",
        super::world::troubles(&done)
    );
    let writes = world.sim.stats().tenant(&azure).writes;
    assert_eq!(
        writes.by_type.keys().collect::<Vec<_>>(),
        vec!["settingsCatalog"],
        "writes reached other types: {:?}",
        writes.by_type
    );
    // the two objects written, and nothing else
    let written: Vec<&String> = writes.by_object.keys().collect();
    assert_eq!(written.len(), 2, "{:?}", writes.by_object);
    let targets: Vec<&str> = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["outcome"] == "applied")
        .map(|item| item["target_id"].as_str().unwrap())
        .collect();
    for object in written {
        assert!(
            targets.contains(&object.as_str()),
            "{object} was written but is no item of the restore"
        );
    }
}

#[tokio::test]
async fn an_item_graph_refuses_fails_alone_and_the_restore_ends_partial() {
    let world = RestoreWorld::new(source_tenant(2), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    let refused = sim.objects(&azure, "deviceConfigurations").unwrap()[0]
        .display_name
        .clone();
    sim.delete(&azure, "deviceConfigurations", 0).unwrap();
    sim.delete(&azure, "settingsCatalog", 0).unwrap();
    sim.delete(&azure, "powershellScripts", 0).unwrap();
    world
        .sim
        .set_faults(
            &azure,
            vec![Fault::RefuseWrites {
                name: refused.clone(),
                policy_type: None,
            }],
        )
        .unwrap();
    let (_, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    let restore = plan["id"].as_str().unwrap().to_owned();
    let done = world.apply(&world.source_id, &restore).await;
    assert_eq!(done["status"], "partial", "{done:#}");
    assert_eq!(done["error_code"], "restore_items_failed");
    assert_eq!(done["counts"]["applied"], 2);
    assert_eq!(done["counts"]["failed"], 1);
    let failed: Vec<&Value> = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["outcome"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["display_name"], refused.as_str());
    assert_eq!(
        failed[0]["failure"]["code"], "graph_rejected",
        "{}",
        failed[0]
    );
    assert_eq!(failed[0]["failure"]["http_status"], 400);
    // the tenant's people are told, and the webhook event is public
    let notified = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let page: Value = world
                .app
                .get("/api/v1/notifications")
                .await
                .json()
                .await
                .unwrap();
            if let Some(notice) = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|n| n["kind"] == "restore_partial")
            {
                return notice.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("a restore_partial notification");
    assert!(
        notified["links"]["restore"]
            .as_str()
            .unwrap()
            .ends_with(&restore),
        "{notified}"
    );
}

#[tokio::test]
async fn a_purged_source_set_answers_its_code() {
    let world = RestoreWorld::new(source_tenant(1), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let response = world
        .app
        .delete(&format!(
            "/api/v1/tenants/{}/backup-sets/{set}",
            world.source_id
        ))
        .await;
    assert!(response.status().is_success());
    tenantpilot::backup::purge::purge(
        &world.app.pool,
        chrono::Utc::now() + chrono::Duration::days(1),
        chrono::Duration::zero(),
    )
    .await
    .expect("purged");
    let (status, problem) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("backup_set_purged")),
        "{problem}"
    );
}
