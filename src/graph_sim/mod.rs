//! The Graph simulator: a real HTTP server that behaves like Microsoft's login endpoint and
//! Graph beta for every policy type and foundation of the catalog, with deterministic
//! synthetic tenants, content changes on request, injected faults and request statistics.
//! Tests start it on port 0; `tenantpilot graph-sim` and `serve --demo` run the demo tenant.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use tenantpilot::graph_sim::{GraphSimulator, SimConfig};
//! let sim = GraphSimulator::start(SimConfig::demo(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("Graph at {}, login at {}", sim.graph_url(), sim.login_url());
//! sim.stop().await;
//! # Ok(()) }
//! ```

mod catalog;
mod config;
mod content;
mod errors;
mod faults;
mod ordering;
mod paging;
mod routes;
mod state;
mod stats;
mod store;
mod tokens;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use chrono::Utc;
use serde::Serialize;

pub use catalog::is_singleton;
pub use config::{default_roles, write_roles, SimConfig, SimConfigError, TenantConfig};
pub use content::{BUILT_IN_ROLES, BUILT_IN_STRENGTHS, GLOBAL_REMEDIATIONS, SIMULATED_SECRET};
pub use faults::{Fault, AADSTS_CODES};
pub use routes::GROUP_NAMES;
pub use state::{Changed, SimError};
pub use stats::{ObjectWrites, SimStats, StatsSnapshot, TenantStats, ThrottleRecord, WriteStats};
pub use tokens::claims as token_claims;

use state::{static_key, SimState};

/// Starts simulators.
pub struct GraphSimulator;

impl GraphSimulator {
    /// Binds `bind` (port 0 picks a free port) and serves `config` until stopped.
    pub async fn start(config: SimConfig, bind: SocketAddr) -> std::io::Result<RunningSimulator> {
        config.validate().map_err(|error| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, error.to_string())
        })?;
        let workers = config.workers;
        let state = Arc::new(SimState::new(config));
        let data = web::Data::from(state.clone());
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(routes::configure)
        })
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let server_handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(%addr, "Graph simulator listening");
        Ok(RunningSimulator {
            addr,
            server: server_handle,
            task,
            handle: SimHandle { state },
        })
    }
}

/// A simulator serving in the background.
pub struct RunningSimulator {
    addr: SocketAddr,
    server: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    handle: SimHandle,
}

impl RunningSimulator {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Graph base URL; the client appends `/beta/...`.
    pub fn graph_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token authority; the client appends `/{azure_tenant_id}/oauth2/v2.0/token`.
    pub fn login_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A clonable handle to change and observe the simulation.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    pub fn stats(&self) -> SimStats {
        self.handle.stats()
    }

    pub fn mutate(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
        index: usize,
    ) -> Result<Changed, SimError> {
        self.handle.mutate(azure_tenant_id, policy_type, index)
    }

    pub fn set_faults(&self, azure_tenant_id: &str, faults: Vec<Fault>) -> Result<(), SimError> {
        self.handle.set_faults(azure_tenant_id, faults)
    }

    /// Stops accepting requests, lets in-flight ones finish, and returns.
    pub async fn stop(self) {
        self.server.stop(true).await;
        let _ = self.task.await;
    }

    /// Serves until `stop` completes (the command line passes Ctrl-C).
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        self.stop().await;
    }
}

/// One tenant as `GET /_sim/tenants` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TenantSummary {
    pub azure_tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub display_name: Option<String>,
    /// Objects per catalog key as they stand now.
    pub counts: BTreeMap<String, usize>,
}

/// One object of a simulated collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectSummary {
    /// The generation index (what `mutate` and `delete` take).
    pub index: usize,
    pub id: String,
    pub display_name: String,
    pub revision: u32,
}

/// Changes and observes a running simulation; clones share it.
#[derive(Clone)]
pub struct SimHandle {
    state: Arc<SimState>,
}

impl SimHandle {
    pub(crate) fn from_state(state: Arc<SimState>) -> Self {
        Self { state }
    }

    pub fn stats(&self) -> SimStats {
        self.state.stats.clone()
    }

    pub fn tenants(&self) -> Vec<TenantSummary> {
        let mut tenants: Vec<TenantSummary> = self
            .state
            .tenants()
            .map(|tenant| TenantSummary {
                azure_tenant_id: tenant.config.azure_tenant_id.clone(),
                client_id: tenant.config.client_id.clone(),
                client_secret: tenant.config.client_secret.clone(),
                display_name: tenant.config.display_name.clone(),
                counts: catalog::COLLECTIONS
                    .iter()
                    .map(|c| (c.key.to_owned(), tenant.snapshot(c.key).items.len()))
                    .collect(),
            })
            .collect();
        tenants.sort_by(|a, b| a.azure_tenant_id.cmp(&b.azure_tenant_id));
        tenants
    }

    /// The objects of one type as Graph lists them now (ids for assertions).
    pub fn objects(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
    ) -> Result<Vec<ObjectSummary>, SimError> {
        let tenant = self.state.tenant_or_error(azure_tenant_id)?;
        let snapshot = tenant.snapshot(static_key(policy_type)?);
        Ok(snapshot
            .items
            .iter()
            .map(|item| ObjectSummary {
                index: item.index,
                id: item.detail["id"].as_str().unwrap_or_default().to_owned(),
                display_name: item.detail["displayName"]
                    .as_str()
                    .or_else(|| item.detail["name"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                revision: item.revision,
            })
            .collect())
    }

    /// Bumps object `index`'s revision (a setting value, `lastModifiedDateTime`, `version`).
    pub fn mutate(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
        index: usize,
    ) -> Result<Changed, SimError> {
        self.state
            .tenant_or_error(azure_tenant_id)?
            .mutate(static_key(policy_type)?, index)
    }

    /// Deletes object `index` (gone from the list and the detail).
    pub fn delete(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
        index: usize,
    ) -> Result<Changed, SimError> {
        self.state
            .tenant_or_error(azure_tenant_id)?
            .delete(static_key(policy_type)?, index)
    }

    /// Adds `count` objects at the end of the type's list.
    pub fn add(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
        count: usize,
    ) -> Result<Vec<Changed>, SimError> {
        Ok(self
            .state
            .tenant_or_error(azure_tenant_id)?
            .add(static_key(policy_type)?, count))
    }

    /// Adds `object` to the type's list exactly as given (bad input: an unknown
    /// `@odata.type`, no id, a huge body); returns its index.
    pub fn inject(
        &self,
        azure_tenant_id: &str,
        policy_type: &str,
        object: serde_json::Value,
    ) -> Result<usize, SimError> {
        Ok(self
            .state
            .tenant_or_error(azure_tenant_id)?
            .inject(static_key(policy_type)?, object))
    }

    /// Replaces the tenant's faults (counted faults start again from their counts).
    pub fn set_faults(&self, azure_tenant_id: &str, faults: Vec<Fault>) -> Result<(), SimError> {
        self.state
            .tenant_or_error(azure_tenant_id)?
            .set_faults(faults)
    }

    pub fn faults(&self, azure_tenant_id: &str) -> Result<Vec<Fault>, SimError> {
        Ok(self
            .state
            .tenant_or_error(azure_tenant_id)?
            .with_faults(|f| f.faults()))
    }

    /// Expires every token issued for the tenant (the next Graph call answers 401).
    pub fn expire_tokens(&self, azure_tenant_id: &str) -> Result<usize, SimError> {
        self.state.tenant_or_error(azure_tenant_id)?;
        Ok(self.state.tokens.expire_all(azure_tenant_id, Utc::now()))
    }
}
