//! Bad input and refusals: a clear problem with a stable code, and nothing written.

use serde_json::json;

use super::world::{source_tenant, RestoreWorld};
use crate::graph_world::tenant_config;

#[tokio::test]
async fn bad_requests_are_refused_with_their_codes_and_write_nothing() {
    let world = RestoreWorld::new(source_tenant(1), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    // restore events only: the backup's run is still being recorded on its schedule
    let restore_events = "SELECT count(*) FROM events WHERE aggregate_type = 'restore'";
    let events_before = world.app.count(restore_events).await;

    let (status, problem) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "selection": {"item_ids": [uuid::Uuid::new_v4()]}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("unknown_backup_item")),
        "{problem}"
    );

    let (status, problem) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "group_mapping": {"a": "b"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_group_mapping")),
        "{problem}"
    );

    let (status, problem) = world
        .plan(
            &world.target_id,
            &json!({"source_backup_set_id": set, "group_mapping": {"not-a-guid": uuid::Uuid::new_v4()}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_group_mapping")),
        "{problem}"
    );

    let (status, problem) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("not_found")),
        "{problem}"
    );

    let (status, problem) = world
        .plan(
            &world.source_id,
            &json!({"source_backup_set_id": set, "extra": 1}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        world.app.count(restore_events).await,
        events_before,
        "nothing recorded"
    );
}

#[tokio::test]
async fn a_plan_is_applied_once_and_a_stale_plan_is_refused() {
    let world = RestoreWorld::new(source_tenant(2), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let sim = world.sim.handle();
    sim.mutate(&world.source.azure_tenant_id, "deviceConfigurations", 0)
        .unwrap();
    let (status, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(status, 201, "{plan}");
    let restore = plan["id"].as_str().unwrap().to_owned();
    // someone changes the tenant after the plan was made
    sim.mutate(&world.source.azure_tenant_id, "settingsCatalog", 1)
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{}/restores/{restore}/apply",
        world.source_id
    );
    let response = world.app.post_empty(&path).await;
    assert_eq!(response.status(), 409);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "restore_plan_stale", "{problem}");
    // planned again, applied once; a second apply is refused
    let (_, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    let restore = plan["id"].as_str().unwrap().to_owned();
    let done = world.apply(&world.source_id, &restore).await;
    assert_eq!(
        done["status"],
        "completed",
        "{:#?}",
        super::world::troubles(&done)
    );
    let path = format!(
        "/api/v1/tenants/{}/restores/{restore}/apply",
        world.source_id
    );
    let response = world.app.post_empty(&path).await;
    assert_eq!(response.status(), 409);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "restore_not_planned", "{problem}");
}

#[tokio::test]
async fn missing_write_permissions_refuse_the_plan_and_name_the_roles() {
    let mut source = source_tenant(1);
    source.roles = tenantpilot::graph_sim::default_roles()
        .into_iter()
        .filter(|role| !role.contains("ReadWrite"))
        .collect();
    let world = RestoreWorld::new(source, tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    world
        .sim
        .handle()
        .delete(&world.source.azure_tenant_id, "settingsCatalog", 0)
        .unwrap();
    let (status, problem) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("restore_permission_missing")),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("DeviceManagementConfiguration.ReadWrite.All"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_second_approver_is_needed_when_configured_and_scoped_operators_see_nothing() {
    let world = RestoreWorld::new(
        source_tenant(1),
        tenant_config(&[]),
        &[("TENANTPILOT_RESTORE_APPROVALS", "2")],
    )
    .await;
    let set = world.back_up(&world.source_id, "before").await;
    world
        .sim
        .handle()
        .delete(&world.source.azure_tenant_id, "settingsCatalog", 0)
        .unwrap();
    let (_, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    let restore = plan["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/tenants/{}/restores/{restore}", world.source_id);
    let response = world.app.post_empty(&format!("{base}/apply")).await;
    assert_eq!(response.status(), 409);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "restore_needs_approval", "{problem}");
    // an operator of another tenant does not see it; an operator of this one cannot apply
    let (_, other) = world
        .app
        .issue_token("operator", Some(vec![&world.target_id]))
        .await;
    let response = world.app.as_token(Some(&other)).get(&base).await;
    assert_eq!(response.status(), 404);
    let (_, operator) = world
        .app
        .issue_token("operator", Some(vec![&world.source_id]))
        .await;
    let response = world
        .app
        .as_token(Some(&operator))
        .post_empty(&format!("{base}/apply"))
        .await;
    assert_eq!(response.status(), 403);
    // a second admin approves; then the first applies
    let (_, second) = world.app.issue_token("admin", None).await;
    let response = world
        .app
        .as_token(Some(&second))
        .post_empty(&format!("{base}/approve"))
        .await;
    assert_eq!(response.status(), 200);
    let done = world.apply(&world.source_id, &restore).await;
    assert_eq!(
        done["status"],
        "completed",
        "{:#?}",
        super::world::troubles(&done)
    );
    assert_eq!(done["approvals"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_deactivated_target_or_a_deleted_source_set_is_refused() {
    let world = RestoreWorld::new(source_tenant(1), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let base = format!("/api/v1/tenants/{}/backup-sets/{set}", world.source_id);
    let response = world.app.delete(&base).await;
    assert!(response.status().is_success(), "{}", response.status());
    let (status, problem) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("backup_set_deleted")),
        "{problem}"
    );
    let response = world.app.post_empty(&format!("{base}/undelete")).await;
    assert!(response.status().is_success(), "{}", response.status());
    let tenant: serde_json::Value = world
        .app
        .get(&format!("/api/v1/tenants/{}", world.target_id))
        .await
        .json()
        .await
        .unwrap();
    let response = world
        .app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tenants/{}/deactivate", world.target_id),
        )
        .header("if-match", format!("\"{}\"", tenant["version"]))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let (status, problem) = world
        .plan(&world.target_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("tenant_inactive")),
        "{problem}"
    );
}
