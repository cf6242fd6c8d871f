//! An admin's soft delete and undelete of backup sets, and the purge.

use chrono::Duration;
use serde_json::Value;
use tenantpilot::backup::purge::purge;
use tenantpilot::clock::Clock;

use crate::graph_world::{tenant_config, World};
use crate::helpers::problem;
use crate::retention::{keep_last, run_times, sets_of};

fn set_path(world: &World, set: &str) -> String {
    format!("/api/v1/tenants/{}/backup-sets/{set}", world.tenant_id)
}

async fn purge_days_later(world: &World, days: i64) -> tenantpilot::backup::purge::PurgeSummary {
    let later = world.app.clock.now() + Duration::days(days);
    world.app.clock.set(later);
    purge(&world.app.pool, later, Duration::days(30))
        .await
        .expect("purge")
}

async fn event_types(world: &World, set: &str) -> Vec<String> {
    world
        .app
        .events_of(set)
        .await
        .into_iter()
        .map(|(event_type, _, metadata)| {
            assert_eq!(metadata["tenant_id"], Value::from(world.tenant_id.clone()));
            event_type
        })
        .collect()
}

#[tokio::test]
async fn an_admin_deletes_and_undeletes_sets_and_retentions_deletes_too() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    keep_last(&world, &path, 1).await;
    let sets = run_times(&world, &path, 2).await;
    assert_eq!(sets_of(&world, &path, true).await, vec![sets[0].clone()]);

    // the old name of the undelete is gone (no alias): "restore" is writing into a tenant
    let events = world.app.event_count().await;
    let old_name = world
        .app
        .post_empty(&format!("{}/restore", set_path(&world, &sets[0])))
        .await;
    let (status, body) = problem(old_name).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("route_not_found"))
    );
    assert_eq!(world.app.event_count().await, events, "nothing written");
    assert_eq!(sets_of(&world, &path, true).await, vec![sets[0].clone()]);

    // a set retention deleted comes back
    let undeleted = world
        .app
        .post_empty(&format!("{}/undelete", set_path(&world, &sets[0])))
        .await;
    assert_eq!(undeleted.status(), 204);
    assert!(sets_of(&world, &path, true).await.is_empty());

    let deleted = world.app.delete(&set_path(&world, &sets[1])).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(sets_of(&world, &path, true).await, vec![sets[1].clone()]);
    let again = world.app.delete(&set_path(&world, &sets[1])).await;
    assert_eq!(again.status(), 204, "deleting twice is fine");
    assert_eq!(event_types(&world, &sets[1]).await, ["BackupSetDeleted"]);
    // the undelete's stored event keeps its first name (events are history)
    assert_eq!(event_types(&world, &sets[0]).await, ["BackupSetRestored"]);
}

#[tokio::test]
async fn another_tenants_set_is_not_found_and_nothing_is_written() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let sets = run_times(&world, &path, 1).await;
    let other = world.app.create_tenant("Fabrikam").await;
    let other_path = format!(
        "/api/v1/tenants/{}/backup-sets/{}",
        other["id"].as_str().unwrap(),
        sets[0]
    );
    let events = world.app.event_count().await;

    let (status, body) = problem(world.app.delete(&other_path).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let undelete = world
        .app
        .post_empty(&format!("{other_path}/undelete"))
        .await;
    assert_eq!(problem(undelete).await.0, 404);
    let unknown = set_path(&world, &uuid::Uuid::new_v4().to_string());
    assert_eq!(problem(world.app.delete(&unknown).await).await.0, 404);

    assert_eq!(world.app.event_count().await, events, "nothing written");
    assert!(sets_of(&world, &path, true).await.is_empty());
}

#[tokio::test]
async fn the_purge_removes_old_deleted_sets_and_only_content_no_set_uses() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let first = world
        .schedule("First", &["deviceConfigurations"], false)
        .await;
    let second = world
        .schedule("Second", &["deviceConfigurations"], false)
        .await;
    let old_a = run_times(&world, &first, 1).await.remove(0);
    let old_b = run_times(&world, &second, 1).await.remove(0);
    let blobs_before_change = world.blob_count().await;
    world
        .sim
        .mutate(world.azure_tenant_id(), "deviceConfigurations", 0)
        .unwrap();
    let new_a = run_times(&world, &first, 1).await.remove(0);
    assert_eq!(world.blob_count().await, blobs_before_change + 1);

    // the first schedule's old set goes; its content is the second schedule's too
    assert_eq!(
        world.app.delete(&set_path(&world, &old_a)).await.status(),
        204
    );
    let early = purge_days_later(&world, 29).await;
    assert_eq!(early.sets, 0, "not old enough yet");
    let purged = purge_days_later(&world, 2).await;
    assert_eq!((purged.sets, purged.trees, purged.blobs), (1, 0, 0));
    assert_eq!(world.blob_count().await, blobs_before_change + 1);
    assert_eq!(
        event_types(&world, &old_a).await,
        ["BackupSetDeleted", "BackupSetPurged"]
    );

    // a purged set is gone for good: undeleting it is refused and writes nothing
    let events = world.app.event_count().await;
    let undelete = world
        .app
        .post_empty(&format!("{}/undelete", set_path(&world, &old_a)))
        .await;
    let (status, body) = problem(undelete).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("backup_set_purged"))
    );
    assert_eq!(world.app.event_count().await, events, "nothing written");

    // the last set using the old content goes: its tree and blob go with it
    assert_eq!(
        world.app.delete(&set_path(&world, &old_b)).await.status(),
        204
    );
    let purged = purge_days_later(&world, 31).await;
    assert_eq!((purged.sets, purged.trees, purged.blobs), (1, 1, 1));
    assert_eq!(world.blob_count().await, blobs_before_change);
    assert_eq!(sets_of(&world, &first, false).await, vec![new_a]);
    assert!(sets_of(&world, &second, false).await.is_empty());
}

#[tokio::test]
async fn the_purge_command_purges_and_prints_what_it_removed() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let sets = run_times(&world, &path, 2).await;
    assert_eq!(
        world.app.delete(&set_path(&world, &sets[0])).await.status(),
        204
    );

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["backups", "purge", "--older-than-days", "0"])
        .env("DATABASE_URL", &world.app.database_url)
        .output()
        .await
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["purged_sets"], 1);
    assert_eq!(printed["removed_trees"], 0, "the live set shares the tree");
    assert_eq!(sets_of(&world, &path, false).await, vec![sets[1].clone()]);
    assert!(sets_of(&world, &path, true).await.is_empty());
}
