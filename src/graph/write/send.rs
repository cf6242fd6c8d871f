//! One Graph write with everything around it: the tenant's write pacing turn (its own
//! bucket: Intune allows 100 writes per 20 s per app and tenant, GRAPH.md "Writing back"),
//! its concurrency slot, retries where a retry cannot do the write twice, one token
//! refresh, and the error mapping.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use uuid::Uuid;

use crate::graph::client::Inner;
use crate::graph::errors::{graph_failure, is_expired_token, GraphErrorBody};
use crate::graph::http::CLIENT_REQUEST_ID;
use crate::graph::pacing::Pacer;
use crate::graph::retry::{retry_after, RetryBudget};
use crate::graph::types::{GraphError, GraphErrorCode, TenantCredentials};

/// Per tenant, the pacer of its writes.
#[derive(Debug)]
pub(crate) struct WritePacers {
    writes_per_20s: u32,
    tenants: Mutex<HashMap<Uuid, Arc<Pacer>>>,
}

impl WritePacers {
    pub fn new(writes_per_20s: u32) -> Self {
        Self {
            writes_per_20s,
            tenants: Mutex::new(HashMap::new()),
        }
    }

    async fn wait_turn(&self, tenant_id: Uuid) {
        let pacer = {
            let mut tenants = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
            let pacer = tenants
                .entry(tenant_id)
                .or_insert_with(|| Arc::new(Pacer::new(self.writes_per_20s)));
            pacer.clone()
        };
        pacer.wait_turn().await;
    }
}

/// Which failures a write may be retried after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// PATCH, PUT, assign and the actions that set a whole state: sending twice ends the
    /// same; retried after 429, 502, 503, 504 and no answer, as reads are.
    Idempotent,
    /// A POST that creates: after a 5xx or no answer Graph may have carried it out, and a
    /// retry would create a second object. Only a 429 (not carried out) is retried; the
    /// restore engine settles the rest with `find_created`.
    Create,
}

/// What a write ends in when Graph answered 2xx: its JSON body, if it had one.
pub(crate) type Answer = Option<Value>;

enum Attempt {
    Answered {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    Unreachable(reqwest::Error),
}

impl Inner {
    /// Sends `method path` (a path below `/beta`) with `body`.
    pub(crate) async fn write(
        &self,
        credentials: &TenantCredentials,
        method: &str,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> Result<Answer, GraphError> {
        let url = format!("{}/beta{path}", self.settings.graph_base());
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| {
            GraphError::new(
                GraphErrorCode::Internal,
                format!("not an HTTP method: {method}"),
            )
        })?;
        let bytes = body.map(serde_json::to_vec).transpose().map_err(|error| {
            GraphError::new(
                GraphErrorCode::Internal,
                format!("the body could not be encoded: {error}"),
            )
        })?;
        let mut budget = RetryBudget::new(self.settings.max_attempts, self.settings.max_retry_wait);
        let mut refreshed = false;
        loop {
            let token = self
                .tokens
                .token(&self.http, &self.settings, credentials)
                .await?;
            let client_request_id = Uuid::new_v4().to_string();
            let attempt = self
                .write_attempt(
                    credentials,
                    &method,
                    &url,
                    bytes.as_deref(),
                    &token,
                    &client_request_id,
                )
                .await?;
            let (status, headers, answer) = match attempt {
                Attempt::Answered {
                    status,
                    headers,
                    body,
                } => (status, headers, body),
                Attempt::Unreachable(error) => {
                    let failure = GraphError {
                        client_request_id: Some(client_request_id.into()),
                        ..GraphError::new(
                            GraphErrorCode::GraphUnavailable,
                            format!("Graph could not be reached: {}", error.without_url()),
                        )
                    };
                    if retry == Retry::Create {
                        return Err(uncertain(failure));
                    }
                    wait_or_fail(&mut budget, None, failure, path).await?;
                    continue;
                }
            };
            if (200..300).contains(&status) {
                return parse(&answer, status, &client_request_id, retry);
            }
            let mut error_body = GraphErrorBody::parse(&answer);
            error_body.request_id = error_body
                .request_id
                .or_else(|| header(&headers, "request-id"));
            error_body.client_request_id = error_body.client_request_id.or(Some(client_request_id));
            error_body.date = error_body.date.or_else(|| header(&headers, "date"));
            if is_expired_token(status, &error_body) && !refreshed {
                // not carried out: one fresh token, one more try
                refreshed = true;
                self.tokens.invalidate(credentials.tenant_id, &token).await;
                continue;
            }
            let failure = write_failure(status, error_body, path);
            let transient = matches!(status, 429 | 502 | 503 | 504);
            match (transient, retry) {
                (true, Retry::Idempotent) => {}
                (true, Retry::Create) if status == 429 => {}
                (_, Retry::Create) if status >= 500 => return Err(uncertain(failure)),
                _ => return Err(failure),
            }
            wait_or_fail(&mut budget, retry_after(&headers), failure, path).await?;
        }
    }

