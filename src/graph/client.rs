//! PLACEHOLDER, replaced by the real client (issue 8, part 1): the signatures the run
//! executor is written against. Every call fails until then.

use std::time::Duration;

use super::types::{FetchedType, GraphError, GraphErrorCode, TenantCredentials};

/// How the client talks to Graph.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// Graph base URL; the client appends `/beta/...`.
    pub graph_url: String,
    /// Token authority; the client appends `/{azure_tenant_id}/oauth2/v2.0/token`.
    pub login_url: String,
    /// Requests in flight at once for one tenant.
    pub per_tenant_concurrency: usize,
    /// Requests in flight at once over every tenant.
    pub total_concurrency: usize,
    /// Requests one tenant may start per 20 s (Intune allows about 1,000).
    pub requests_per_20s: u32,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Attempts per request at most (429/503/504 and transient failures are retried).
    pub max_attempts: u32,
    /// Total time one request may spend waiting between retries.
    pub max_retry_wait: Duration,
}

impl GraphSettings {
    pub fn new(graph_url: impl Into<String>, login_url: impl Into<String>) -> Self {
        Self {
            graph_url: graph_url.into(),
            login_url: login_url.into(),
            per_tenant_concurrency: 4,
            total_concurrency: 32,
            requests_per_20s: 800,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_attempts: 6,
            max_retry_wait: Duration::from_secs(120),
        }
    }
}

#[derive(Clone)]
pub struct GraphClient {
    settings: GraphSettings,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<Self, GraphError> {
        Ok(Self { settings })
    }

    pub fn settings(&self) -> &GraphSettings {
        &self.settings
    }

    /// Obtains (or reuses) the tenant's token and checks its `roles` claim: the preflight.
    pub async fn check_access(&self, _credentials: &TenantCredentials) -> Result<(), GraphError> {
        Err(GraphError::new(
            GraphErrorCode::Internal,
            "the Graph client is not built yet",
        ))
    }

    /// Every object of one catalog type or foundation (`key` from the policy-type catalog),
    /// with its full content.
    pub async fn fetch(
        &self,
        _credentials: &TenantCredentials,
        _key: &str,
    ) -> Result<FetchedType, GraphError> {
        Err(GraphError::new(
            GraphErrorCode::Internal,
            "the Graph client is not built yet",
        ))
    }
}
