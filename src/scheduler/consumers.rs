//! Every consumer of the global feed, run in a fixed order: the run creator first, so that
//! the read-model projector sees the runs it queued in the same pass.

use std::sync::Mutex;

use deadpool_postgres::Pool;
use tokio::sync::watch;

use super::retention::{Retention, RETENTION};
use super::run_creator::{RunCreator, RUN_CREATOR};
use super::run_recorder::{RunRecorder, RUN_RECORDER};
use crate::projections::{Consumer, ConsumerError, Reaction, ReadModels, READ_MODELS};
use crate::store::FeedCursor;

/// Events per transaction of the consumers a herd of claims passes through: each of their
/// batches is a few statements whatever its size (one append of all the runs it queues,
/// one write per read-model table), so bigger batches cost less per event.
const HERD_BATCH: i64 = 2_000;

/// The checkpoint names of every consumer a write's effects pass through, in pass order.
pub const CONSUMER_NAMES: [&str; 4] = [RUN_CREATOR, RUN_RECORDER, RETENTION, READ_MODELS];

pub struct Consumers {
    pub run_creator: Consumer<RunCreator>,
    pub run_recorder: Consumer<RunRecorder>,
    /// After the run recorder, whose `RunRecorded` it reacts to in the same pass.
    pub retention: Consumer<Retention>,
    pub read_models: Consumer<ReadModels>,
    settled: watch::Sender<FeedCursor>,
    /// Reactions appended by the first three that the read models have not reached yet.
    unprojected: Mutex<Vec<Reaction>>,
}

impl Default for Consumers {
    fn default() -> Self {
        Self::new()
    }
}

impl Consumers {
    pub fn new() -> Self {
        Self {
            run_creator: Consumer::new(RUN_CREATOR, RunCreator)
                .with_batch_size(HERD_BATCH)
                .reacting(),
            run_recorder: Consumer::new(RUN_RECORDER, RunRecorder::default()).reacting(),
            retention: Consumer::new(RETENTION, Retention::default()).reacting(),
            read_models: Consumer::new(READ_MODELS, ReadModels).with_batch_size(HERD_BATCH),
            settled: watch::Sender::new(FeedCursor::START),
            unprojected: Mutex::new(Vec::new()),
        }
    }

    /// Applies everything committed so far, in dependency order, and returns the settled
    /// place in the feed: every event up to it, and every event written in reaction to
    /// those, is in the read models. The projector runs last, but its horizon may stop
    /// short of reactions the others just appended (an older transaction still running):
    /// until it passes them, the settled place stays before the events they react to.
    pub async fn catch_up(&self, pool: &Pool) -> Result<FeedCursor, ConsumerError> {
        let mut reactions = Vec::new();
        let created = self
            .run_creator
            .catch_up_reporting(pool, &mut reactions)
            .await?;
        let recorded = self
            .run_recorder
            .catch_up_reporting(pool, &mut reactions)
            .await?;
        let retained = self
            .retention
            .catch_up_reporting(pool, &mut reactions)
            .await?;
        let projected = self.read_models.catch_up(pool).await?;
        let waiting_for_reactions = {
            let mut unprojected = self
                .unprojected
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            unprojected.extend(reactions);
            unprojected.retain(|reaction| reaction.appended > projected);
            unprojected.iter().map(|reaction| reaction.after).min()
        };
        let settled = [created, recorded, retained, projected]
            .into_iter()
            .chain(waiting_for_reactions)
            .min()
            .unwrap_or(FeedCursor::START);
        self.settled.send_if_modified(|current| {
            let advanced = settled > *current;
            *current = (*current).max(settled);
            advanced
        });
        Ok(settled)
    }

    /// Follows the settled place of this process's passes.
    pub fn settled(&self) -> watch::Receiver<FeedCursor> {
        self.settled.subscribe()
    }
}
