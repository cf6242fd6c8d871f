//! The `webhooks` role: the fan-out loop, the sender, and the hourly pruning of the
//! deliveries log, all stopping with the process's one shutdown signal.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::fanout::{Fanout, WEBHOOKS};
use super::sender::Sender;
use super::settings::WebhookSettings;
use crate::clock::Clock;
use crate::projections::Consumer;
use crate::secrets::SecretCipher;
use crate::store::{AppendSignal, FeedCursor};

/// Starts the role's loops; their handles end after `shutdown`.
pub fn start(
    pool: Pool,
    appends: AppendSignal,
    clock: Arc<dyn Clock>,
    cipher: SecretCipher,
    settings: WebhookSettings,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let wake = Arc::new(Notify::new());
    let first_delay = settings.retry_schedule.first().copied().unwrap_or_default();
    let fanout = Consumer::new(WEBHOOKS, Fanout::new(clock.clone(), first_delay));
    let sender = Sender::new(
        pool.clone(),
        cipher,
        clock.clone(),
        settings.clone(),
        appends.clone(),
    )
    .map_err(|error| anyhow::anyhow!("the webhook client cannot start: {error}"))?;
    Ok(vec![
        tokio::spawn(run_fanout(
            pool.clone(),
            fanout,
            appends,
            wake.clone(),
            settings.poll,
            shutdown.clone(),
        )),
        tokio::spawn(Arc::new(sender).run(wake, shutdown.clone())),
        tokio::spawn(run_prune(pool, clock, settings.log_days, shutdown)),
    ])
}

/// Fans out whatever was committed: at once after this process commits, and every `poll`
/// for what other instances commit. Wakes the sender when messages may have been made.
async fn run_fanout(
    pool: Pool,
    fanout: Consumer<Fanout>,
    appends: AppendSignal,
    sender: Arc<Notify>,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut commits = appends.follow();
    let mut reached = FeedCursor::START;
    let mut pause = poll;
    loop {
        let failing = match fanout.catch_up(&pool).await {
            Ok(cursor) => {
                pause = poll;
                if cursor > reached {
                    reached = cursor;
                    sender.notify_one();
                }
                false
            }
            Err(error) => {
                pause = (pause * 2).min(Duration::from_secs(30));
                tracing::error!(%error, retry_in_ms = pause.as_millis() as u64,
                    "the webhook fan-out failed");
                true
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            changed = commits.changed(), if !failing => {
                if changed.is_err() {
                    // the writer is gone: polling alone from now on
                    commits = appends.follow();
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Deletes finished messages (and their attempts) older than `log_days`, hourly.
async fn run_prune(
    pool: Pool,
    clock: Arc<dyn Clock>,
    log_days: u32,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let before = clock.now() - chrono::Duration::days(i64::from(log_days));
        let pruned = async {
            pool.get()
                .await?
                .execute(
                    "DELETE FROM webhook_messages WHERE finished_at < $1",
                    &[&before],
                )
                .await
                .map_err(anyhow::Error::from)
        };
        match pruned.await {
            Ok(0) => {}
            Ok(count) => tracing::info!(messages = count, "old webhook messages pruned"),
            Err(error) => tracing::warn!(%error, "pruning webhook messages failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
