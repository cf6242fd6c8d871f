//! `POST /beta/$batch`: JSON batching as Graph documents it (concepts/json-batching.md,
//! "Combine multiple HTTP requests using JSON batching"):
//!
//! - the body is `{"requests": [{id, method, url, headers?, body?, dependsOn?}]}`, at most
//!   20 of them ("JSON batch requests are currently limited to 20 individual requests");
//!   a malformed batch (more than 20, an `id` used twice — ids are not case-sensitive —,
//!   a missing `id`/`method`/`url`, a `dependsOn` naming no request of the batch or a
//!   cycle) answers `400` with Graph's error body;
//! - each request is served by the same handler as a direct request, so it passes the same
//!   token, permission and fault checks and is counted as a Graph request of its own
//!   ("Requests in a batch are evaluated individually against the applicable throttling
//!   limits and if any request exceeds the limits, it fails with a status of 429");
//! - `dependsOn` orders requests; "if an individual request fails, any request that
//!   depends on that request fails with status code 424 (Failed Dependency)";
//! - the answer is `200` with `{"responses": [{id, status, headers, body}]}`.
//!
//! The envelope itself needs a valid token (a 401 for it answers the whole batch).

use std::collections::{HashMap, HashSet};

use actix_web::body::to_bytes;
use actix_web::http::{Method, StatusCode};
use actix_web::HttpResponse;
use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::graph::{authenticate, handle, unauthorized, Call};
use crate::graph_sim::errors::RequestIds;
use crate::graph_sim::state::SimState;

/// The most requests one batch may hold.
pub const MAX_BATCH: usize = 20;

#[derive(Debug, Deserialize)]
struct Envelope {
    requests: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default, rename = "dependsOn")]
    depends_on: Vec<String>,
    /// A write's JSON body.
    #[serde(default)]
    body: Option<Value>,
}

pub async fn serve(state: &SimState, envelope: Call, body: &[u8]) -> HttpResponse {
    let ids = RequestIds::new(envelope.client_request_id.as_deref());
    if envelope.method != Method::POST {
        return ids.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "A batch is sent with POST.",
        );
    }
    let issued = match authenticate(state, envelope.authorization.as_deref()) {
        Ok(issued) => issued,
        Err(message) => return unauthorized(&ids, message),
    };
    state.stats.batch(&issued.tenant);
    let steps = match parse(body) {
        Ok(steps) => steps,
        Err(message) => return ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses: Vec<(usize, Value)> = Vec::with_capacity(steps.len());
    let mut pending: Vec<usize> = (0..steps.len()).collect();
    while !pending.is_empty() {
        // every request whose dependencies have answered runs now, side by side
        let (ready, waiting): (Vec<usize>, Vec<usize>) = pending.into_iter().partition(|&at| {
            steps[at]
                .depends_on
                .iter()
                .all(|dep| statuses.contains_key(&dep.to_lowercase()))
        });
        pending = waiting;
        let runs = ready.iter().map(|&at| {
            let step = &steps[at];
            let failed = step
                .depends_on
                .iter()
                .find(|dep| statuses[&dep.to_lowercase()] >= 400)
                .cloned();
            let call = Call {
                method: Method::from_bytes(step.method.to_uppercase().as_bytes())
                    .unwrap_or(Method::GET),
                path: String::new(),
                query: String::new(),
                authorization: envelope.authorization.clone(),
                client_request_id: header(&step.headers, "client-request-id"),
                base: envelope.base.clone(),
                body: step
                    .body
                    .as_ref()
                    .map(|body| actix_web::web::Bytes::from(body.to_string()))
                    .unwrap_or_default(),
            };
            // errors answered here carry the inner request's own ids, as handle's do
            let inner_ids = RequestIds::new(call.client_request_id.as_deref());
            async move {
                let response = match (failed, relative(&step.url)) {
                    (Some(dep), _) => failed_dependency(&inner_ids, &dep),
                    (None, Err(message)) => {
                        inner_ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message)
                    }
                    (None, Ok((path, query))) => {
                        handle(
                            state,
                            Call {
                                path,
                                query,
                                ..call
                            },
                        )
                        .await
                    }
                };
                (at, answer(&step.id, response).await)
            }
        });
        for (at, answer) in join_all(runs).await {
            let status = answer["status"].as_u64().unwrap_or(500) as u16;
            statuses.insert(steps[at].id.to_lowercase(), status);
            responses.push((at, answer));
        }
    }
    responses.sort_by_key(|(at, _)| *at);
    let body = json!({"responses": responses.into_iter().map(|(_, r)| r).collect::<Vec<_>>()});
    ids.response(StatusCode::OK)
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

