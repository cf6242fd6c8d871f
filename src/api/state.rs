//! What every handler shares.

use std::sync::Arc;

use deadpool_postgres::Pool;

use super::error::ApiError;
use crate::clock::Clock;
use crate::domain::run::Run;
use crate::domain::schedule::Schedule;
use crate::domain::tenant::Tenant;
use crate::scheduler::Consumers;
use crate::store::{AggregateStore, PgEventRepository};

pub struct AppState {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub tenants: AggregateStore<Tenant>,
    pub schedules: AggregateStore<Schedule>,
    pub runs: AggregateStore<Run>,
    pub consumers: Consumers,
}

impl AppState {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>) -> Self {
        let repository = PgEventRepository::new(pool.clone());
        Self {
            tenants: AggregateStore::new(repository.clone(), ()),
            schedules: AggregateStore::new(repository.clone(), ()),
            runs: AggregateStore::new(repository.clone(), ()),
            consumers: Consumers::new(repository),
            pool,
            clock,
        }
    }

    /// Brings the consumers (run creation, read models) up to date with everything committed
    /// so far, so the response to a write (and any read after it) shows the new state.
    pub async fn catch_up(&self) -> Result<(), ApiError> {
        self.consumers.catch_up(&self.pool).await?;
        Ok(())
    }
}
