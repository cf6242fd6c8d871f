//! Running the notifier: a loop of its own beside the other consumers (role `consumers`),
//! woken each time they settle, and polling for what other instances project.
//!
//! It is not one of `scheduler::CONSUMER_NAMES`, which a write waits for before answering:
//! no response shows a notification, so no request should wait for one (nor fail to 202
//! because the notifier is slow). It reads the read models (tokens, runs, schedules), so
//! it follows the projector's checkpoint and never gets ahead of it.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::watch;

use super::notifier::{Notifier, NOTIFICATIONS};
use crate::projections::{Consumer, READ_MODELS};
use crate::store::FeedCursor;

/// The notifier as a checkpointed consumer that never passes the read models.
pub fn consumer() -> Consumer<Notifier> {
    Consumer::new(NOTIFICATIONS, Notifier).following(READ_MODELS)
}

/// Catches up after every settled pass of this process's consumers (`settled`) and at
/// least every `interval`, until shutdown. A failure is logged and retried with a growing
/// pause (30 s at most), as the other consumers do.
pub async fn follow(
    pool: Pool,
    mut settled: watch::Receiver<FeedCursor>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let notifier = consumer();
    let mut pause = interval;
    // false once this process's consumers stopped: polling alone from then on
    let mut woken_by_passes = true;
    loop {
        let failing = match notifier.catch_up(&pool).await {
            Ok(_) => {
                pause = interval;
                false
            }
            Err(error) => {
                pause = (pause * 2).min(Duration::from_secs(30));
                tracing::error!(%error, retry_in_ms = pause.as_millis() as u64, "the notifier failed");
                true
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            passed = settled.changed(), if woken_by_passes && !failing => {
                woken_by_passes = passed.is_ok();
            }
            _ = shutdown.changed() => return,
        }
    }
}
