//! What this process has appended: the furthest place in the feed its writer committed (a
//! write's read-your-writes target) and a wake-up for this process's consumers, so a new event is
//! projected at once instead of at their next poll.

use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Notify};

use super::cursor::FeedCursor;

#[derive(Clone, Default)]
pub struct AppendSignal {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    committed: Mutex<FeedCursor>,
    appended: Notify,
    /// Counts commits and wakes for any number of followers (the `appended` wake-up is
    /// for one waiter: the consumers' loop).
    commits: watch::Sender<u64>,
}

impl AppendSignal {
    /// The furthest place in the feed committed through this process's writer so far. Read
    /// after a command returns, it is at least that of the command's last event.
    pub fn committed_cursor(&self) -> FeedCursor {
        *self
            .inner
            .committed
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub(super) fn committed(&self, cursor: FeedCursor) {
        {
            let mut committed = self
                .inner
                .committed
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            *committed = (*committed).max(cursor);
        }
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
