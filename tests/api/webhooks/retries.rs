//! Failed attempts: retried on the schedule (by the injected clock) with the same
//! `webhook-id`; 410 disables; redirects are not followed; an endpoint failing for five
//! days is disabled (`failing`); every attempt is logged and a message can be redelivered.

use std::time::Duration;

use chrono::Duration as Span;
use serde_json::Value;

use super::receiver::{closed_port, Answer, Receiver};
use super::support::{advance, attempts, eventually, subscribe, tenant_with_schedule, webhook_app};
use crate::helpers::{problem, TestApp};

const WAIT: Duration = Duration::from_secs(10);

async fn logged(app: &TestApp, webhook: &str, count: usize) -> Vec<Value> {
    assert!(
        eventually(WAIT, || async {
            attempts(app, webhook).await.len() >= count
        })
        .await,
        "{count} attempts logged: {:?}",
        attempts(app, webhook).await
    );
    attempts(app, webhook).await
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_the_message_with_the_same_id_when_it_is_up() {
    let app = webhook_app().await;
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (webhook, secret) = subscribe(&app, &url, &["backup_schedule.changed"]).await;
    tenant_with_schedule(&app, "Contoso").await;
    let first = logged(&app, &webhook, 1).await;
    assert_eq!(first[0]["outcome"], "failed");
    assert_eq!(first[0]["error"], "connection");
    assert_eq!(first[0]["status_code"], Value::Null);
    let message_id = first[0]["message_id"].as_str().unwrap().to_owned();
    let message: Value = app
        .get(&format!("/api/v1/webhooks/{webhook}/messages/{message_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(message["status"], "pending");
    // the second attempt comes 5 s (±10 %) later on the service's clock
    let next =
        chrono::DateTime::parse_from_rfc3339(message["next_attempt_at"].as_str().unwrap()).unwrap();
    let delay =
        next.timestamp_millis() - crate::helpers::at("2026-06-01T12:00:00Z").timestamp_millis();
    assert!((4_500..=5_500).contains(&delay), "retried after {delay} ms");

    let receiver = Receiver::start_on_port(port, Answer::Status(200)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.deliveries().is_empty(), "not before it is due");
    advance(&app.clock, Span::seconds(6));
    let deliveries = receiver.wait_for(1, WAIT).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].id, message_id, "the same webhook-id");
    assert!(deliveries[0].signed_by(&secret));
    let log = logged(&app, &webhook, 2).await;
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["outcome"], "delivered");
}

