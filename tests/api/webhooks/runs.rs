//! Finished runs as `backup_run.*`, from a real run against the Graph simulator.

use std::time::Duration;

use serde_json::Value;
use tenantpilot::graph_sim::Fault;

use super::receiver::{Answer, Receiver};
use super::support::{delivering, subscribe};
use crate::graph_world::{graph_settings, register, start_simulator, tenant_config, World};
use crate::helpers::spawn_app_with;

async fn world() -> World {
    let tenant = tenant_config(&[("deviceConfigurations", 3)]);
    let sim = start_simulator(vec![tenant.clone()]).await;
    let graph = graph_settings(&sim);
    let app = spawn_app_with(move |name| match name {
        "TENANTPILOT_ROLES" => Some("api,consumers,worker,webhooks".to_owned()),
        _ => graph(name).or_else(|| delivering(name)),
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

#[tokio::test]
async fn a_succeeded_and_a_failed_run_are_delivered_with_their_ids_and_links() {
    let world = world().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let (_, secret) = subscribe(
        &world.app,
        &receiver.url("/"),
        &["backup_run.succeeded", "backup_run.failed"],
    )
    .await;
    let schedule_path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    let run = world.run_now(&schedule_path).await;
    assert_eq!(run["status"], "success");
    let deliveries = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].signed_by(&secret));
    let body = deliveries[0].json();
    assert_eq!(body["type"], "backup_run.succeeded");
    let data = &body["data"];
    let (tenant, run_id) = (&world.tenant_id, run["id"].as_str().unwrap());
    assert_eq!(data["tenant_id"], tenant.as_str());
    assert_eq!(data["run_id"], run_id);
    assert_eq!(data["schedule_id"], run["schedule_id"]);
    assert_eq!(data["status"], "success");
    assert_eq!(data["trigger"], "manual");
    assert_eq!(data["backup_set_id"], run["backup_set_id"]);
    assert_eq!(
        data["links"]["run"],
        format!("/api/v1/tenants/{tenant}/backup-runs/{run_id}")
    );
    // the link reads the run back through the API
    let linked: Value = world
        .app
        .get(data["links"]["run"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(linked["id"], run_id);
    assert!(data["links"]["backup_set"].is_string());

    world.set_faults(vec![Fault::IntuneNotProvisioned]);
    let failed = world.run_now(&schedule_path).await;
    assert_eq!(failed["status"], "failed");
    let deliveries = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(deliveries.len(), 2);
    let body = deliveries[1].json();
    assert_eq!(body["type"], "backup_run.failed");
    assert_eq!(body["data"]["error_code"], "intune_not_provisioned");
    assert_eq!(body["data"]["backup_set_id"], Value::Null);
}
