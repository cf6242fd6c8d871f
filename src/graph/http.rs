//! One Graph GET with everything around it: the tenant's token, its concurrency slot and
//! pacing turn, retries of transient failures, one token refresh, and the error mapping.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT};
use serde_json::Value;
use uuid::Uuid;

use super::client::Inner;
use super::errors::{graph_failure, is_expired_token, is_not_found, GraphErrorBody};
use super::retry::{retry_after, RetryBudget};
use super::types::{GraphError, GraphErrorCode, TenantCredentials};

/// The header a client names each request with (Graph docs `concepts/errors.md`); Graph
/// echoes it and puts it in its error bodies.
pub(crate) const CLIENT_REQUEST_ID: &str = "client-request-id";

/// A Graph answer a caller can act on.
#[derive(Debug)]
pub(crate) enum Reply {
    Found(Value),
    /// 404, or 400 `ResourceNotFound`: on a detail read the object was deleted meanwhile;
    /// on a collection it is the error the caller returns.
    Gone(GraphError),
}

/// One attempt's outcome, read while the slot is held.
enum Attempt {
    Answered {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// No (complete) answer: connection refused or reset, timeout.
    Unreachable(reqwest::Error),
}

impl Inner {
    /// GETs an absolute Graph URL (a first page or an `@odata.nextLink`, verbatim).
    pub(crate) async fn get(
        &self,
        credentials: &TenantCredentials,
        url: &str,
    ) -> Result<Reply, GraphError> {
        let mut budget = RetryBudget::new(self.settings.max_attempts, self.settings.max_retry_wait);
        let mut refreshed = false;
        loop {
            let token = self
                .tokens
                .token(&self.http, &self.settings, credentials)
                .await?;
            // a fresh id per request, kept with any error it ends in (Graph docs
            // `concepts/errors.md`: what Microsoft's support asks for)
            let client_request_id = Uuid::new_v4().to_string();
            let attempt = self
                .attempt(credentials, url, &token, &client_request_id)
                .await?;
            let (status, headers, body) = match attempt {
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
                    self.wait_or_fail(&mut budget, None, failure, url).await?;
                    continue;
                }
            };
            if (200..300).contains(&status) {
                return parse_json(&body, &headers, status, &client_request_id);
            }
            let error_body =
                with_response_ids(GraphErrorBody::parse(&body), &headers, &client_request_id);
            if is_expired_token(status, &error_body) && !refreshed {
                // The token expired or was revoked early: one fresh token, one more try.
                refreshed = true;
                self.tokens.invalidate(credentials.tenant_id, &token).await;
                continue;
            }
            let path = path_of(url);
            if is_expired_token(status, &error_body) {
                let mut error = graph_failure(status, error_body, path);
                error.message = format!("Graph refused a freshly issued token: {}", error.message);
                return Err(error);
            }
            if is_not_found(status, &error_body) {
                return Ok(Reply::Gone(graph_failure(status, error_body, path)));
            }
            if is_transient(status, url) {
                let wait_hint = retry_after(&headers);
                let failure = graph_failure(status, error_body, path);
                self.wait_or_fail(&mut budget, wait_hint, failure, url)
                    .await?;
                continue;
            }
            return Err(graph_failure(status, error_body, path));
        }
    }

    /// Sends one request inside the tenant's slot and pacing turn, and reads the body
    /// before giving the slot back.
    async fn attempt(
        &self,
        credentials: &TenantCredentials,
        url: &str,
        token: &Arc<str>,
        client_request_id: &str,
    ) -> Result<Attempt, GraphError> {
        let _slot = self.limits.acquire(credentials.tenant_id).await?;
        self.graph_requests.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .http
            .get(url)
            .bearer_auth(token)
            .header(ACCEPT, "application/json")
            .header(CLIENT_REQUEST_ID, client_request_id)
            .send()
            .await;
        let response = match sent {
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

    /// Sleeps before the next attempt, or gives up with `failure` once the retry budget is
    /// spent.
    async fn wait_or_fail(
        &self,
        budget: &mut RetryBudget,
        wait_hint: Option<Duration>,
        mut failure: GraphError,
        url: &str,
    ) -> Result<(), GraphError> {
        match budget.next_wait(wait_hint) {
            Some(wait) => {
                tracing::debug!(url, attempt = budget.attempts(), ?wait, code = %failure.code, "retrying a Graph request");
                tokio::time::sleep(wait).await;
                Ok(())
            }
            None => {
                failure.message =
                    format!("after {} attempts: {}", budget.attempts(), failure.message);
                Err(failure)
            }
        }
    }
}

/// Throttling and transient server and gateway failures (a 502 is the gateway's, not
/// the request's); a 500 only on `$expand` pages, which Graph fails under load, while a 500
/// elsewhere is a real failure.
fn is_transient(status: u16, url: &str) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
        || (status == 500 && (url.contains("$expand") || url.contains("%24expand")))
}

/// Malformed JSON in a 2xx answer is treated as Graph being unavailable (a proxy's page, a
/// cut-off body): it is Graph's failure, not ours, and it does not end the whole run.
fn parse_json(
    body: &[u8],
    headers: &HeaderMap,
    status: u16,
    client_request_id: &str,
) -> Result<Reply, GraphError> {
    serde_json::from_slice(body)
        .map(Reply::Found)
        .map_err(|error| GraphError {
            request_id: header(headers, "request-id"),
            client_request_id: Some(client_request_id.into()),
            date: header(headers, "date").map(Into::into),
            status: Some(status),
            ..GraphError::new(
                GraphErrorCode::GraphUnavailable,
                format!("Graph answered with malformed JSON: {error}"),
            )
        })
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The error body's ids and date, else the answer's headers, else the id that was sent
/// (a proxy's error page has none of Graph's).
fn with_response_ids(
    mut body: GraphErrorBody,
    headers: &HeaderMap,
    client_request_id: &str,
) -> GraphErrorBody {
    body.request_id = body.request_id.or_else(|| header(headers, "request-id"));
    body.client_request_id = body
        .client_request_id
        .or_else(|| header(headers, CLIENT_REQUEST_ID))
        .or_else(|| Some(client_request_id.to_owned()));
    body.date = body.date.or_else(|| header(headers, "date"));
    body
}

/// The path of a URL, for the error mapping (which looks at `/deviceManagement`).
fn path_of(url: &str) -> &str {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .find('/')
        .map_or("", |at| &without_scheme[at..]);
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_pages_retry_a_500_and_others_do_not() {
        assert!(is_transient(500, "http://g/beta/x?$expand=assignments"));
        assert!(is_transient(500, "http://g/beta/x?%24expand=assignments"));
        assert!(!is_transient(500, "http://g/beta/x"));
        assert!(is_transient(429, "http://g/beta/x"));
        assert!(is_transient(503, "http://g/beta/x"));
        assert!(is_transient(504, "http://g/beta/x"));
        assert!(is_transient(502, "http://g/beta/x"));
        assert!(!is_transient(501, "http://g/beta/x"));
    }

    #[test]
    fn paths_are_taken_from_urls() {
        assert_eq!(
            path_of("https://graph.microsoft.com/beta/deviceManagement/intents?$top=5"),
            "/beta/deviceManagement/intents"
        );
        assert_eq!(path_of("http://127.0.0.1:80"), "");
    }
}