#[tokio::test]
async fn a_410_disables_the_webhook_and_stops_its_messages() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(410)).await;
    let (webhook, _) = subscribe(&app, &receiver.url("/"), &["*"]).await;
    tenant_with_schedule(&app, "Contoso").await;
    let log = logged(&app, &webhook, 1).await;
    assert_eq!(log[0]["status_code"], 410);
    assert_eq!(log[0]["error"], "gone");
    let path = format!("/api/v1/webhooks/{webhook}");
    assert!(
        eventually(WAIT, || async {
            let read: Value = app.get(&path).await.json().await.unwrap();
            read["enabled"] == false
        })
        .await
    );
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read["disabled_reason"], "gone");
    let events = app.events_of(&webhook).await;
    let (event_type, payload, metadata) = events.last().unwrap();
    assert_eq!(event_type, "WebhookDisabled");
    assert_eq!(payload["reason"], "gone");
    assert_eq!(payload["status_code"], 410);
    assert_eq!(metadata["actor"], "system:webhooks");

    // nothing more goes out, however many events follow
    tenant_with_schedule(&app, "Fabrikam").await;
    advance(&app.clock, Span::hours(30));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.deliveries().len(), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM webhook_messages WHERE status = 'pending'")
            .await,
        0
    );
    let (status, body) = problem(
        app.post_empty(&format!(
            "{path}/messages/{}/redeliver",
            log[0]["message_id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("webhook_disabled"))
    );
}

#[tokio::test]
async fn redirects_are_not_followed_and_count_as_failures() {
    let app = webhook_app().await;
    let target = Receiver::start(Answer::Status(200)).await;
    let redirecting = Receiver::start(Answer::Redirect(target.url("/elsewhere"))).await;
    let (webhook, _) = subscribe(&app, &redirecting.url("/"), &["*"]).await;
    tenant_with_schedule(&app, "Contoso").await;
    let log = logged(&app, &webhook, 1).await;
    assert_eq!(log[0]["status_code"], 302);
    assert_eq!(log[0]["error"], "redirect");
    assert_eq!(log[0]["outcome"], "failed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        target.deliveries().is_empty(),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_as_failing_and_admins_are_told() {
    let app = webhook_app().await;
    let (_, admin) = app.issue_token("admin", None).await;
    let receiver = Receiver::start(Answer::Status(500)).await;
    let (webhook, _) = subscribe(&app, &receiver.url("/"), &["*"]).await;
    let (tenant_id, _) = tenant_with_schedule(&app, "Contoso").await;
    let (_, operator) = app.issue_token("operator", Some(vec![&tenant_id])).await;
    let log = logged(&app, &webhook, 1).await;
    assert_eq!(log[0]["status_code"], 500);
    assert_eq!(log[0]["error"], "status");
    let path = format!("/api/v1/webhooks/{webhook}");
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read["failing_since"], "2026-06-01T12:00:00Z");
    assert_eq!(read["enabled"], true);
    let metrics = app.get("/api/v1/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("tenantpilot_webhooks_failing 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tenantpilot_webhook_messages_pending 1"),
        "{metrics}"
    );

    // four days on: retried, still failing, still enabled
    advance(&app.clock, Span::days(4));
    logged(&app, &webhook, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read["enabled"], true);

    // past five days, the next failure disables it
    advance(&app.clock, Span::days(1) + Span::minutes(1));
    tenant_with_schedule(&app, "Fabrikam").await;
    assert!(
        eventually(WAIT, || async {
            let read: Value = app.get(&path).await.json().await.unwrap();
            read["enabled"] == false
        })
        .await,
        "disabled after five days of failures"
    );
    let read: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(read["disabled_reason"], "failing");
    let events = app.events_of(&webhook).await;
    let (event_type, payload, _) = events.last().unwrap();
    assert_eq!(event_type, "WebhookDisabled");
    assert_eq!(payload["reason"], "failing");
    assert_eq!(payload["failing_since"], "2026-06-01T12:00:00Z");

    // admins are told (the bootstrap admin and admin tokens), operators are not
    for told in [app.clone(), app.as_token(Some(&admin))] {
        assert!(
            eventually(WAIT, || async { webhook_notifications(&told).await == 1 }).await,
            "an admin is notified of the disabled webhook"
        );
    }
    assert_eq!(
        webhook_notifications(&app.as_token(Some(&operator))).await,
        0,
        "operators are not told"
    );
}

#[tokio::test]
async fn a_delivered_message_can_be_redelivered_with_the_same_id() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let (webhook, secret) = subscribe(&app, &receiver.url("/"), &["*"]).await;
    tenant_with_schedule(&app, "Contoso").await;
    let first = receiver.wait_for(1, WAIT).await;
    logged(&app, &webhook, 1).await;
    let redelivered = app
        .post_empty(&format!(
            "/api/v1/webhooks/{webhook}/messages/{}/redeliver",
            first[0].id
        ))
        .await;
    assert_eq!(redelivered.status(), 202);
    let message: Value = redelivered.json().await.unwrap();
    assert_eq!(message["id"], first[0].id.as_str());
    assert_eq!(message["status"], "pending");
    let again = receiver.wait_for(2, WAIT).await;
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].id, first[0].id);
    assert_eq!(again[1].body, first[0].body, "the same body");
    assert!(again[1].signed_by(&secret));
    let log = logged(&app, &webhook, 2).await;
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["trigger"], "manual");
    assert_eq!(log[1]["outcome"], "delivered");
    let events = app.events_of(&webhook).await;
    assert_eq!(events.last().unwrap().0, "WebhookRedeliveryRequested");
    let unknown = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let (status, _) = problem(
        app.post_empty(&format!(
            "/api/v1/webhooks/{webhook}/messages/{unknown}/redeliver"
        ))
        .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_deliveries_log_pages_newest_first_and_filters_by_message() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let (webhook, _) = subscribe(&app, &receiver.url("/"), &["*"]).await;
    let (tenant, schedule) = tenant_with_schedule(&app, "Contoso").await;
    let path = format!("/api/v1/tenants/{tenant}/backup-schedules/{schedule}");
    for _ in 0..2 {
        assert_eq!(
            app.post_empty(&format!("{path}/disable")).await.status(),
            200
        );
        assert_eq!(
            app.post_empty(&format!("{path}/enable")).await.status(),
            200
        );
    }
    receiver.wait_for(5, WAIT).await;
    let all = logged(&app, &webhook, 5).await;
    let first: Value = app
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries?limit=2"))
        .await
        .json()
        .await
        .unwrap();
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], all[4]["id"], "newest first");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!(
            "/api/v1/webhooks/{webhook}/deliveries?limit=2&cursor={cursor}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["id"], all[2]["id"]);
    let one = all[1]["message_id"].as_str().unwrap();
    let filtered: Value = app
        .get(&format!(
            "/api/v1/webhooks/{webhook}/deliveries?message_id={one}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["items"][0]["message_id"], one);
    let changes: Vec<String> = receiver
        .deliveries()
        .iter()
        .map(|delivery| {
            delivery.json()["data"]["change"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = changes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["created", "disabled", "disabled", "enabled", "enabled"]
    );
}

/// How many `webhook_disabled` notifications the caller has.
async fn webhook_notifications(app: &TestApp) -> usize {
    let page: Value = app.get("/api/v1/notifications").await.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["kind"] == "webhook_disabled")
        .count()
}
