//! A restore's items are read by page, in write order, filtered by action or outcome; the
//! restore itself carries counts, never its items or the requests they sent.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::world::{actions, source_tenant, RestoreWorld};
use crate::graph_world::tenant_config;

async fn page(world: &RestoreWorld, path: &str) -> (u16, Value) {
    let response = world.app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["item_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_restores_items_are_paged_in_write_order_and_filtered_by_action_and_outcome() {
    let world = RestoreWorld::new(source_tenant(3), tenant_config(&[]), &[]).await;
    let set = world.back_up(&world.source_id, "before").await;
    let sim = world.sim.handle();
    let azure = world.source.azure_tenant_id.clone();
    sim.mutate(&azure, "settingsCatalog", 0).unwrap();
    sim.delete(&azure, "deviceConfigurations", 1).unwrap();
    sim.delete(&azure, "powershellScripts", 2).unwrap();
    let (status, plan) = world
        .plan(&world.source_id, &json!({"source_backup_set_id": set}))
        .await;
    assert_eq!(status, 201, "{plan}");
    let restore_id = plan["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/tenants/{}/restores/{restore_id}", world.source_id);

    // the restore: counts by action, no items and no requests in it
    let (_, restore) = page(&world, &base).await;
    assert!(restore.get("items").is_none(), "{restore:#}");
    assert_eq!(restore["counts"]["actions"]["create"], 2, "{restore:#}");
    assert_eq!(restore["counts"]["actions"]["update"], 1, "{restore:#}");

    // pages of 7 (world.plan's walk) and one page of 200 list the same items in one order
    let walked = plan["items"].as_array().unwrap().clone();
    let (_, whole) = page(&world, &format!("{base}/items?limit=200")).await;
    assert_eq!(whole["next_cursor"], Value::Null);
    let whole = whole["items"].as_array().unwrap().clone();
    assert!(walked.len() > 7, "several pages: {}", walked.len());
    assert_eq!(ids(&walked), ids(&whole));
    assert_eq!(
        ids(&walked).into_iter().collect::<BTreeSet<_>>().len(),
        walked.len(),
        "an item twice"
    );
    let counts = actions(&plan);
    assert_eq!(counts.values().sum::<usize>(), walked.len());

    // filtered by action: exactly the items with it, in the same order
    for action in ["create", "update", "unchanged"] {
        let (status, filtered) = page(&world, &format!("{base}/items?action={action}")).await;
        assert_eq!(status, 200, "{filtered}");
        let expected: Vec<Value> = whole
            .iter()
            .filter(|item| item["action"] == action)
            .cloned()
            .collect();
        assert_eq!(
            ids(filtered["items"].as_array().unwrap()),
            ids(&expected),
            "{action}"
        );
    }
    // a filtered page's cursor goes on within the filter
    let (_, first) = page(&world, &format!("{base}/items?action=create&limit=1")).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second created item");
    let (_, second) = page(
        &world,
        &format!("{base}/items?action=create&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(second["items"][0]["action"], "create");
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(second["items"][0]["item_id"], first["items"][0]["item_id"]);

    // by outcome: nothing is pending before the apply, the three written ones after it
    let (_, pending) = page(&world, &format!("{base}/items?outcome=applied")).await;
    assert_eq!(pending["items"], json!([]));
    let done = world.apply(&world.source_id, &restore_id).await;
    assert_eq!(done["status"], "completed", "{done:#}");
    let (_, applied) = page(&world, &format!("{base}/items?outcome=applied")).await;
    let applied = applied["items"].as_array().unwrap();
    assert_eq!(applied.len(), 3);
    assert!(
        applied.iter().all(|item| item["sent"].is_array()),
        "{applied:#?}"
    );
    let (_, failed) = page(&world, &format!("{base}/items?outcome=failed")).await;
    assert_eq!(failed["items"], json!([]));
    // one item by its id: what the page has for it
    let first = &applied[0];
    let (status, one) = page(
        &world,
        &format!("{base}/items/{}", first["item_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(&one, first);
    let (status, _) = page(&world, &format!("{base}/items/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(status, 404);

    // bad input: clear problems
    let stranger = uuid::Uuid::now_v7();
    for (query, code) in [
        (format!("cursor={stranger}"), "invalid_cursor"),
        ("cursor=nope".to_owned(), "invalid_cursor"),
        ("action=delete".to_owned(), "invalid_query"),
        ("outcome=verified".to_owned(), "invalid_query"),
        ("limit=0".to_owned(), "invalid_query"),
    ] {
        let (status, problem) = page(&world, &format!("{base}/items?{query}")).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some(code)),
            "{query}: {problem}"
        );
    }
    let (status, _) = page(
        &world,
        &format!(
            "/api/v1/tenants/{}/restores/{stranger}/items",
            world.source_id
        ),
    )
    .await;
    assert_eq!(status, 404);
    // another tenant's operator does not see them
    let (_, other) = world
        .app
        .issue_token("operator", Some(vec![&world.target_id]))
        .await;
    let response = world
        .app
        .as_token(Some(&other))
        .get(&format!("{base}/items"))
        .await;
    assert_eq!(response.status(), 404);
}
