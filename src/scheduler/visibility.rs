//! Read-your-writes without doing the consumers' work on the request path: after a write
//! commits, its handler waits (bounded) until the consumers have settled past the write's
//! position, then reads the read model. The wait holds no database connection.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::watch;

use super::consumers::CONSUMER_NAMES;
use crate::db::CachedStatements;

/// How often a process without consumers of its own looks at the shared checkpoints.
const CHECKPOINT_POLL: Duration = Duration::from_millis(20);

pub struct WriteVisibility {
    source: Source,
    timeout: Duration,
}

enum Source {
    /// This process runs the consumers: their settled position, pushed after each pass.
    Local(watch::Receiver<i64>),
    /// Other processes run them: their checkpoints, polled.
    Checkpoints(Pool),
}

impl WriteVisibility {
    pub fn local(settled: watch::Receiver<i64>, timeout: Duration) -> Self {
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

    /// Waits until everything up to `position`, and every event written in reaction to it,
    /// is in the read models; gives up after the timeout. True when it got there.
    pub async fn wait_for(&self, position: i64) -> bool {
        position <= 0
            || tokio::time::timeout(self.timeout, self.reached(position))
                .await
                .is_ok()
    }

    async fn reached(&self, position: i64) {
        match &self.source {
            Source::Local(settled) => {
                let mut settled = settled.clone();
                if settled.wait_for(|at| *at >= position).await.is_err() {
                    // the consumers stopped (shutdown): it will not get there
                    std::future::pending::<()>().await;
                }
            }
            Source::Checkpoints(pool) => loop {
                if settled_checkpoint(pool)
                    .await
                    .is_some_and(|at| at >= position)
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
async fn settled_checkpoint(pool: &Pool) -> Option<i64> {
    let client = pool.get().await.ok()?;
    let names: Vec<&str> = CONSUMER_NAMES.to_vec();
    let row = client
        .query_one_cached(
            "SELECT count(*), coalesce(min(position), 0) FROM consumer_checkpoints
             WHERE name = ANY($1)",
            &[&names],
        )
        .await
        .ok()?;
    (row.get::<_, i64>(0) == CONSUMER_NAMES.len() as i64).then(|| row.get(1))
}
