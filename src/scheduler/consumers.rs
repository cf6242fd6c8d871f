//! Every consumer of the global feed, run in a fixed order: the run creator first, so that
//! the read-model projector sees the runs it queued in the same pass.

use deadpool_postgres::Pool;

use super::run_creator::{RunCreator, RUN_CREATOR};
use super::run_recorder::{RunRecorder, RUN_RECORDER};
use crate::projections::{Consumer, ConsumerError, ReadModels, READ_MODELS};
use crate::store::PgEventRepository;

pub struct Consumers {
    pub run_creator: Consumer<RunCreator>,
    pub run_recorder: Consumer<RunRecorder>,
    pub read_models: Consumer<ReadModels>,
}

impl Consumers {
    pub fn new(repository: PgEventRepository) -> Self {
        Self {
            run_creator: Consumer::new(RUN_CREATOR, RunCreator),
            run_recorder: Consumer::new(RUN_RECORDER, RunRecorder::new(repository)),
            read_models: Consumer::new(READ_MODELS, ReadModels),
        }
    }

    /// Applies everything committed so far, in dependency order.
    pub async fn catch_up(&self, pool: &Pool) -> Result<(), ConsumerError> {
        self.run_creator.catch_up(pool).await?;
        self.run_recorder.catch_up(pool).await?;
        self.read_models.catch_up(pool).await?;
        Ok(())
    }
}
