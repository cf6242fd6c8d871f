//! `tenantpilot restore plan|apply|show`: the real binary against the running service, as an
//! operator at a shell would use it.

use serde_json::Value;

use super::world::{source_tenant, RestoreWorld};
use crate::graph_world::tenant_config;
use crate::helpers::ADMIN_TOKEN;

/// Runs `tenantpilot restore args...` against the world's service; exit code and stdout.
async fn restore_cli(world: &RestoreWorld, args: &[&str]) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("restore")
        .args(args)
        .args(["--api-url", &world.app.address])
        .env("TENANTPILOT_API_TOKEN", ADMIN_TOKEN)
        .output()
        .await
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() || !stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), stdout)
}

#[tokio::test]
async fn the_cli_plans_applies_and_shows_a_restore_with_every_item() {
    let world = RestoreWorld::new(source_tenant(3), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let azure = world.source.azure_tenant_id.clone();
    world
        .sim
        .handle()
        .delete(&azure, "settingsCatalog", 1)
        .unwrap();
    world
        .sim
        .handle()
        .mutate(&azure, "settingsCatalog", 0)
        .unwrap();

    let (code, out) = restore_cli(
        &world,
        &[
            "plan",
            "--tenant",
            &world.source_id,
            "--from-set",
            &set,
            "--type",
            "settingsCatalog",
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{out}");
    let plan: Value = serde_json::from_str(&out).expect("the plan as JSON");
    assert_eq!(plan["status"], "planned", "{plan:#}");
    assert_eq!(plan["counts"]["to_write"], 2, "{plan:#}");
    let restore = plan["id"].as_str().unwrap().to_owned();

    let (code, out) = restore_cli(
        &world,
        &["apply", "--tenant", &world.source_id, &restore, "--wait"],
    )
    .await;
    assert_eq!(code, Some(0), "{out}");
    let applied: Value = serde_json::from_str(&out).expect("the restore as JSON");
    assert_eq!(applied["status"], "completed", "{applied:#}");

    let (code, out) = restore_cli(&world, &["show", "--tenant", &world.source_id, &restore]).await;
    assert_eq!(code, Some(0), "{out}");
    let shown: Value = serde_json::from_str(&out).expect("the restore as JSON");
    let items = shown["items"].as_array().expect("its items");
    assert_eq!(
        items.len() as i64,
        shown["counts"]["items"].as_i64().unwrap()
    );
    assert_eq!(
        items
            .iter()
            .map(|i| i["item_id"].clone())
            .collect::<Vec<_>>(),
        world
            .items(&world.source_id, &restore)
            .await
            .iter()
            .map(|i| i["item_id"].clone())
            .collect::<Vec<_>>(),
        "the API's items in its order"
    );
    let written: Vec<&Value> = items.iter().filter(|i| i["outcome"] == "applied").collect();
    assert_eq!(written.len(), 2, "{shown:#}");
    assert!(written
        .iter()
        .all(|i| i["sent"].is_array() && i["verification"]["verified"] == true));

    // a second apply of the same plan is refused: exit 1 with the problem printed
    let (code, out) = restore_cli(&world, &["apply", "--tenant", &world.source_id, &restore]).await;
    assert_eq!(code, Some(1), "{out}");
    let problem: Value = serde_json::from_str(&out).expect("the problem as JSON");
    assert_eq!(problem["code"], "restore_not_planned", "{problem:#}");
}
