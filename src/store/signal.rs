//! What this process has appended: the highest position its writer committed (a write's
//! read-your-writes target) and a wake-up for this process's consumers, so a new event is
//! projected at once instead of at their next poll.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, Notify};

#[derive(Clone, Default)]
pub struct AppendSignal {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    committed: AtomicI64,
    appended: Notify,
    /// Counts commits and wakes for any number of followers (the `appended` wake-up is
    /// for one waiter: the consumers' loop).
    commits: watch::Sender<u64>,
}

impl AppendSignal {
    /// The highest position committed through this process's writer so far. Read after a
    /// command returns, it is at least the position of that command's last event.
    pub fn committed_position(&self) -> i64 {
        self.inner.committed.load(Ordering::Acquire)
    }

    pub(super) fn committed(&self, position: i64) {
        self.inner.committed.fetch_max(position, Ordering::AcqRel);
        // a stored permit when nobody waits: the next wait returns at once, nothing is lost
        self.inner.appended.notify_one();
        self.inner.commits.send_modify(|count| *count += 1);
    }

    /// Wakes this process's consumers for a commit made outside the writer (a worker's own
    /// transaction), so what it wrote is projected at once.
    pub fn wake(&self) {
        self.inner.appended.notify_one();
        self.inner.commits.send_modify(|count| *count += 1);
    }

    /// Follows this process's commits (and wakes) without taking the consumers' wake-up:
    /// `changed()` completes after the next one. Any number of followers.
    pub fn follow(&self) -> watch::Receiver<u64> {
        self.inner.commits.subscribe()
    }

    /// Completes after the next commit (or at once if one happened since the last wait).
    pub async fn appended(&self) {
        self.inner.appended.notified().await;
    }
}
