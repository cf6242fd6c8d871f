//! Read-your-writes without doing the consumers' work on the request path: after a write
//! commits, its handler waits (bounded) until the consumers have settled past the write's
//! place in the feed, then reads the read model. The wait holds no database connection.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::watch;

use super::consumers::CONSUMER_NAMES;
use crate::db::CachedStatements;
use crate::store::FeedCursor;

/// How often a process without consumers of its own looks at the shared checkpoints.
const CHECKPOINT_POLL: Duration = Duration::from_millis(20);

pub struct WriteVisibility {
    source: Source,
    timeout: Duration,
}

enum Source {
    /// This process runs the consumers: their settled place, pushed after each pass.
    Local(watch::Receiver<FeedCursor>),
    /// Other processes run them: their checkpoints, polled.
    Checkpoints(Pool),
}

impl WriteVisibility {
    pub fn local(settled: watch::Receiver<FeedCursor>, timeout: Duration) -> Self {
        Self {
            source: Source::Local(settled),
            timeout,
        }
    }

    pub fn from_checkpoints(pool: Pool, timeout: Duration) -> Self {
        Self {
            source: Source::Checkpoints(pool),
            timeout,
        }
    }

    /// Waits until everything up to `cursor`, and every event written in reaction to it,
    /// is in the read models; gives up after the timeout. True when it got there.
    pub async fn wait_for(&self, cursor: FeedCursor) -> bool {
        cursor.is_start()
            || tokio::time::timeout(self.timeout, self.reached(cursor))
                .await
                .is_ok()
    }

    async fn reached(&self, cursor: FeedCursor) {
        match &self.source {
            Source::Local(settled) => {
                let mut settled = settled.clone();
                if settled.wait_for(|at| *at >= cursor).await.is_err() {
                    // the consumers stopped (shutdown): it will not get there
                    std::future::pending::<()>().await;
                }
            }
            Source::Checkpoints(pool) => loop {
                if settled_checkpoint(pool)
                    .await
                    .is_some_and(|at| at >= cursor)
                {
                    return;
                }
                tokio::time::sleep(CHECKPOINT_POLL).await;
            },
        }
    }
}

/// The lowest checkpoint of the consumers a write passes through; none while any of them
/// has never run, or when the database cannot be asked right now.
async fn settled_checkpoint(pool: &Pool) -> Option<FeedCursor> {
    let client = pool.get().await.ok()?;
    let names: Vec<&str> = CONSUMER_NAMES.to_vec();
    let rows = client
        .query_cached(
            "SELECT transaction_id, position FROM consumer_checkpoints WHERE name = ANY($1)",
            &[&names],
        )
        .await
        .ok()?;
    drop(client);
    let checkpoints = rows.iter().map(|row| FeedCursor::from_row(row, 0));
    (rows.len() == CONSUMER_NAMES.len())
        .then(|| checkpoints.min())
        .flatten()
}
