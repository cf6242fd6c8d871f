//! The SSRF guard at delivery time: a webhook to a private address (allowed when it was
//! created) gets nothing once the service runs without `TENANTPILOT_WEBHOOK_ALLOW_PRIVATE`;
//! each attempt is logged as `address_not_allowed`, for an address and for a name alike.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tenantpilot::clock::ManualClock;
use tenantpilot::secrets::SecretKey;

use super::receiver::{Answer, Receiver};
use super::support::{attempts, eventually, subscribe, Service};
use crate::helpers::{at, fresh_database, http_client, TestApp, ADMIN_TOKEN};

#[tokio::test]
async fn private_addresses_are_refused_at_delivery_too() {
    let (url, pool, guard) = fresh_database().await;
    let template = TestApp {
        address: String::new(),
        database_url: url.clone(),
        pool,
        clock: ManualClock::new(at("2026-06-01T12:00:00Z")),
        http: http_client(),
        token: Some(ADMIN_TOKEN.to_owned()),
        database: Arc::new(guard),
    };
    let key = SecretKey::generate().to_base64();
    let receiver = Receiver::start(Answer::Status(200)).await;
    // subscribed while private addresses were allowed (as in development)
    let permissive = Service::start(&url, &key, template.clock.clone(), |_| None).await;
    let app = permissive.client(&template);
    let (by_address, _) = subscribe(&app, &receiver.url("/ip"), &["*"]).await;
    let by_name = format!("http://localhost:{}/name", receiver.addr.port());
    let (by_name, _) = subscribe(&app, &by_name, &["*"]).await;
    permissive.stop().await;

    let strict = Service::start(&url, &key, template.clock.clone(), |name| {
        (name == "TENANTPILOT_WEBHOOK_ALLOW_PRIVATE").then(|| "0".to_owned())
    })
    .await;
    let app = strict.client(&template);
    app.tenant_with_schedule("Contoso", &crate::helpers::nightly("Nightly"))
        .await;
    for webhook in [&by_address, &by_name] {
        assert!(
            eventually(Duration::from_secs(10), || async {
                !attempts(&app, webhook).await.is_empty()
            })
            .await,
            "an attempt is logged"
        );
        let log: Vec<Value> = attempts(&app, webhook).await;
        assert_eq!(log[0]["error"], "address_not_allowed", "{log:?}");
        assert_eq!(log[0]["outcome"], "failed");
        assert_eq!(log[0]["status_code"], Value::Null);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        receiver.deliveries().is_empty(),
        "nothing reached the private address"
    );
    strict.stop().await;
}
