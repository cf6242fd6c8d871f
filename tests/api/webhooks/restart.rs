//! Restarts: a service stopped in the middle of deliveries and started again on the same
//! database loses none and sends none twice; an attempt whose sender died is sent again
//! (same `webhook-id`) once its lease runs out; a rebuild of the read models sends nothing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tenantpilot::clock::ManualClock;
use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};
use tenantpilot::secrets::SecretKey;
use tenantpilot::webhooks::{Fanout, WEBHOOKS};

use super::receiver::{Answer, Receiver};
use super::support::{attempts, eventually, subscribe, Service};
use crate::helpers::{at, fresh_database, http_client, TestApp, ADMIN_TOKEN};

const EVENTS: usize = 24;

/// A database of its own with a client template for services started on it.
async fn template() -> (TestApp, String) {
    let (url, pool, guard) = fresh_database().await;
    let app = TestApp {
        address: String::new(),
        database_url: url,
        pool,
        clock: ManualClock::new(at("2026-06-01T12:00:00Z")),
        http: http_client(),
        token: Some(ADMIN_TOKEN.to_owned()),
        database: Arc::new(guard),
    };
    (app, SecretKey::generate().to_base64())
}

fn slow_sender(name: &str) -> Option<String> {
    match name {
        "TENANTPILOT_WEBHOOK_CONCURRENCY_PER_ENDPOINT" => Some("2".to_owned()),
        _ => None,
    }
}

/// `EVENTS` schedule events: one schedule created, then disabled and enabled in turn.
async fn make_events(app: &TestApp) {
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let schedule: serde_json::Value = app
        .create_schedule(tenant_id, &crate::helpers::nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    for index in 1..EVENTS {
        let action = if index % 2 == 1 { "disable" } else { "enable" };
        let response = app.post_empty(&format!("{path}/{action}")).await;
        assert!(response.status().is_success());
    }
}

fn counts(receiver: &Receiver) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for delivery in receiver.deliveries() {
        *counts.entry(delivery.id).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn a_restart_in_the_middle_of_deliveries_loses_none_and_repeats_none() {
    let (template, key) = template().await;
    // slow enough that making the events (slower on a loaded machine) ends long before
    // their deliveries do: 24 x 400 ms
    let receiver = Receiver::start(Answer::Slow(Duration::from_millis(400))).await;
    let first = Service::start(
        &template.database_url,
        &key,
        template.clock.clone(),
        slow_sender,
    )
    .await;
    let app = first.client(&template);
    let (_, secret) = subscribe(&app, &receiver.url("/"), &["backup_schedule.changed"]).await;
    make_events(&app).await;
    receiver.wait_for(4, Duration::from_secs(10)).await;
    first.stop().await;
    let before = receiver.deliveries().len();
    assert!(
        before < EVENTS,
        "stopped in the middle ({before} of {EVENTS} delivered)"
    );

    let second = Service::start(
        &template.database_url,
        &key,
        template.clock.clone(),
        slow_sender,
    )
    .await;
    let delivered = receiver.wait_for(EVENTS, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = counts(&receiver);
    assert_eq!(
        counts.len(),
        EVENTS,
        "every message arrived: {} of {EVENTS}",
        counts.len()
    );
    assert!(
        counts.values().all(|count| *count == 1),
        "a graceful stop finishes and records its attempts: {counts:?}"
    );
    assert!(delivered.iter().all(|delivery| delivery.signed_by(&secret)));
    let pending = app
        .count("SELECT count(*) FROM webhook_messages WHERE status <> 'delivered'")
        .await;
    assert_eq!(pending, 0);
    second.stop().await;
}

#[tokio::test]
async fn an_attempt_whose_sender_died_is_sent_again_after_its_lease() {
    let (template, key) = template().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    // events and a subscription, written by a service that sends nothing
    let writer = Service::start(
        &template.database_url,
        &key,
        template.clock.clone(),
        |name| (name == "TENANTPILOT_ROLES").then(|| "api,consumers".to_owned()),
    )
    .await;
    let app = writer.client(&template);
    let (webhook, _) = subscribe(&app, &receiver.url("/"), &["backup_schedule.changed"]).await;
    make_events(&app).await;
    writer.stop().await;
    // the fan-out makes the messages; then a sender claims them all and dies: each attempt
    // is leased (for 5 s) and numbered, and never recorded
    Consumer::new(
        WEBHOOKS,
        Fanout::new(Arc::new(template.clock.clone()), Duration::ZERO),
    )
    .catch_up(&template.pool)
    .await
    .unwrap();
    let leased_at = Instant::now();
    let claimed = template
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE webhook_messages SET attempts = attempts + 1,
                    lease_until = now() + interval '5 seconds'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(claimed, EVENTS as u64);

    let sender = Service::start(&template.database_url, &key, template.clock.clone(), |_| {
        None
    })
    .await;
    receiver.wait_for(EVENTS, Duration::from_secs(20)).await;
    let first = receiver
        .deliveries()
        .iter()
        .map(|delivery| delivery.received_at)
        .min()
        .expect("deliveries");
    assert!(
        first.duration_since(leased_at) >= Duration::from_millis(4900),
        "not while the dead sender's lease held ({:?} after the claim)",
        first.duration_since(leased_at)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts = counts(&receiver);
    assert_eq!(counts.len(), EVENTS, "none lost");
    assert!(counts.values().all(|count| *count == 1), "{counts:?}");
    let app = sender.client(&template);
    assert!(
        eventually(Duration::from_secs(5), || async {
            attempts(&app, &webhook).await.len() == EVENTS
        })
        .await
    );
    assert!(
        attempts(&app, &webhook)
            .await
            .iter()
            .all(|attempt| attempt["attempt"] == 2 && attempt["outcome"] == "delivered"),
        "the dead sender's attempt counts as the first"
    );
    sender.stop().await;
}

#[tokio::test]
async fn a_rebuild_of_the_read_models_sends_nothing() {
    let (template, key) = template().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let service = Service::start(&template.database_url, &key, template.clock.clone(), |_| {
        None
    })
    .await;
    let app = service.client(&template);
    subscribe(&app, &receiver.url("/"), &["*"]).await;
    make_events(&app).await;
    assert_eq!(
        receiver
            .wait_for(EVENTS, Duration::from_secs(20))
            .await
            .len(),
        EVENTS
    );
    let messages = app.count("SELECT count(*) FROM webhook_messages").await;
    let rebuilt = Consumer::new(READ_MODELS, ReadModels)
        .rebuild(&template.pool)
        .await
        .unwrap();
    assert!(rebuilt > EVENTS);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.deliveries().len(), EVENTS);
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_messages").await,
        messages
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            app.get("/api/v1/webhooks").await.status() == 200
        })
        .await
    );
    service.stop().await;
}
