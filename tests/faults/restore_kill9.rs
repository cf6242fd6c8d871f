//! kill -9 of the service in the middle of a restore's apply, then a restart: the restore
//! resumes on the new process and completes, and no object is created twice (an item whose
//! POST succeeded before the kill is adopted, not created again).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use tenantpilot::graph_sim::{default_roles, Fault};

use crate::graph_world::{finished_within, register, start_simulator, tenant_config};
use crate::service::Service;

const POLICIES: usize = 30;

#[tokio::test]
async fn sigkill_in_the_middle_of_an_apply_resumes_and_creates_nothing_twice() {
    let _serial = crate::serial().await;
    let mut tenant = tenant_config(&[("settingsCatalog", POLICIES)]);
    let mut roles = default_roles();
    roles.push("DeviceManagementConfiguration.ReadWrite.All".to_owned());
    tenant.roles = roles;
    let sim = start_simulator(vec![tenant.clone()]).await;
    let mut service = Service::start(&[
        ("TENANTPILOT_GRAPH_URL", sim.graph_url()),
        ("TENANTPILOT_LOGIN_URL", sim.login_url()),
    ])
    .await;
    let app = service.app.clone();
    let tenant_id = register(&app, &tenant).await;
    let body = json!({
        "name": "Nightly", "cadence": {"kind": "daily", "times": ["02:30"]},
        "timezone": "Europe/Berlin", "policy_types": ["settingsCatalog"],
        "include_foundations": false, "retention_keep_last": 7,
    });
    let schedule: Value = app
        .create_schedule(&tenant_id, &body)
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    let response = app.post_empty(&format!("{path}/run-now")).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let run = finished_within(&app, &location, Duration::from_secs(120)).await;
    assert_eq!(run["status"], "success", "{run}");
    let set = run["backup_set_id"].as_str().unwrap().to_owned();

    // every policy deleted; each write then takes a while, so the kill lands mid-apply
    let handle = sim.handle();
    for index in 0..POLICIES {
        handle
            .delete(&tenant.azure_tenant_id, "settingsCatalog", index)
            .unwrap();
    }
    sim.set_faults(
        &tenant.azure_tenant_id,
        vec![Fault::Slow {
            policy_type: None,
            delay_ms: 120,
        }],
    )
    .unwrap();
    let planned: Value = app
        .post(
            &format!("/api/v1/tenants/{tenant_id}/restores"),
            &json!({"source_backup_set_id": set}),
        )
        .await
        .json()
        .await
        .unwrap();
    let restore = planned["id"].as_str().expect("planned").to_owned();
    let restore_path = format!("/api/v1/tenants/{tenant_id}/restores/{restore}");
    let response = app.post_empty(&format!("{restore_path}/apply")).await;
    assert_eq!(response.status(), 202);
    // wait until some items are written, then kill
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let current: Value = app.get(&restore_path).await.json().await.unwrap();
        if current["counts"]["applied"].as_i64().unwrap_or(0) >= 5 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the apply did not start: {current}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.kill9().await;
    let created_before_restart = handle
        .objects(&tenant.azure_tenant_id, "settingsCatalog")
        .unwrap()
        .len();
    eprintln!("killed with {created_before_restart} policies in the target");
    service.spawn().await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let done = loop {
        let current: Value = service.app.get(&restore_path).await.json().await.unwrap();
        if ["completed", "partial", "failed"].contains(&current["status"].as_str().unwrap_or("")) {
            break current;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restore did not finish: {current}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["status"], "completed", "{done:#}");
    assert_eq!(done["counts"]["applied"], POLICIES, "{done:#}");
    // one live object per policy: nothing created twice
    let live = handle
        .objects(&tenant.azure_tenant_id, "settingsCatalog")
        .unwrap();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for object in &live {
        *names.entry(object.display_name.clone()).or_default() += 1;
    }
    assert_eq!(live.len(), POLICIES, "objects in the target: {names:?}");
    // as many of each name as the set holds (the simulator's names may repeat)
    let mut wanted: BTreeMap<String, usize> = BTreeMap::new();
    let items: Value = service
        .app
        .get(&format!("{restore_path}/items?limit=200"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        items["next_cursor"],
        Value::Null,
        "{POLICIES} items on one page"
    );
    let items = items["items"].as_array().unwrap();
    for item in items {
        *wanted
            .entry(item["display_name"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(names, wanted);
    let adopted = items.iter().filter(|item| item["adopted"] == true).count();
    eprintln!("adopted after the restart: {adopted}");
    // the stream: each item applied once, a RestoreAbandoned for the killed worker
    let events = service.app.events_of(&restore).await;
    let applied: Vec<&Value> = events
        .iter()
        .filter(|(kind, _, _)| kind == "RestoreItemApplied")
        .map(|(_, payload, _)| &payload["item_id"])
        .collect();
    let distinct: std::collections::BTreeSet<String> =
        applied.iter().map(|id| id.to_string()).collect();
    assert_eq!(applied.len(), POLICIES);
    assert_eq!(distinct.len(), POLICIES);
    assert!(
        events.iter().any(|(kind, _, _)| kind == "RestoreAbandoned"),
        "the killed worker's lease was reaped"
    );
}