/// The batch's requests, or the message of Graph's 400 for a malformed batch.
fn parse(body: &[u8]) -> Result<Vec<Step>, String> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|error| format!("Invalid batch payload format: {error}."))?;
    let steps = envelope.requests;
    if steps.is_empty() {
        return Err("Invalid batch payload format: the batch holds no requests.".into());
    }
    if steps.len() > MAX_BATCH {
        return Err(format!(
            "The batch holds {} requests; a batch holds at most {MAX_BATCH}.",
            steps.len()
        ));
    }
    let mut seen = HashSet::new();
    for step in &steps {
        if step.id.is_empty() || step.method.is_empty() || step.url.is_empty() {
            return Err(
                "Invalid batch payload format: every request needs an id, a method and a url."
                    .into(),
            );
        }
        if !seen.insert(step.id.to_lowercase()) {
            return Err(format!(
                "The batch uses the request id '{}' twice.",
                step.id
            ));
        }
    }
    for step in &steps {
        if let Some(unknown) = step
            .depends_on
            .iter()
            .find(|d| !seen.contains(&d.to_lowercase()))
        {
            return Err(format!(
                "Request '{}' depends on '{unknown}', which is not in the batch.",
                step.id
            ));
        }
    }
    // the dependencies must let every request run: no cycle
    let mut done: HashSet<String> = HashSet::new();
    while done.len() < steps.len() {
        let before = done.len();
        for step in &steps {
            if step
                .depends_on
                .iter()
                .all(|d| done.contains(&d.to_lowercase()))
            {
                done.insert(step.id.to_lowercase());
            }
        }
        if done.len() == before {
            return Err("The batch's dependsOn form a cycle.".into());
        }
    }
    Ok(steps)
}

/// `/deviceManagement/x?$top=5` (relative to the version, as the docs write it) as the
/// path after `/beta/` and the query.
fn relative(url: &str) -> Result<(String, String), String> {
    if url.contains("://") {
        return Err(format!(
            "The url '{url}' is not relative: a batch request's url is relative to the version (\"/users\")."
        ));
    }
    let url = url.trim_start_matches('/');
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    Ok((path.to_owned(), query.to_owned()))
}

fn header(headers: &HashMap<String, String>, name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

fn failed_dependency(ids: &RequestIds, dependency: &str) -> HttpResponse {
    ids.error(
        StatusCode::FAILED_DEPENDENCY,
        "FailedDependency",
        &format!("The request depends on request '{dependency}', which failed."),
    )
}

/// A header's name as the batching docs' examples write it: the standard HTTP headers in
/// their usual case (`Content-Type`, `Retry-After`, `Cache-Control`), Graph's own as sent.
fn header_name(name: &str) -> String {
    match name {
        "content-type" => "Content-Type".to_owned(),
        "retry-after" => "Retry-After".to_owned(),
        "cache-control" => "Cache-Control".to_owned(),
        other => other.to_owned(),
    }
}

/// One member of `responses`: the inner response's status, headers and JSON body.
async fn answer(id: &str, response: HttpResponse) -> Value {
    let status = response.status().as_u16();
    let headers: Map<String, Value> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "content-length")
        .filter_map(|(name, value)| Some((header_name(name.as_str()), json!(value.to_str().ok()?))))
        .collect();
    let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
    // a body cut short by the `malformed_json` fault stays text, as it was served
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    json!({"id": id, "status": status, "headers": headers, "body": body})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(requests: Value) -> Result<Vec<Step>, String> {
        parse(json!({ "requests": requests }).to_string().as_bytes())
    }

    #[test]
    fn malformed_batches_are_refused() {
        let step = |id: &str, deps: &[&str]| json!({"id": id, "method": "GET", "url": "/x", "dependsOn": deps});
        assert!(batch(json!([step("1", &[]), step("2", &["1"])])).is_ok());
        assert!(batch(json!([step("a", &[]), step("A", &[])])).is_err());
        assert!(batch(json!([step("1", &["9"])])).is_err());
        assert!(batch(json!([step("1", &["2"]), step("2", &["1"])])).is_err());
        assert!(batch(json!([])).is_err());
        let many: Vec<Value> = (0..21).map(|n| step(&n.to_string(), &[])).collect();
        assert!(batch(json!(many)).unwrap_err().contains("at most 20"));
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn urls_are_relative_to_the_version() {
        assert_eq!(
            relative("/deviceManagement/x?$top=5").unwrap(),
            ("deviceManagement/x".to_owned(), "$top=5".to_owned())
        );
        assert_eq!(
            relative("deviceManagement/x").unwrap().0,
            "deviceManagement/x"
        );
        assert!(relative("https://graph.microsoft.com/beta/x").is_err());
    }
}
