//! Client-credentials tokens, cached per tenant until shortly before they expire. One
//! request per tenant at a time (single flight): callers of a tenant queue on its slot and
//! find the token the first of them fetched.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use uuid::Uuid;

use super::errors::login_failure;
use super::jwt;
use super::retry::{retry_after, RetryBudget};
use super::settings::GraphSettings;
use super::types::{GraphError, GraphErrorCode, TenantCredentials};

/// Renew this long before expiry at most (half the lifetime for short-lived tokens).
const RENEW_MARGIN: Duration = Duration::from_secs(300);

struct CachedToken {
    access_token: Arc<str>,
    /// Which credentials the token was issued for: new credentials need a new token.
    credentials: Vec<u8>,
    renew_at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<Uuid, Slot>>,
    requests: AtomicU64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds; a number from the v2 endpoint, a string from older ones.
    expires_in: serde_json::Value,
}

impl TokenCache {
    /// Token requests sent so far (each attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn slot(&self, tenant_id: Uuid) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(tenant_id).or_default().clone()
    }

    /// A valid token for the tenant, from the cache or from the login.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        settings: &GraphSettings,
        credentials: &TenantCredentials,
    ) -> Result<Arc<str>, GraphError> {
        let fingerprint = fingerprint(credentials);
        let slot = self.slot(credentials.tenant_id);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref() {
            if token.credentials == fingerprint && Instant::now() < token.renew_at {
                return Ok(token.access_token.clone());
            }
        }
        *cached = None;
        let (access_token, expires_in) = self.request(http, settings, credentials).await?;
        if jwt::roles(&access_token).is_empty() {
            // Not cached: once an admin consents, the next run gets a token with roles.
            return Err(GraphError::new(
                GraphErrorCode::ConsentMissing,
                "the app's token carries no roles: admin consent for its Graph application \
                 permissions is missing",
            ));
        }
        let margin = RENEW_MARGIN.min(expires_in / 2);
        let access_token: Arc<str> = access_token.into();
        *cached = Some(CachedToken {
            access_token: access_token.clone(),
            credentials: fingerprint,
            renew_at: Instant::now() + expires_in.saturating_sub(margin),
        });
        Ok(access_token)
    }

    /// Drops the tenant's token after Graph refused it, unless another caller already
    /// replaced it with a fresh one.
    pub async fn invalidate(&self, tenant_id: Uuid, refused: &str) {
        let slot = self.slot(tenant_id);
        let mut cached = slot.lock().await;
        if cached
            .as_ref()
            .is_some_and(|token| &*token.access_token == refused)
        {
            *cached = None;
        }
    }

    async fn request(
        &self,
        http: &reqwest::Client,
        settings: &GraphSettings,
        credentials: &TenantCredentials,
    ) -> Result<(String, Duration), GraphError> {
        let url = settings.token_url(&credentials.azure_tenant_id);
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &credentials.client_id.to_string())
            .append_pair("client_secret", credentials.client_secret.expose())
            .append_pair("scope", &settings.token_scope())
            .append_pair("grant_type", "client_credentials")
            .finish();
        let mut budget = RetryBudget::new(settings.max_attempts, settings.max_retry_wait);
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            // Entra takes and logs a client-request-id too
            let client_request_id = Uuid::new_v4().to_string();
            let sent = http
                .post(&url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(super::http::CLIENT_REQUEST_ID, &client_request_id)
                .body(body.clone())
                .send()
                .await;
            let failure = match sent {
                Ok(response) if response.status().is_success() => {
                    return parse_success(response).await;
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let wait_hint = retry_after(response.headers());
                    let date = response
                        .headers()
                        .get(reqwest::header::DATE)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned);
                    let bytes = response.bytes().await.unwrap_or_default();
                    let mut error = login_failure(status, &bytes);
                    error.client_request_id = Some(client_request_id.into());
                    error.date = error.date.or(date.map(Into::into));
                    let transient = status == 429 || status >= 500;
                    if !transient {
                        return Err(error);
                    }
                    (error, wait_hint)
                }
                Err(error) => (
                    GraphError {
                        client_request_id: Some(client_request_id.into()),
                        ..GraphError::new(
                            GraphErrorCode::GraphUnavailable,
                            format!("the login could not be reached: {}", error.without_url()),
                        )
                    },
                    None,
                ),
            };
            match budget.next_wait(failure.1) {
                Some(wait) => {
                    tracing::debug!(
                        attempt = budget.attempts(),
                        ?wait,
                        "retrying the token request"
                    );
                    tokio::time::sleep(wait).await;
                }
                None => return Err(failure.0),
            }
        }
    }
}

async fn parse_success(response: reqwest::Response) -> Result<(String, Duration), GraphError> {
    let parsed = response.json::<TokenResponse>().await.map_err(|error| {
        GraphError::new(
            GraphErrorCode::GraphUnavailable,
            format!(
                "the login's answer could not be read: {}",
                error.without_url()
            ),
        )
    })?;
    let seconds = match &parsed.expires_in {
        serde_json::Value::Number(number) => number.as_u64(),
        serde_json::Value::String(text) => text.parse().ok(),
        _ => None,
    }
    // Without a lifetime, assume the usual hour's shortest variant.
    .unwrap_or(3599);
    Ok((parsed.access_token, Duration::from_secs(seconds)))
}

fn fingerprint(credentials: &TenantCredentials) -> Vec<u8> {
    Sha256::new()
        .chain_update(credentials.azure_tenant_id.as_bytes())
        .chain_update(credentials.client_id.as_bytes())
        .chain_update(credentials.client_secret.expose().as_bytes())
        .finalize()
        .to_vec()
}
