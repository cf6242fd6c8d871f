//! Retention after every run, and an admin's soft delete, undelete and purge of backup sets.

use chrono::Duration;
use serde_json::{json, Value};
use tenantpilot::clock::Clock;
use tenantpilot::graph_sim::Fault;
use tenantpilot::scheduler::Consumers;

use crate::graph_world::{tenant_config, World};
use crate::helpers::at;

/// Lets every consumer (retention included) pass everything committed so far.
pub async fn settle(world: &World) {
    Consumers::new()
        .catch_up(&world.app.pool)
        .await
        .expect("consumers catch up");
}

fn schedule_id(path: &str) -> &str {
    path.rsplit('/').next().expect("an id")
}

/// `runs` runs of the schedule, a minute apart on the service's clock (sets are ordered
/// by when they were made); returns their backup set ids, oldest first.
pub async fn run_times(world: &World, path: &str, runs: usize) -> Vec<String> {
    let mut sets = Vec::new();
    for _ in 0..runs {
        let now = world.app.clock.now();
        world.app.clock.set(now + Duration::minutes(1));
        let run = world.run_now(path).await;
        sets.push(run["backup_set_id"].as_str().expect("a set").to_owned());
        settle(world).await;
    }
    sets
}

pub async fn keep_last(world: &World, path: &str, keep: u32) {
    let response = world
        .app
        .patch(path, &json!({"retention_keep_last": keep}), None)
        .await;
    assert_eq!(response.status(), 200, "retention changed");
}

/// Ids of the schedule's sets that are live (`deleted` false) or soft-deleted.
pub async fn sets_of(world: &World, path: &str, deleted: bool) -> Vec<String> {
    let client = world.app.pool.get().await.expect("connection");
    let id: uuid::Uuid = schedule_id(path).parse().expect("a UUID");
    client
        .query(
            "SELECT id::text FROM backup_sets
             WHERE schedule_id = $1 AND (deleted_at IS NOT NULL) = $2 ORDER BY created_at",
            &[&id, &deleted],
        )
        .await
        .expect("sets")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

async fn retention_events(world: &World, path: &str) -> Vec<Value> {
    world
        .app
        .events_of(schedule_id(path))
        .await
        .into_iter()
        .filter(|(event_type, _, _)| event_type == "RetentionApplied")
        .map(|(_, payload, metadata)| {
            assert!(metadata["tenant_id"].is_string(), "tenant metadata");
            payload
        })
        .collect()
}

#[tokio::test]
async fn keeping_the_last_three_of_five_runs_soft_deletes_the_two_oldest_sets() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 2)])).await;
    world.app.clock.set(at("2026-06-01T12:00:00Z"));
    let other = world
        .schedule("Other", &["deviceConfigurations"], false)
        .await;
    let other_sets = run_times(&world, &other, 1).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    keep_last(&world, &path, 3).await;

    let sets = run_times(&world, &path, 5).await;

    assert_eq!(sets_of(&world, &path, false).await, sets[2..].to_vec());
    assert_eq!(sets_of(&world, &path, true).await, sets[..2].to_vec());
    assert_eq!(
        sets_of(&world, &other, false).await,
        other_sets,
        "other schedule untouched"
    );
    let events = retention_events(&world, &path).await;
    assert_eq!(
        events.len(),
        2,
        "one per run that deleted a set: {events:#?}"
    );
    assert_eq!(events[0]["deleted_backup_set_ids"], json!([sets[0]]));
    assert_eq!(events[0]["kept"], 3);
    assert_eq!(events[0]["reason"], "run_recorded");
}

#[tokio::test]
async fn partial_runs_never_push_out_the_newest_completed_set() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 2),
        ("appProtection", 1),
    ]))
    .await;
    let path = world
        .schedule("Mixed", &["deviceConfigurations", "appProtection"], false)
        .await;
    keep_last(&world, &path, 2).await;
    let completed = run_times(&world, &path, 1).await;
    world.set_faults(vec![Fault::Forbidden {
        policy_type: "appProtection".into(),
        scope: None,
    }]);

    let partial = run_times(&world, &path, 4).await;

    let mut live = completed.clone();
    live.extend_from_slice(&partial[2..]);
    assert_eq!(sets_of(&world, &path, false).await, live);
    assert_eq!(sets_of(&world, &path, true).await, partial[..2].to_vec());
}

#[tokio::test]
async fn lowering_retention_keep_last_applies_retention_at_once() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let sets = run_times(&world, &path, 4).await;
    assert!(
        retention_events(&world, &path).await.is_empty(),
        "7 kept: nothing to delete"
    );

    // the PATCH answers once every consumer, retention included, has passed it
    keep_last(&world, &path, 2).await;

    assert_eq!(sets_of(&world, &path, false).await, sets[2..].to_vec());
    let events = retention_events(&world, &path).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reason"], "retention_changed");
    keep_last(&world, &path, 5).await;
    assert_eq!(
        retention_events(&world, &path).await.len(),
        1,
        "raising deletes nothing"
    );
}

#[tokio::test]
async fn retention_replayed_after_a_crash_applies_once() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 1)])).await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    keep_last(&world, &path, 1).await;
    let sets = run_times(&world, &path, 3).await;
    let events = retention_events(&world, &path).await;

    // a crash before the checkpoint moved: retention sees every RunRecorded again
    world
        .app
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE consumer_checkpoints SET position = 0 WHERE name = 'retention'",
            &[],
        )
        .await
        .unwrap();
    settle(&world).await;

    assert_eq!(
        retention_events(&world, &path).await,
        events,
        "nothing twice"
    );
    assert_eq!(sets_of(&world, &path, false).await, sets[2..].to_vec());
    assert_eq!(sets_of(&world, &path, true).await.len(), 2);
}
