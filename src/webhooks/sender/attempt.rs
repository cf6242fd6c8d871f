//! One delivery attempt over HTTP: signed as Standard Webhooks says, redirects not
//! followed, bounded by the timeout, to public addresses only. Holds no database connection.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, USER_AGENT};

use super::claim::Claimed;
use crate::webhooks::guard::{literal_refused, AddressNotAllowed, PublicOnlyResolver};
use crate::webhooks::settings::WebhookSettings;
use crate::webhooks::signing::{signature_header, SigningSecret};

const AGENT: &str = concat!("TenantPilot-Webhooks/", env!("CARGO_PKG_VERSION"));
/// A receiver's answer is read up to this much (then dropped), so the connection is reused.
const BODY_READ_LIMIT: usize = 16 * 1024;

/// The webhook client: no redirects, no proxy, the guarded resolver, the attempt timeout.
pub fn client(settings: &WebhookSettings) -> reqwest::Result<reqwest::Client> {
    crate::graph::install_tls_provider();
    reqwest::Client::builder()
        .user_agent(AGENT)
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(PublicOnlyResolver {
            allow_private: settings.allow_private,
        })
        .pool_max_idle_per_host(settings.per_endpoint_concurrency)
        .build()
}

/// Why an attempt failed, as the deliveries log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptError {
    /// No complete answer within the timeout.
    Timeout,
    /// Connection refused, reset or TLS failure.
    Connection,
    /// The host is, or resolves only to, a non-public address.
    AddressNotAllowed,
    /// A 3xx answer: redirects are not followed.
    Redirect,
    /// 410 Gone: the webhook is disabled.
    Gone,
    /// Any other answer outside 2xx.
    Status,
    /// The signing secret cannot be opened (the secret key changed).
    SecretUnavailable,
    /// Anything else about sending the request.
    Request,
}

impl AttemptError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::AddressNotAllowed => "address_not_allowed",
            Self::Redirect => "redirect",
            Self::Gone => "gone",
            Self::Status => "status",
            Self::SecretUnavailable => "secret_unavailable",
            Self::Request => "request",
        }
    }
}

/// What one attempt did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub claimed: Claimed,
    pub attempted_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub status_code: Option<u16>,
    pub error: Option<AttemptError>,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }
}

/// Sends `claimed` signed with `secrets` (the current one first; none: it cannot be
/// signed). `now` is the attempt's time: its `webhook-timestamp`.
pub async fn send(
    http: &reqwest::Client,
    claimed: Claimed,
    secrets: Option<Vec<Arc<SigningSecret>>>,
    allow_private: bool,
    now: DateTime<Utc>,
) -> Outcome {
    let started = Instant::now();
    let (status_code, error) = attempt(http, &claimed, secrets, allow_private, now).await;
    Outcome {
        claimed,
        attempted_at: now,
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        status_code,
        error,
    }
}

async fn attempt(
    http: &reqwest::Client,
    claimed: &Claimed,
    secrets: Option<Vec<Arc<SigningSecret>>>,
    allow_private: bool,
    now: DateTime<Utc>,
) -> (Option<u16>, Option<AttemptError>) {
    let Ok(url) = url::Url::parse(&claimed.url) else {
        return (None, Some(AttemptError::Request));
    };
    if literal_refused(&url, allow_private).is_some() {
        return (None, Some(AttemptError::AddressNotAllowed));
    }
    let Some(secrets) = secrets.filter(|secrets| !secrets.is_empty()) else {
        return (None, Some(AttemptError::SecretUnavailable));
    };
    let id = claimed.webhook_id_header();
    let timestamp = now.timestamp();
    let secrets: Vec<&SigningSecret> = secrets.iter().map(Arc::as_ref).collect();
    let signature = signature_header(&secrets, &id, timestamp, &claimed.body);
    let sent = http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, AGENT)
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(claimed.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => return (None, Some(classify(&error))),
    };
    let status = response.status();
    drain(response).await;
    let error = match status.as_u16() {
        200..=299 => None,
        300..=399 => Some(AttemptError::Redirect),
        410 => Some(AttemptError::Gone),
        _ => Some(AttemptError::Status),
    };
    (Some(status.as_u16()), error)
}

/// Reads a little of the answer so the connection can be reused; the content is ignored.
async fn drain(mut response: reqwest::Response) {
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > BODY_READ_LIMIT {
            break;
        }
    }
}

fn classify(error: &reqwest::Error) -> AttemptError {
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(cause) = source {
        if cause.is::<AddressNotAllowed>() {
            return AttemptError::AddressNotAllowed;
        }
        source = cause.source();
    }
    if error.is_timeout() {
        AttemptError::Timeout
    } else if error.is_connect() {
        AttemptError::Connection
    } else {
        AttemptError::Request
    }
}
