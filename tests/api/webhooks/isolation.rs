//! One slow endpoint never delays the others: it holds only its own share of the attempts
//! in flight.

use std::time::{Duration, Instant};

use super::receiver::{Answer, Receiver};
use super::support::{delivering, subscribe};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_slow_endpoint_does_not_delay_a_fast_one() {
    let app = spawn_app_with(|name| match name {
        "TENANTPILOT_WEBHOOK_TIMEOUT_MS" => Some("10000".to_owned()),
        _ => delivering(name),
    })
    .await;
    let slow = Receiver::start(Answer::Slow(Duration::from_secs(4))).await;
    let fast = Receiver::start(Answer::Status(200)).await;
    subscribe(&app, &slow.url("/"), &["backup_schedule.changed"]).await;
    subscribe(&app, &fast.url("/"), &["backup_schedule.changed"]).await;
    let started = Instant::now();
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    for index in 0..30 {
        let response = app
            .create_schedule(
                tenant_id,
                &crate::helpers::nightly(&format!("Nightly {index}")),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let delivered = fast.wait_for(30, Duration::from_secs(20)).await;
    let fast_done = started.elapsed();
    assert_eq!(delivered.len(), 30);
    // the slow one takes 4 s per attempt, 8 at a time: 30 need 16 s at least
    let slow_so_far = slow.deliveries().len();
    assert!(
        slow_so_far < 30,
        "the fast endpoint finished ({fast_done:?}) while the slow one had {slow_so_far}"
    );
    assert!(
        fast_done < Duration::from_secs(6),
        "fast deliveries took {fast_done:?}"
    );
}
