//! A secret rotation: during the overlap every message carries both signatures, each valid
//! for its secret; after it, only the new secret's.

use std::time::Duration;

use chrono::Duration as Span;
use serde_json::Value;

use super::receiver::{Answer, Receiver};
use super::support::{advance, subscribe, tenant_with_schedule, webhook_app};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_until_the_overlap_ends() {
    let app = webhook_app().await;
    let receiver = Receiver::start(Answer::Status(200)).await;
    let (webhook, old) = subscribe(&app, &receiver.url("/"), &["backup_schedule.changed"]).await;
    let (tenant, schedule) = tenant_with_schedule(&app, "Contoso").await;
    let before = receiver.wait_for(1, WAIT).await;
    assert_eq!(before[0].signatures().len(), 1);
    assert!(before[0].signed_by(&old));

    let rotated: Value = app
        .post_empty(&format!("/api/v1/webhooks/{webhook}/rotate-secret"))
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tenants/{tenant}/backup-schedules/{schedule}");
    assert_eq!(
        app.post_empty(&format!("{path}/disable")).await.status(),
        200
    );
    let during = receiver.wait_for(2, WAIT).await;
    let overlap = &during[1];
    assert_eq!(overlap.signatures().len(), 2, "{}", overlap.signature);
    assert!(overlap.signed_by(&new));
    assert!(overlap.signed_by(&old));
    // each signature is one secret's: the new one first
    let mut only_first = overlap.clone();
    only_first.signature = overlap.signature.split(' ').next().unwrap().to_owned();
    assert!(only_first.signed_by(&new) && !only_first.signed_by(&old));

    advance(&app.clock, Span::hours(24) + Span::seconds(1));
    assert_eq!(
        app.post_empty(&format!("{path}/enable")).await.status(),
        200
    );
    let after = receiver.wait_for(3, WAIT).await;
    assert_eq!(after[2].signatures().len(), 1);
    assert!(after[2].signed_by(&new));
    assert!(!after[2].signed_by(&old));
}
