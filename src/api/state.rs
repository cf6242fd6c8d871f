//! What every handler shares.

use std::sync::Arc;

use deadpool_postgres::Pool;

use super::error::ApiError;
use crate::clock::Clock;
use crate::domain::schedule::Schedule;
use crate::domain::tenant::Tenant;
use crate::projections::{Consumer, ReadModels, READ_MODELS};
use crate::store::{AggregateStore, PgEventRepository};

pub struct AppState {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub tenants: AggregateStore<Tenant>,
    pub schedules: AggregateStore<Schedule>,
    pub read_models: Consumer<ReadModels>,
}

impl AppState {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>) -> Self {
        let repository = PgEventRepository::new(pool.clone());
        Self {
            tenants: AggregateStore::new(repository.clone(), ()),
            schedules: AggregateStore::new(repository, ()),
            read_models: Consumer::new(READ_MODELS, ReadModels),
            pool,
            clock,
        }
    }

    /// Brings the read models up to date with everything committed so far, so the response
    /// to a write (and any read after it) shows the new state.
    pub async fn catch_up(&self) -> Result<(), ApiError> {
        self.read_models.catch_up(&self.pool).await?;
        Ok(())
    }
}
