//! The assembled service: the dispatcher and consumers inside `serve`, and shutdown.

use std::sync::Arc;
use std::time::Duration;

use tenantpilot::clock::ManualClock;
use tenantpilot::config::Settings;
use tenantpilot::secrets::SecretKey;
use tenantpilot::startup::Application;

use crate::helpers::{at, fresh_database, nightly, ADMIN_TOKEN};

async fn build(url: &str, clock: ManualClock) -> Application {
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
        "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
        "TENANTPILOT_SECRET_KEY" => Some(SecretKey::generate().to_base64()),
        "TENANTPILOT_TICK_SECONDS" => Some("1".to_owned()),
        "TENANTPILOT_PROJECTOR_POLL_MS" => Some("50".to_owned()),
        // every role but the workers: these tests watch runs being queued, and a worker
        // must never reach for the real Microsoft Graph from a test
        "TENANTPILOT_ROLES" => Some("api,dispatcher,consumers".to_owned()),
        _ => None,
    })
    .unwrap();
    Application::build(&settings, Arc::new(clock))
        .await
        .unwrap()
}

#[tokio::test]
async fn serve_dispatches_due_slots_and_queues_their_runs_by_itself() {
    let (url, pool, _database) = fresh_database().await;
    // half a second before a Berlin 02:30 slot (01:30Z in March, before the change)
    let clock = ManualClock::new(at("2026-03-27T01:29:59.500Z"));
    let app = build(&url, clock.clone()).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let http = crate::helpers::http_client();
    clock.set(at("2026-03-26T12:00:00Z"));
    let tenant: serde_json::Value = http
        .post(format!("{base}/api/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({"display_name": "Contoso",
            "azure_tenant_id": uuid::Uuid::new_v4(), "client_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = http
        .post(format!(
            "{base}/api/v1/tenants/{}/backup-schedules",
            tenant["id"].as_str().unwrap()
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&nightly("Nightly"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    clock.set(at("2026-03-27T01:29:59.500Z"));

    let client = pool.get().await.unwrap();
    let mut queued = 0;
    for _ in 0..100 {
        queued = client
            .query_one(
                "SELECT count(*) FROM backup_runs WHERE scheduled_for = '2026-03-27T01:30:00Z'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
        if queued > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        queued, 1,
        "the dispatcher inside serve claimed the slot and a run was queued"
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("shut down promptly")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_stop_signal_ends_the_server_and_every_background_loop() {
    let (url, _, _database) = fresh_database().await;
    let app = build(&url, ManualClock::new(at("2026-03-27T10:00:00Z"))).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("run_until returns once every loop has stopped")
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn expired_idempotency_keys_are_purged_when_the_api_starts() {
    let (url, pool, _database) = fresh_database().await;
    let client = pool.get().await.unwrap();
    client
        .batch_execute(
            "INSERT INTO idempotency_keys (principal, key, request_hash, created_at) VALUES
               ('p', 'old', '\\x00', now() - interval '25 hours'),
               ('p', 'fresh', '\\x00', now())",
        )
        .await
        .unwrap();
    let app = build(&url, ManualClock::new(at("2026-03-27T10:00:00Z"))).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let mut keys = Vec::new();
    for _ in 0..50 {
        keys = client
            .query("SELECT key FROM idempotency_keys ORDER BY key", &[])
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        if keys.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(keys, ["fresh"]);
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
