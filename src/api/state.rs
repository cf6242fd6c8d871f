//! What every handler shares.

use std::sync::Arc;

use deadpool_postgres::Pool;

use super::error::ApiError;
use crate::clock::Clock;
use crate::domain::run::Run;
use crate::domain::schedule::Schedule;
use crate::domain::tenant::Tenant;
use crate::domain::token::ApiToken;
use crate::scheduler::Consumers;
use crate::secrets::SecretCipher;
use crate::store::{AggregateStore, PgEventRepository};

pub struct AppState {
    pub pool: Pool,
    pub secrets: SecretCipher,
    pub clock: Arc<dyn Clock>,
    pub tenants: AggregateStore<Tenant>,
    pub schedules: AggregateStore<Schedule>,
    pub runs: AggregateStore<Run>,
    pub tokens: AggregateStore<ApiToken>,
    /// SHA-256 of `TENANTPILOT_ADMIN_TOKEN`, when set.
    pub bootstrap_admin_hash: Option<Vec<u8>>,
    pub consumers: Consumers,
}

impl AppState {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>, secrets: SecretCipher) -> Self {
        let repository = PgEventRepository::new(pool.clone());
        Self {
            tenants: AggregateStore::new(repository.clone(), ()),
            schedules: AggregateStore::new(repository.clone(), ()),
            runs: AggregateStore::new(repository.clone(), ()),
            tokens: AggregateStore::new(repository.clone(), ()),
            bootstrap_admin_hash: None,
            consumers: Consumers::new(repository),
            pool,
            clock,
            secrets,
        }
    }

    /// Accepts `token` as an admin token (`TENANTPILOT_ADMIN_TOKEN`).
    pub fn with_bootstrap_admin(mut self, token: Option<&str>) -> Self {
        self.bootstrap_admin_hash = token.map(crate::auth::hash);
        self
    }

    /// Brings the consumers (run creation, read models) up to date with everything committed
    /// so far, so the response to a write (and any read after it) shows the new state.
    pub async fn catch_up(&self) -> Result<(), ApiError> {
        self.consumers.catch_up(&self.pool).await?;
        Ok(())
    }
}
