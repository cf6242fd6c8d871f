//! How the client talks to Graph: base URLs, concurrency, pacing, timeouts and retry bounds.

use std::time::Duration;

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
    /// Writes (POST, PATCH, PUT) one tenant may start per 20 s, on a bucket of their own:
    /// Graph documents 100 writes per 20 s per app and tenant for Intune (200 per tenant),
    /// a tenth of the read budget. Writes also take a turn of `requests_per_20s`.
    pub writes_per_20s: u32,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Attempts per request at most (429/502/503/504 and transient failures are retried).
    pub max_attempts: u32,
    /// Total time one request may spend waiting between retries: past Intune's 20 s
    /// throttling window, since Intune's 429s carry no `Retry-After` (Graph docs
    /// `concepts/throttling.md`, `concepts/throttling-limits.md` "Intune service limits").
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
            writes_per_20s: 100,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_attempts: 12,
            max_retry_wait: Duration::from_secs(60),
        }
    }

    /// `graph_url` without a trailing slash, so paths join without `//`.
    pub(crate) fn graph_base(&self) -> &str {
        self.graph_url.trim_end_matches('/')
    }

    pub(crate) fn token_url(&self, azure_tenant_id: &uuid::Uuid) -> String {
        format!(
            "{}/{azure_tenant_id}/oauth2/v2.0/token",
            self.login_url.trim_end_matches('/')
        )
    }

    /// The `.default` scope of the Graph resource. The scope names the resource, not the
    /// address it is called at: national clouds have their own resource, while a simulator
    /// (any other host) stands in for the public cloud and gets its scope, the one real
    /// Graph requires.
    pub(crate) fn token_scope(&self) -> String {
        const NATIONAL_CLOUDS: &[&str] = &[
            "graph.microsoft.us",
            "dod-graph.microsoft.us",
            "microsoftgraph.chinacloudapi.cn",
        ];
        let host = reqwest::Url::parse(&self.graph_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned));
        match host {
            Some(host) if NATIONAL_CLOUDS.contains(&host.as_str()) => {
                format!("https://{host}/.default")
            }
            _ => "https://graph.microsoft.com/.default".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_cloud_and_simulators_use_the_public_graph_scope() {
        for url in ["https://graph.microsoft.com", "http://127.0.0.1:8080/"] {
            let settings = GraphSettings::new(url, "https://login.microsoftonline.com");
            assert_eq!(
                settings.token_scope(),
                "https://graph.microsoft.com/.default"
            );
        }
    }

    #[test]
    fn national_clouds_use_their_own_scope() {
        let settings = GraphSettings::new("https://graph.microsoft.us", "https://x");
        assert_eq!(
            settings.token_scope(),
            "https://graph.microsoft.us/.default"
        );
    }

    #[test]
    fn urls_join_without_double_slashes() {
        let settings = GraphSettings::new("http://g/", "http://l/");
        assert_eq!(settings.graph_base(), "http://g");
        let id = uuid::Uuid::nil();
        assert_eq!(
            settings.token_url(&id),
            format!("http://l/{id}/oauth2/v2.0/token")
        );
    }
}
