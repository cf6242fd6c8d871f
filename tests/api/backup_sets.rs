//! Browsing, comparing and exporting backup sets made by real runs against the Graph
//! simulator.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tenantpilot::backup::content_hash;

use crate::graph_world::{tenant_config, World};
use crate::helpers::{nightly, problem, spawn_app, TestApp};

async fn json(world: &World, path: &str) -> Value {
    let response = world.app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

fn sets_path(world: &World) -> String {
    format!("/api/v1/tenants/{}/backup-sets", world.tenant_id)
}

/// Runs the schedule and returns the set's id.
async fn backup(world: &World, schedule: &str) -> String {
    let run = world.run_now(schedule).await;
    assert_eq!(run["status"], "success", "{run:#}");
    run["backup_set_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sets_and_items_are_listed_filtered_paged_and_shown_with_content() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 3)])).await;
    let nightly = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let weekly = world
        .schedule("Weekly", &["deviceConfigurations"], false)
        .await;
    let first = backup(&world, &nightly).await;
    let second = backup(&world, &nightly).await;
    let third = backup(&world, &weekly).await;
    let base = sets_path(&world);

    // paging by one through all three, in creation order
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(cursor) => format!("{base}?limit=1&cursor={cursor}"),
            None => format!("{base}?limit=1"),
        };
        let page = json(&world, &page_path).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|set| set["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec![first.clone(), second.clone(), third.clone()]);

    let nightly_id = nightly.rsplit('/').next().unwrap();
    let filtered = json(
        &world,
        &format!("{base}?schedule_id={nightly_id}&status=completed"),
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 2);
    let none = json(&world, &format!("{base}?created_from=2999-01-01T00:00:00Z")).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    for bad in [
        "status=gone",
        "created_from=yesterday",
        "limit=0",
        "cursor=x",
        "sort=name",
    ] {
        let (status, body) = problem(world.app.get(&format!("{base}?{bad}")).await).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    let set = json(&world, &format!("{base}/{first}")).await;
    assert_eq!(set["schedule_id"], nightly_id);
    assert_eq!(set["item_count"], 3);
    assert_eq!(set["counts"]["deviceConfigurations"], 3);
    assert_eq!(set["status"], "completed");
    assert!(set["run_id"].is_string() && set["tree_hash"].is_string());
    assert!(set["deleted_at"].is_null());

    let items_path = format!("{base}/{first}/items");
    let page = json(&world, &format!("{items_path}?limit=2")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let rest = json(
        &world,
        &format!(
            "{items_path}?limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let objects = world
        .sim
        .handle()
        .objects(world.azure_tenant_id(), "deviceConfigurations")
        .unwrap();
    let wanted = &objects[1];
    let search = wanted.display_name.to_uppercase().replace(' ', "%20");
    let found = json(
        &world,
        &format!("{items_path}?policy_type=deviceConfigurations&search={search}"),
    )
    .await;
    let found = found["items"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["graph_id"], wanted.id.as_str());
    let empty = json(&world, &format!("{items_path}?policy_type=settingsCatalog")).await;
    assert!(empty["items"].as_array().unwrap().is_empty());
    let (status, _) = problem(
        world
            .app
            .get(&format!("{items_path}?policy_type=nope"))
            .await,
    )
    .await;
    assert_eq!(status, 400);

    // the same policy has the same item id in every set; its content is what Graph served
    let item_id = found[0]["id"].as_str().unwrap();
    let item = json(&world, &format!("{items_path}/{item_id}")).await;
    let again = json(&world, &format!("{base}/{second}/items/{item_id}")).await;
    assert_eq!(item, again);
    assert_eq!(item["content"]["id"], wanted.id.as_str());
    assert_eq!(item["content"]["displayName"], wanted.display_name.as_str());
    assert_eq!(
        item["content_hash"],
        content_hash(&item["content"]).as_str()
    );
}

#[tokio::test]
async fn unknown_ids_other_tenants_and_deleted_sets_are_refused_with_problems() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 2)])).await;
    let schedule = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let set = backup(&world, &schedule).await;
    let base = sets_path(&world);
    let unknown = uuid::Uuid::now_v7();
    let other = world.app.create_tenant("Other").await;
    let other_base = format!(
        "/api/v1/tenants/{}/backup-sets",
        other["id"].as_str().unwrap()
    );
    let item = json(&world, &format!("{base}/{set}/items")).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (path, expected) in [
        (format!("{base}/{unknown}"), 404),
        (format!("{base}/not-a-uuid"), 400),
        (format!("{base}/{set}/items/{unknown}"), 404),
        (format!("{base}/{unknown}/export"), 404),
        (format!("{base}/{set}/diff?against={unknown}"), 404),
        (format!("{base}/{set}/diff?against=latest"), 400),
        (format!("{base}/{set}/diff"), 400),
        (format!("{base}/{set}/diff?against=previous"), 409),
        (format!("{other_base}/{set}"), 404),
        (format!("{other_base}/{set}/items"), 404),
        (format!("{other_base}/{set}/items/{item}"), 404),
        (format!("{other_base}/{set}/export"), 404),
        (format!("{other_base}/{set}/diff?against={set}"), 404),
    ] {
        let (status, body) = problem(world.app.get(&path).await).await;
        assert_eq!(status, expected, "{path}: {body}");
    }

    // a soft-deleted set: only admins see it, and it cannot be exported
    world
        .app
        .pool
        .get()
        .await
        .unwrap()
        .execute("UPDATE backup_sets SET deleted_at = now()", &[])
        .await
        .unwrap();
    let (_, viewer) = world
        .app
        .issue_token("viewer", Some(vec![world.tenant_id.as_str()]))
        .await;
    let viewer = world.app.as_token(Some(&viewer));
    let (status, _) = problem(viewer.get(&format!("{base}/{set}")).await).await;
    assert_eq!(status, 404);
    let (status, _) = problem(viewer.get(&format!("{base}?include_deleted=true")).await).await;
    assert_eq!(status, 403);
    assert!(json(&world, &base).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let listed = json(&world, &format!("{base}?include_deleted=true")).await;
    assert_eq!(listed["items"][0]["id"], set.as_str());
    assert!(json(&world, &format!("{base}/{set}")).await["deleted_at"].is_string());
    let (status, body) = problem(world.app.get(&format!("{base}/{set}/export")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("backup_set_deleted"))
    );
}

#[tokio::test]
async fn a_diff_shows_exactly_the_policy_changed_between_runs() {
    let world = World::new(tenant_config(&[("deviceConfigurations", 3)])).await;
    let schedule = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let before = backup(&world, &schedule).await;
    let changed = world
        .sim
        .mutate(world.azure_tenant_id(), "deviceConfigurations", 1)
        .unwrap();
    let after = backup(&world, &schedule).await;
    let base = sets_path(&world);

    let diff = json(&world, &format!("{base}/{after}/diff?against=previous")).await;
    assert_eq!(diff["against_id"], before.as_str());
    assert!(diff["added"].as_array().unwrap().is_empty());
    assert!(diff["removed"].as_array().unwrap().is_empty());
    assert_eq!(diff["unchanged_count"], 2);
    let items = diff["changed"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{diff:#}");
    assert_eq!(items[0]["item"]["graph_id"], changed.id.as_str());
    let changes = items[0]["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    for change in changes {
        let pointer = change["pointer"].as_str().unwrap();
        assert!(pointer.starts_with('/'), "{change}");
        // volatile fields are never a difference
        assert!(
            !pointer.contains("lastModifiedDateTime") && pointer != "/version",
            "{change}"
        );
        assert_eq!(change["op"], "replace", "{change}");
    }

    // explicitly, and the other way round
    let explicit = json(&world, &format!("{base}/{after}/diff?against={before}")).await;
    assert_eq!(explicit, diff);
    let reverse = json(&world, &format!("{base}/{before}/diff?against={after}")).await;
    let reversed = &reverse["changed"][0]["changes"][0];
    assert_eq!(reversed["old"], changes[0]["new"]);
    let same = json(&world, &format!("{base}/{after}/diff?against={after}")).await;
    assert!(same["changed"].as_array().unwrap().is_empty());

    // the policy's history over three runs with one change: two versions (the third run
    // holds the second one again), whose diff is the sets' diff of that item
    let third = backup(&world, &schedule).await;
    let policies_path = format!("/api/v1/tenants/{}/policies", world.tenant_id);
    let policies = json(&world, &policies_path).await;
    let policy = policies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|policy| policy["graph_id"] == changed.id.as_str())
        .unwrap();
    let versions_path = format!(
        "{policies_path}/{}/versions",
        policy["id"].as_str().unwrap()
    );
    let versions = json(&world, &versions_path).await;
    assert_eq!(versions["next_cursor"], serde_json::Value::Null);
    let versions = versions["items"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["first_backup_set_id"], before.as_str());
    assert_eq!(versions[1]["first_backup_set_id"], after.as_str());
    assert_eq!(versions[1]["last_backup_set_id"], third.as_str());
    // paged like every list: `limit` and the previous page's `next_cursor`
    let first_page = json(&world, &format!("{versions_path}?limit=1")).await;
    assert_eq!(first_page["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        first_page["items"][0]["content_hash"],
        versions[0]["content_hash"]
    );
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let second_page = json(&world, &format!("{versions_path}?limit=1&cursor={cursor}")).await;
    assert_eq!(second_page["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        second_page["items"][0]["content_hash"],
        versions[1]["content_hash"]
    );
    assert_eq!(second_page["next_cursor"], serde_json::Value::Null);
    assert_eq!(
        versions[1]["content_hash"],
        items[0]["item"]["content_hash"]
    );
    let (from, to) = (
        versions[0]["content_hash"].as_str().unwrap(),
        versions[1]["content_hash"].as_str().unwrap(),
    );
    let version_diff = json(&world, &format!("{versions_path}/diff?from={from}&to={to}")).await;
    assert_eq!(&version_diff["changes"], &items[0]["changes"]);
    let unknown = "0".repeat(64);
    let (status, _) = problem(
        world
            .app
            .get(&format!("{versions_path}/diff?from={from}&to={unknown}"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = problem(
        world
            .app
            .get(&format!("{versions_path}/diff?from={from}&to=ABC"))
            .await,
    )
    .await;
    assert_eq!(status, 400);
}

/// The archive's files by name, read through its central directory.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let end = bytes.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
    let mut files = BTreeMap::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50);
        let (size, name_length, offset) = (u32_at(at + 20), u16_at(at + 28), u32_at(at + 42));
        let extra = u16_at(at + 30) + u16_at(at + 32);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_length].to_vec()).unwrap();
        let data = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
        assert_eq!(
            u32_at(at + 16),
            crc32fast::hash(&bytes[data..data + size]) as usize
        );
        files.insert(name, bytes[data..data + size].to_vec());
        at += 46 + name_length + extra;
    }
    files
}

#[tokio::test]
async fn an_export_unzips_to_the_manifests_files() {
    let world = World::new(tenant_config(&[
        ("deviceConfigurations", 3),
        ("scopeTags", 2),
    ]))
    .await;
    let schedule = world
        .schedule("Nightly", &["deviceConfigurations"], true)
        .await;
    let set = backup(&world, &schedule).await;
    let response = world
        .app
        .get(&format!("{}/{set}/export", sets_path(&world)))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"Nightly_-_"),
        "{disposition}"
    );
    let files = unzip(&response.bytes().await.unwrap());
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["backup_set"]["id"], set.as_str());
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len() + 1, files.len());
    assert!(listed.len() >= 4, "{manifest:#}");
    for file in listed {
        let path = file["path"].as_str().unwrap();
        assert!(path.starts_with(&format!("{}/", file["policy_type"].as_str().unwrap())));
        let bytes = &files[path];
        assert_eq!(
            file["sha256"],
            tenantpilot::backup::canonical::hash_bytes(bytes).as_str()
        );
        let content: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(file["content_hash"], content_hash(&content).as_str());
    }
}

