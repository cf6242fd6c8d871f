//! The Graph client the run executor reads tenants with: one `reqwest` client (timeouts,
//! user agent, rustls on ring), per-tenant token cache, concurrency bounds and pacing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;

use super::fetch;
use super::pacing::Limits;
use super::paging::Reader;
use super::settings::GraphSettings;
use super::tls::install_tls_provider;
use super::tokens::TokenCache;
use super::types::{FetchedType, GraphError, GraphErrorCode, TenantCredentials};

const USER_AGENT: &str = concat!("TenantPilot/", env!("CARGO_PKG_VERSION"));

#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

/// Shared by every clone of the client (and so by every run of a process).
pub(crate) struct Inner {
    pub settings: GraphSettings,
    pub http: reqwest::Client,
    pub tokens: TokenCache,
    pub limits: Limits,
    /// The writes' own pacing (restore): Intune's write budget is a tenth of its reads'.
    pub write_pacers: super::write::WritePacers,
    pub graph_requests: AtomicU64,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<Self, GraphError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            // Graph does not redirect; a redirect must not carry a tenant's token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| {
                GraphError::new(
                    GraphErrorCode::Internal,
                    format!("the HTTP client could not be built: {error}"),
                )
            })?;
        let limits = Limits::new(
            settings.per_tenant_concurrency,
            settings.total_concurrency,
            settings.requests_per_20s,
        );
        let write_pacers = super::write::WritePacers::new(settings.writes_per_20s);
        Ok(Self {
            inner: Arc::new(Inner {
                write_pacers,
                settings,
                http,
                tokens: TokenCache::default(),
                limits,
                graph_requests: AtomicU64::new(0),
            }),
        })
    }

    /// What the write side (`super::write`) sends through.
    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    pub fn settings(&self) -> &GraphSettings {
        &self.inner.settings
    }

    /// Obtains (or reuses) the tenant's token and checks its `roles` claim: the preflight.
    pub async fn check_access(&self, credentials: &TenantCredentials) -> Result<(), GraphError> {
        let inner = &self.inner;
        inner
            .tokens
            .token(&inner.http, &inner.settings, credentials)
            .await
            .map(|_| ())
    }

    /// Every object of one catalog type or foundation (`key` from the policy-type catalog),
    /// with its full content.
    pub async fn fetch(
        &self,
        credentials: &TenantCredentials,
        key: &str,
    ) -> Result<FetchedType, GraphError> {
        let reader = Reader {
            inner: &self.inner,
            credentials,
        };
        fetch::fetch(&reader, key).await
    }

    /// Which of `group_ids` the tenant does not have (`GET /groups/{id}` answers 404): a
    /// restore's group mapping must not send assignments to groups that are not there.
    /// Needs `Group.Read.All` (or `GroupMember.Read.All`, `Directory.Read.All`).
    pub async fn missing_groups(
        &self,
        credentials: &TenantCredentials,
        group_ids: &[String],
    ) -> Result<Vec<String>, GraphError> {
        let reader = Reader {
            inner: &self.inner,
            credentials,
        };
        let mut missing = Vec::new();
        for id in group_ids {
            if reader
                .detail(&format!("/groups/{id}?$select=id,displayName"))
                .await?
                .is_none()
            {
                missing.push(id.clone());
            }
        }
        Ok(missing)
    }

    /// A group's display name (`GET /groups/{id}`); `None` when the tenant has no such
    /// group. Needs `Group.Read.All` (or `GroupMember.Read.All`, `Directory.Read.All`).
    pub async fn group_display_name(
        &self,
        credentials: &TenantCredentials,
        group_id: &str,
    ) -> Result<Option<String>, GraphError> {
        let reader = Reader {
            inner: &self.inner,
            credentials,
        };
        let group = reader
            .detail(&format!("/groups/{group_id}?$select=id,displayName"))
            .await?;
        Ok(group.and_then(|g| g.get("displayName")?.as_str().map(str::to_owned)))
    }

    /// The ids of the tenant's groups with exactly this display name
    /// (`GET /groups?$filter=displayName eq '...'`, every page; Microsoft Graph "List
    /// groups": `displayName` supports `eq` in `$filter`, a quote doubled inside the literal).
    pub async fn groups_named(
        &self,
        credentials: &TenantCredentials,
        display_name: &str,
    ) -> Result<Vec<String>, GraphError> {
        let reader = Reader {
            inner: &self.inner,
            credentials,
        };
        let literal = format!("displayName eq '{}'", display_name.replace('\'', "''"));
        // percent-encoded, with a space as %20 (a `+` in a query is not a space to every server)
        let filter: String = form_urlencoded::byte_serialize(literal.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let groups = reader
            .list(&format!("/groups?$filter={filter}&$select=id,displayName"))
            .await?;
        Ok(groups
            .iter()
            // the filter is the server's; the exact name is checked here too
            .filter(|g| g.get("displayName").and_then(Value::as_str) == Some(display_name))
            .filter_map(|g| g.get("id")?.as_str().map(str::to_owned))
            .collect())
    }

    /// Token requests sent to the login so far, retries included.
    pub fn token_requests(&self) -> u64 {
        self.inner.tokens.requests()
    }

    /// Graph requests sent so far, retries included.
    pub fn graph_requests(&self) -> u64 {
        self.inner.graph_requests.load(Ordering::Relaxed)
    }
}
