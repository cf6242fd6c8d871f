//! What every handler shares.

use std::sync::Arc;

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;

use crate::clock::Clock;
use crate::domain::policy::Policy;
use crate::domain::run::Run;
use crate::domain::schedule::Schedule;
use crate::domain::tenant::Tenant;
use crate::domain::token::ApiToken;
use crate::domain::webhook::Webhook;
use crate::graph::GraphClient;
use crate::scheduler::WriteVisibility;
use crate::secrets::SecretCipher;
use crate::store::{latest_committed, upcasters, AggregateStore, AppendSignal, PgEventRepository};
use crate::webhooks::WebhookSettings;

pub struct AppState {
    pub pool: Pool,
    pub secrets: SecretCipher,
    pub clock: Arc<dyn Clock>,
    pub tenants: AggregateStore<Tenant>,
    pub schedules: AggregateStore<Schedule>,
    pub runs: AggregateStore<Run>,
    pub tokens: AggregateStore<ApiToken>,
    pub policies: AggregateStore<Policy>,
    pub webhooks: AggregateStore<Webhook>,
    /// What webhook URLs may point at and how long a rotated secret still signs.
    pub webhook_settings: WebhookSettings,
    /// SHA-256 of `TENANTPILOT_ADMIN_TOKEN`, when set.
    pub bootstrap_admin_hash: Option<Vec<u8>>,
    /// Commits of this process's writer: a write's read-your-writes target.
    pub appends: AppendSignal,
    /// When the read models show what was committed.
    pub visibility: WriteVisibility,
    /// How stored events of older schema versions are read (the audit feed shows them
    /// as every consumer does).
    pub upcasters: Vec<Box<dyn EventUpcaster>>,
    /// Reads the live target when a restore is planned or applied (None: restores answer
    /// 503 in this process).
    pub graph: Option<GraphClient>,
    /// `TENANTPILOT_RESTORE_APPROVALS`: admins needed to apply a restore, the applier included.
    pub restore_approvals: u32,
}

impl AppState {
    pub fn new(
        repository: PgEventRepository,
        clock: Arc<dyn Clock>,
        secrets: SecretCipher,
        visibility: WriteVisibility,
    ) -> Self {
        Self {
            pool: repository.pool().clone(),
            appends: repository.appends().clone(),
            tenants: AggregateStore::new(repository.clone(), ()),
            schedules: AggregateStore::new(repository.clone(), ()),
            runs: AggregateStore::new(repository.clone(), ()),
            tokens: AggregateStore::new(repository.clone(), ()),
            policies: AggregateStore::new(repository.clone(), ()),
            webhooks: AggregateStore::new(repository, ()),
            webhook_settings: WebhookSettings::default(),
            bootstrap_admin_hash: None,
            visibility,
            upcasters: upcasters(),
            graph: None,
            restore_approvals: 1,
            clock,
            secrets,
        }
    }

    /// Accepts `token` as an admin token (`TENANTPILOT_ADMIN_TOKEN`).
    pub fn with_bootstrap_admin(mut self, token: Option<&str>) -> Self {
        self.bootstrap_admin_hash = token.map(crate::auth::hash);
        self
    }

    /// The Graph client restores plan with, and how many admins must agree to apply one.
    pub fn with_restores(mut self, graph: GraphClient, approvals: u32) -> Self {
        self.graph = Some(graph);
        self.restore_approvals = approvals;
        self
    }

    /// The webhook settings of this process (`TENANTPILOT_WEBHOOK_*`).
    pub fn with_webhooks(mut self, settings: WebhookSettings) -> Self {
        self.webhook_settings = settings;
        self
    }

    /// Waits (bounded) until what this request committed is in the read models. False when
    /// the consumers did not get there in time: the write stands, but a read may not show
    /// it yet.
    pub async fn committed_is_visible(&self) -> bool {
        self.visibility
            .wait_for(self.appends.committed_cursor())
            .await
    }

    /// Waits (bounded) until everything any process has committed so far is in the read
    /// models, reactions included. False when it did not get there in time, or the
    /// database could not be asked.
    pub async fn everything_is_visible(&self) -> bool {
        let head = match self.pool.get().await {
            Ok(client) => latest_committed(&client).await.ok(),
            Err(_) => None,
        };
        match head {
            Some(head) => self.visibility.wait_for(head).await,
            None => false,
        }
    }
}
