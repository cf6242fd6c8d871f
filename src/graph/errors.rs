//! Graph and login error bodies, and the mapping of failures to the stable error codes
//! (GRAPH.md, "Authentication" and "Graph responses").

use serde::Deserialize;

use super::types::{GraphError, GraphErrorCode};

/// Graph's error body: `{"error":{"code","message","innerError":{"date","request-id",
/// "client-request-id"}}}` (Graph docs `concepts/errors.md`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct GraphErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Inner,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(rename = "innerError", alias = "innererror", default)]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(rename = "request-id")]
    request_id: Option<String>,
    #[serde(rename = "client-request-id")]
    client_request_id: Option<String>,
    date: Option<String>,
}

impl GraphErrorBody {
    /// Reads Graph's error body; anything else (an HTML error page from a proxy) is kept,
    /// shortened, as the message.
    pub fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice::<Envelope>(body) {
            Ok(envelope) => {
                let inner = envelope.error.inner_error;
                let (request_id, client_request_id, date) = match inner {
                    Some(inner) => (inner.request_id, inner.client_request_id, inner.date),
                    None => (None, None, None),
                };
                Self {
                    code: envelope.error.code,
                    message: envelope.error.message,
                    request_id,
                    client_request_id,
                    date,
                }
            }
            Err(_) => Self {
                message: String::from_utf8_lossy(body).chars().take(500).collect(),
                ..Self::default()
            },
        }
    }
}

const SCOPES_PHRASE: &str = "must have one of the following scopes:";

/// The scope list Graph names in a 403 ("... must have one of the following scopes: X - ...").
/// Data for the report only: the 403 itself decides `permission_missing`; a message
/// without the phrase just leaves the scope unknown.
pub(crate) fn scope_in(message: &str) -> Option<String> {
    let start = message.find(SCOPES_PHRASE)? + SCOPES_PHRASE.len();
    let rest = &message[start..];
    let end = rest.find(" - ").unwrap_or(rest.len());
    let scope = rest[..end].trim().trim_end_matches('.').trim();
    (!scope.is_empty()).then(|| scope.to_owned())
}

/// The object read by a detail GET is gone: skipped, not a failure.
pub(crate) fn is_not_found(status: u16, body: &GraphErrorBody) -> bool {
    status == 404 || (status == 400 && body.code == "ResourceNotFound")
}

/// The token expired or was revoked: refresh once.
pub(crate) fn is_expired_token(status: u16, body: &GraphErrorBody) -> bool {
    status == 401 && body.code == "InvalidAuthenticationToken"
}

/// What Graph's gateway answers, with the generic code `BadRequest`, for a tenant without
/// Intune. Graph gives this state no code of its own (every 400 is `BadRequest`), so this
/// one fixed sentence is the only place the mapping reads a message; everywhere else it
/// branches on the status and `error.code`.
const NOT_PROVISIONED: &str = "Request not applicable to target tenant.";

fn is_not_provisioned(status: u16, body: &GraphErrorBody) -> bool {
    status == 400 && body.code == "BadRequest" && body.message.trim() == NOT_PROVISIONED
}

/// A final (non-retried) Graph failure, mapped per GRAPH.md's table: by status and
/// `error.code`.
pub(crate) fn graph_failure(status: u16, body: GraphErrorBody, path: &str) -> GraphError {
    let code = match (status, body.code.as_str()) {
        (403, _) => GraphErrorCode::PermissionMissing,
        _ if is_not_provisioned(status, &body) => GraphErrorCode::IntuneNotProvisioned,
        (401, "UnknownError") if path.contains("/deviceManagement") => {
            GraphErrorCode::IntuneLicenseInactive
        }
        // A 404 on a collection: the endpoint is not there for this tenant or version.
        (400 | 404, _) => GraphErrorCode::UnsupportedQuery,
        (429, _) => GraphErrorCode::Throttled,
        (500..=599, _) => GraphErrorCode::GraphUnavailable,
        _ => GraphErrorCode::Internal,
    };
    let scope = (code == GraphErrorCode::PermissionMissing)
        .then(|| scope_in(&body.message))
        .flatten();
    let message = if body.code.is_empty() {
        format!("Graph answered {status}: {}", body.message)
    } else {
        format!("Graph answered {status} {}: {}", body.code, body.message)
    };
    GraphError {
        code,
        message,
        request_id: body.request_id,
        client_request_id: body.client_request_id.map(Into::into),
        date: body.date.map(Into::into),
        scope,
        status: Some(status),
    }
}

/// The login's error body: `{"error","error_description","error_codes":[..],"trace_id",
/// "timestamp"}`.
#[derive(Debug, Default, Deserialize)]
struct LoginErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
    trace_id: Option<String>,
    timestamp: Option<String>,
}

/// The AADSTS codes GRAPH.md's table maps ("Authentication").
fn by_aadsts(code: u64) -> Option<GraphErrorCode> {
    Some(match code {
        7000215 => GraphErrorCode::AuthInvalidSecret,
        7000222 => GraphErrorCode::AuthSecretExpired,
        700016 => GraphErrorCode::AuthAppNotInTenant,
        7000112 => GraphErrorCode::AuthAppDisabled,
        90002 => GraphErrorCode::TenantNotFound,
        _ => return None,
    })
}

/// The OAuth 2.0 `error` field (RFC 6749 section 5.2, Entra's `reference-error-codes.md`),
/// for an AADSTS code not in the table: AADSTS codes are diagnostics Microsoft may add to
/// or change, the `error` field is the protocol's stable answer.
fn by_oauth_error(error: &str) -> Option<GraphErrorCode> {
    Some(match error {
        // the client's authentication failed: its secret
        "invalid_client" => GraphErrorCode::AuthInvalidSecret,
        // the app may not use this grant in this tenant: not there, not consented, disabled
        "unauthorized_client" => GraphErrorCode::AuthAppNotInTenant,
        // the client builds a well-formed request (tests check the form), so what Entra
        // finds invalid is the tenant named in the URL (as with 90002, 900023)
        "invalid_request" => GraphErrorCode::TenantNotFound,
        "temporarily_unavailable" => GraphErrorCode::GraphUnavailable,
        _ => return None,
    })
}

/// A failed token request, mapped by the first AADSTS code, else by the OAuth `error`.
pub(crate) fn login_failure(status: u16, body: &[u8]) -> GraphError {
    let parsed = serde_json::from_slice::<LoginErrorBody>(body).ok();
    let Some(login) = parsed else {
        let text: String = String::from_utf8_lossy(body).chars().take(500).collect();
        let code = if status >= 500 || status == 429 {
            GraphErrorCode::GraphUnavailable
        } else {
            GraphErrorCode::Internal
        };
        return GraphError {
            status: Some(status),
            ..GraphError::new(code, format!("login answered {status}: {text}"))
        };
    };
    let code = login
        .error_codes
        .first()
        .and_then(|code| by_aadsts(*code))
        .or_else(|| (status >= 500 || status == 429).then_some(GraphErrorCode::GraphUnavailable))
        .or_else(|| by_oauth_error(&login.error))
        .unwrap_or(GraphErrorCode::Internal);
    let message = if login.error_description.is_empty() {
        format!("login answered {status}: {}", login.error)
    } else {
        login.error_description
    };
    GraphError {
        code,
        message,
        request_id: login.trace_id,
        client_request_id: None,
        date: login.timestamp.map(Into::into),
        scope: None,
        status: Some(status),
    }
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
