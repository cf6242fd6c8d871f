//! Deliveries to a real receiver: Standard Webhooks headers and signature (checked with
//! another HMAC implementation), the thin payload, and the subscription's filters.

use std::time::Duration;

use serde_json::{json, Value};

use super::receiver::{Answer, Receiver};
use super::support::{
    attempts, eventually, subscribe, subscribe_with, tenant_with_schedule, webhook_app,
};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_schedule_change_is_delivered_signed_as_standard_webhooks_says() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(204)).await;
    let (webhook, secret) =
        subscribe(&app, &receiver.url("/hooks"), &["backup_schedule.changed"]).await;
    let (tenant, schedule) = tenant_with_schedule(&app, "Contoso").await;

    let deliveries = receiver.wait_for(1, WAIT).await;
    assert_eq!(deliveries.len(), 1, "one delivery");
    let delivery = &deliveries[0];
    assert_eq!(delivery.path, "/hooks");
    assert_eq!(delivery.content_type, "application/json");
    assert!(
        delivery.id.starts_with("msg_") && delivery.id.len() == 36,
        "{}",
        delivery.id
    );
    // the injected clock's instant, in seconds
    assert_eq!(delivery.timestamp, "1780315200");
    assert!(
        delivery.signed_by(&secret),
        "the signature verifies with ring"
    );
    let other_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(!delivery.signed_by(other_secret));
    let mut tampered = delivery.clone();
    tampered.body = tampered.body.replace("created", "deleted");
    assert!(!tampered.signed_by(&secret), "the body is covered");

    let body = delivery.json();
    assert_eq!(body["type"], "backup_schedule.changed");
    assert_eq!(body["timestamp"], "2026-06-01T12:00:00Z");
    assert_eq!(
        body["data"],
        json!({
            "event_id": body["data"]["event_id"],
            "tenant_id": tenant,
            "schedule_id": schedule,
            "change": "created",
            "links": {"schedule": format!("/api/v1/tenants/{tenant}/backup-schedules/{schedule}")}
        })
    );
    assert!(
        eventually(WAIT, || async { attempts(&app, &webhook).await.len() == 1 }).await,
        "the attempt is logged"
    );
    let attempt = &attempts(&app, &webhook).await[0];
    assert_eq!(attempt["message_id"], delivery.id.as_str());
    assert_eq!(attempt["event_type"], "backup_schedule.changed");
    assert_eq!(attempt["attempt"], 1);
    assert_eq!(attempt["status_code"], 204);
    assert_eq!(attempt["outcome"], "delivered");
    assert_eq!(attempt["error"], Value::Null);
    assert_eq!(attempt["trigger"], "scheduled");
    let message: Value = app
        .get(&format!(
            "/api/v1/webhooks/{webhook}/messages/{}",
            delivery.id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(message["status"], "delivered");
    assert_eq!(message["payload"], body);
}

#[tokio::test]
async fn each_webhook_gets_only_its_event_types_and_tenants() {
    let app = webhook_app().await;
    let everything = Receiver::start(Answer::Status(200)).await;
    let contoso_only = Receiver::start(Answer::Status(200)).await;
    let failures_only = Receiver::start(Answer::Status(200)).await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    subscribe(&app, &everything.url("/"), &["*"]).await;
    subscribe_with(
        &app,
        json!({"url": contoso_only.url("/"), "event_types": ["backup_schedule.changed"],
               "tenant_ids": [contoso["id"]]}),
    )
    .await;
    subscribe(&app, &failures_only.url("/"), &["backup_run.failed"]).await;

    for tenant in [&contoso, &fabrikam] {
        let response = app
            .create_schedule(
                tenant["id"].as_str().unwrap(),
                &crate::helpers::nightly("Nightly"),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let all = everything.wait_for(2, WAIT).await;
    assert_eq!(all.len(), 2);
    let scoped = contoso_only.wait_for(1, WAIT).await;
    assert_eq!(scoped.len(), 1);
    assert_eq!(scoped[0].json()["data"]["tenant_id"], contoso["id"]);
    // give a wrong delivery time to arrive
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(contoso_only.deliveries().len(), 1);
    assert_eq!(failures_only.deliveries().len(), 0);
    assert_eq!(everything.deliveries().len(), 2);
    let ids: std::collections::BTreeSet<String> =
        all.iter().map(|delivery| delivery.id.clone()).collect();
    assert_eq!(ids.len(), 2, "one message per event");
    assert!(!ids.contains(&scoped[0].id), "one message per webhook");
}

#[tokio::test]
async fn events_before_a_webhook_existed_or_while_it_was_disabled_are_not_sent() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let first = app
        .create_schedule(tenant_id, &crate::helpers::nightly("Before"))
        .await;
    assert_eq!(first.status(), 201);
    let (webhook, _) = subscribe(&app, &receiver.url("/"), &["*"]).await;
    let path = format!("/api/v1/webhooks/{webhook}");
    assert_eq!(
        app.post_empty(&format!("{path}/disable")).await.status(),
        200
    );
    let second = app
        .create_schedule(tenant_id, &crate::helpers::nightly("While disabled"))
        .await;
    assert_eq!(second.status(), 201);
    assert_eq!(
        app.post_empty(&format!("{path}/enable")).await.status(),
        200
    );
    let third = app
        .create_schedule(tenant_id, &crate::helpers::nightly("After"))
        .await;
    let third: Value = third.json().await.unwrap();
    let delivered = receiver.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.deliveries().len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].json()["data"]["schedule_id"], third["id"]);
}
