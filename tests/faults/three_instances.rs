//! Three service instances on one database over 1,000 schedules x 10 slots: three
//! dispatchers tick every slot at once, three processes execute the runs, and every slot
//! gets exactly one run: 10,000 runs, no more, no fewer.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use tokio::process::Command;

use crate::graph_world::{register, start_simulator, tenant_config};
use crate::invariants::{assert_hold, settle_runs};
use crate::service::Service;

const TENANTS: usize = 100;
const SCHEDULES_PER_TENANT: usize = 10;
const SLOTS: usize = 10;
const INSTANCES: usize = 3;

fn schedule_body(index: usize) -> Value {
    let times: Vec<String> = (0..SLOTS).map(|hour| format!("{hour:02}:00")).collect();
    json!({
        "name": format!("Hourly until ten {index}"),
        "cadence": {"kind": "daily", "times": times},
        "timezone": "UTC",
        "policy_types": ["deviceConfigurations"],
        "include_foundations": false,
        "retention_keep_last": 3,
    })
}

/// One `tenantpilot dispatch --at` (the dispatcher's tick, as `serve` runs it each minute,
/// at an instant of the test's choosing); returns (claimed, skipped, already handled).
async fn dispatch(database_url: &str, at: DateTime<Utc>) -> (usize, usize, u64) {
    let output = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args([
            "dispatch",
            "--at",
            &at.to_rfc3339_opts(SecondsFormat::Secs, true),
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("dispatch runs");
    assert!(
        output.status.success(),
        "dispatch failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).expect("a JSON summary");
    (
        summary["claimed"].as_array().unwrap().len(),
        summary["skipped"].as_array().unwrap().len(),
        summary["already_handled"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn three_instances_make_exactly_ten_thousand_runs_of_a_thousand_schedules_times_ten_slots() {
    let _serial = crate::serial().await;
    let tenants: Vec<_> = (0..TENANTS)
        .map(|_| tenant_config(&[("deviceConfigurations", 1)]))
        .collect();
    let sim = start_simulator(tenants.clone()).await;
    let key = tenantpilot::secrets::SecretKey::generate().to_base64();
    let env = [
        ("TENANTPILOT_GRAPH_URL", sim.graph_url()),
        ("TENANTPILOT_LOGIN_URL", sim.login_url()),
        ("TENANTPILOT_SECRET_KEY", key),
        // the dispatchers are the three `dispatch --at` processes below, at the slots' times
        ("TENANTPILOT_ROLES", "api,consumers,worker".to_owned()),
        ("TENANTPILOT_WORKERS", "8".to_owned()),
        ("TENANTPILOT_GRAPH_REQUESTS_PER_20S", "100000".to_owned()),
    ];
    let first = Service::start(&env).await;
    let app = first.app.clone();
    let mut instances = vec![first];
    for _ in 1..INSTANCES {
        instances.push(
            Service::start_on(
                app.database_url.clone(),
                app.pool.clone(),
                app.database.clone(),
                &env,
            )
            .await,
        );
    }
    for tenant in &tenants {
        let tenant_id = register(&app, tenant).await;
        for index in 0..SCHEDULES_PER_TENANT {
            let response = app.create_schedule(&tenant_id, &schedule_body(index)).await;
            assert_eq!(response.status(), 201);
        }
    }

    let mut totals = (0, 0, 0);
    let mut slot_times = Vec::new();
    for slot in 0..SLOTS {
        let client = app.pool.get().await.unwrap();
        // the consumers have moved every schedule on to the slot after the last one
        let at: DateTime<Utc> = loop {
            let row = client
                .query_one(
                    "SELECT min(next_run_at), max(next_run_at) FROM backup_schedules",
                    &[],
                )
                .await
                .unwrap();
            let (min, max): (DateTime<Utc>, DateTime<Utc>) = (row.get(0), row.get(1));
            if min == max && slot_times.last().is_none_or(|last| min > *last) {
                break min;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        drop(client);
        slot_times.push(at);
        let ticks: Vec<_> = (0..INSTANCES)
            .map(|_| dispatch(&app.database_url, at))
            .collect();
        let mut claimed_this_slot = 0;
        for (claimed, skipped, already_handled) in futures_util::future::join_all(ticks).await {
            claimed_this_slot += claimed;
            totals.0 += claimed;
            totals.1 += skipped;
            totals.2 += already_handled;
        }
        eprintln!("slot {slot} at {at}: {claimed_this_slot} claimed by {INSTANCES} dispatchers");
        assert_eq!(claimed_this_slot, TENANTS * SCHEDULES_PER_TENANT);
        // the runs end before the next slot, or it would be skipped as an overlap
        settle_runs(&app, 300).await;
    }
    eprintln!("claimed, skipped, already handled over every tick: {totals:?}");
    let expected = (TENANTS * SCHEDULES_PER_TENANT * SLOTS) as i64;
    assert_eq!(totals.0 as i64, expected);
    assert_eq!(totals.1, 0, "no slot skipped");
    assert_eq!(
        app.count("SELECT count(*) FROM events WHERE event_type = 'RunQueued'")
            .await,
        expected
    );
    assert_eq!(
        app.count("SELECT count(*) FROM backup_runs WHERE status = 'success'")
            .await,
        expected,
        "every run executed once, successfully"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM (SELECT schedule_id FROM backup_runs
             GROUP BY 1 HAVING count(DISTINCT scheduled_for) = 10 AND count(*) = 10) complete"
        )
        .await,
        (TENANTS * SCHEDULES_PER_TENANT) as i64,
        "each schedule has one run for each of its ten slots"
    );
    let executors = app
        .count(
            "SELECT count(DISTINCT split_part(payload ->> 'worker', '/', 1)) FROM events
             WHERE event_type = 'RunStarted'",
        )
        .await;
    assert_eq!(executors, INSTANCES as i64, "every instance executed runs");
    assert_hold(&app).await;
    for instance in &instances {
        instance.assert_no_panic();
    }
}