/// Stores a set of one settings-catalog item with `content` (as a run would).
async fn store_set(app: &TestApp, tenant: &str, schedule: &str, content: &Value) -> String {
    let (id, client) = (uuid::Uuid::now_v7(), app.pool.get().await.unwrap());
    let hash = content_hash(content);
    let items = json!([{"policy_type": "settingsCatalog", "graph_id": "g-1",
        "display_name": "Baseline", "content_hash": hash, "is_foundation": false}]);
    let tree = tenantpilot::backup::canonical::hash_text(&items.to_string());
    for (sql, parameter) in [
        (
            "INSERT INTO content_blobs (hash, content) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            content,
        ),
        (
            "INSERT INTO backup_trees (hash, items) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &items,
        ),
    ] {
        let key = if sql.contains("content_blobs") {
            &hash
        } else {
            &tree
        };
        client.execute(sql, &[key, parameter]).await.unwrap();
    }
    client
        .execute(
            "INSERT INTO backup_sets (id, tenant_id, schedule_id, run_id, name, status, tree_hash,
                                      item_count, foundation_count, counts, created_at)
             VALUES ($1, $2::text::uuid, $3::text::uuid, $4, 'Nightly', 'completed', $5, 1, 0,
                     '{}', now())",
            &[&id, &tenant, &schedule, &uuid::Uuid::now_v7(), &tree],
        )
        .await
        .unwrap();
    id.to_string()
}

#[tokio::test]
async fn reordered_settings_are_the_same_content_and_no_change() {
    let app = spawn_app().await;
    let (tenant, schedule, _) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let (tenant, schedule) = (
        tenant["id"].as_str().unwrap(),
        schedule["id"].as_str().unwrap(),
    );
    let setting = |id: &str| json!({"settingInstance": {"settingDefinitionId": id}});
    let before = json!({"id": "g-1", "settings": [setting("a"), setting("b")]});
    let after = json!({"id": "g-1", "settings": [setting("b"), setting("a")]});
    // settings carry no order: read in another order, a policy is the same content
    assert_eq!(content_hash(&before), content_hash(&after));
    let first = store_set(&app, tenant, schedule, &before).await;
    let second = store_set(&app, tenant, schedule, &after).await;
    let diff: Value = app
        .get(&format!(
            "/api/v1/tenants/{tenant}/backup-sets/{second}/diff?against=previous"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(diff["against_id"], first.as_str());
    assert!(diff["changed"].as_array().unwrap().is_empty(), "{diff:#}");
    assert_eq!(diff["unchanged_count"], 1);
}