    async fn write_attempt(
        &self,
        credentials: &TenantCredentials,
        method: &reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
        token: &str,
        client_request_id: &str,
    ) -> Result<Attempt, GraphError> {
        // the write bucket first, then the tenant's slot (which also takes a turn of the
        // request bucket: a write counts against Intune's overall budget too)
        self.write_pacers.wait_turn(credentials.tenant_id).await;
        let _slot = self.limits.acquire(credentials.tenant_id).await?;
        self.graph_requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token)
            .header(ACCEPT, "application/json")
            .header(CLIENT_REQUEST_ID, client_request_id);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_builder() => {
                return Err(GraphError::new(
                    GraphErrorCode::Internal,
                    format!("not a valid Graph URL: {url}"),
                ))
            }
            Err(error) => return Ok(Attempt::Unreachable(error)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(body) => Ok(Attempt::Answered {
                status,
                headers,
                body: body.to_vec(),
            }),
            Err(error) => Ok(Attempt::Unreachable(error)),
        }
    }
}

/// A refused write: the existing codes (403 `permission_missing` with the scope Graph
/// names, 429 `throttled`, 5xx `graph_unavailable`); a body or target Graph refuses (400,
/// 404, 409, 422) is `graph_rejected`, the object's failure alone.
pub(crate) fn write_failure(status: u16, body: GraphErrorBody, path: &str) -> GraphError {
    let mut error = graph_failure(status, body, path);
    if matches!(status, 400 | 404 | 409 | 412 | 422)
        && error.code != GraphErrorCode::IntuneNotProvisioned
    {
        error.code = GraphErrorCode::GraphRejected;
    }
    error.message = format!("{}: {}", path_only(path), error.message);
    error
}

fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// A create that may have been carried out: said in the message; the code stays
/// `graph_unavailable`.
fn uncertain(mut failure: GraphError) -> GraphError {
    failure.message = format!(
        "the create may have been carried out (not retried: find it by name): {}",
        failure.message
    );
    failure
}

fn parse(
    body: &[u8],
    status: u16,
    client_request_id: &str,
    retry: Retry,
) -> Result<Answer, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|error| {
        let failure = GraphError {
            client_request_id: Some(client_request_id.into()),
            status: Some(status),
            ..GraphError::new(
                GraphErrorCode::GraphUnavailable,
                format!("Graph answered {status} with malformed JSON: {error}"),
            )
        };
        match retry {
            Retry::Create => uncertain(failure),
            Retry::Idempotent => failure,
        }
    })
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

async fn wait_or_fail(
    budget: &mut RetryBudget,
    wait_hint: Option<Duration>,
    mut failure: GraphError,
    path: &str,
) -> Result<(), GraphError> {
    match budget.next_wait(wait_hint) {
        Some(wait) => {
            tracing::debug!(path, attempt = budget.attempts(), ?wait, code = %failure.code, "retrying a Graph write");
            tokio::time::sleep(wait).await;
            Ok(())
        }
        None => {
            failure.message = format!("after {} attempts: {}", budget.attempts(), failure.message);
            Err(failure)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, message: &str) -> GraphErrorBody {
        GraphErrorBody {
            code: code.into(),
            message: message.into(),
            ..GraphErrorBody::default()
        }
    }

    #[test]
    fn refusals_of_a_write_map_to_the_codes() {
        let path = "/deviceManagement/configurationPolicies/p1";
        let rejected = write_failure(
            400,
            body("BadRequest", "Cannot PATCH navigation property 'settings'"),
            path,
        );
        assert_eq!(rejected.code, GraphErrorCode::GraphRejected);
        assert!(!rejected.code.fails_the_run());
        assert_eq!(rejected.code.as_str(), "graph_rejected");
        assert!(
            rejected
                .message
                .contains("Cannot PATCH navigation property"),
            "{}",
            rejected.message
        );
        assert_eq!(
            write_failure(404, body("NotFound", "x"), path).code,
            GraphErrorCode::GraphRejected
        );
        let forbidden = write_failure(
            403,
            body("Forbidden", "Application must have one of the following scopes: DeviceManagementConfiguration.ReadWrite.All"),
            path,
        );
        assert_eq!(forbidden.code, GraphErrorCode::PermissionMissing);
        assert_eq!(
            forbidden.scope.as_deref(),
            Some("DeviceManagementConfiguration.ReadWrite.All")
        );
        assert_eq!(
            write_failure(429, body("TooManyRequests", ""), path).code,
            GraphErrorCode::Throttled
        );
        assert_eq!(
            write_failure(503, body("", ""), path).code,
            GraphErrorCode::GraphUnavailable
        );
    }
}
