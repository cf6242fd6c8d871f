//! Graph and login error bodies, and the mapping of failures to the stable error codes
//! (GRAPH.md, "Authentication" and "Graph responses").

use serde::Deserialize;

use super::types::{GraphError, GraphErrorCode};

/// Graph's error body: `{"error":{"code","message","innerError":{"request-id"}}}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct GraphErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
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
}

impl GraphErrorBody {
    /// Reads Graph's error body; anything else (an HTML error page from a proxy) is kept,
    /// shortened, as the message.
    pub fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice::<Envelope>(body) {
            Ok(envelope) => Self {
                code: envelope.error.code,
                message: envelope.error.message,
                request_id: envelope
                    .error
                    .inner_error
                    .and_then(|inner| inner.request_id),
            },
            Err(_) => Self {
                message: String::from_utf8_lossy(body).chars().take(500).collect(),
                ..Self::default()
            },
        }
    }
}

const SCOPES_PHRASE: &str = "must have one of the following scopes:";

/// The scope list Graph names in a 403 ("... must have one of the following scopes: X - ...").
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

/// A final (non-retried) Graph failure, mapped per GRAPH.md's table.
pub(crate) fn graph_failure(status: u16, body: GraphErrorBody, path: &str) -> GraphError {
    let code = match status {
        403 => GraphErrorCode::PermissionMissing,
        400 if body
            .message
            .contains("Request not applicable to target tenant") =>
        {
            GraphErrorCode::IntuneNotProvisioned
        }
        401 if body.code == "UnknownError" && path.contains("/deviceManagement") => {
            GraphErrorCode::IntuneLicenseInactive
        }
        // A 404 on a collection: the endpoint is not there for this tenant or version.
        400 | 404 => GraphErrorCode::UnsupportedQuery,
        429 => GraphErrorCode::Throttled,
        500..=599 => GraphErrorCode::GraphUnavailable,
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
        scope,
        status: Some(status),
    }
}

/// The login's error body: `{"error","error_description","error_codes":[..],"trace_id"}`.
#[derive(Debug, Default, Deserialize)]
struct LoginErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
    trace_id: Option<String>,
}

/// A failed token request, mapped by the first AADSTS code.
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
    let code = match login.error_codes.first() {
        Some(7000215) => GraphErrorCode::AuthInvalidSecret,
        Some(7000222) => GraphErrorCode::AuthSecretExpired,
        Some(700016) => GraphErrorCode::AuthAppNotInTenant,
        Some(7000112) => GraphErrorCode::AuthAppDisabled,
        Some(90002) => GraphErrorCode::TenantNotFound,
        _ if status >= 500 || status == 429 => GraphErrorCode::GraphUnavailable,
        _ => GraphErrorCode::Internal,
    };
    let message = if login.error_description.is_empty() {
        format!("login answered {status}: {}", login.error)
    } else {
        login.error_description
    };
    GraphError {
        code,
        message,
        request_id: login.trace_id,
        scope: None,
        status: Some(status),
    }
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
