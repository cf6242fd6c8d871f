//! What the Graph client gives the run executor: the objects of one policy type with their
//! full content, or an error with a stable code from DESIGN.md section 5 / GRAPH.md.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::content::Content;
use crate::config::SecretString;

/// One tenant's app registration, as the executor loads it (the secret opened from its
/// sealed row for this run only).
#[derive(Clone)]
pub struct TenantCredentials {
    /// The service's own tenant id (cache and pacing key).
    pub tenant_id: Uuid,
    pub azure_tenant_id: Uuid,
    pub client_id: Uuid,
    pub client_secret: SecretString,
}

impl fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantCredentials")
            .field("tenant_id", &self.tenant_id)
            .field("azure_tenant_id", &self.azure_tenant_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// One Graph object with everything a restore would need: the list entry completed with
/// its detail (`scriptContent`), settings, assignments and expansions where the type has
/// them, as Graph gave them (volatile fields are removed later, when hashing), held as
/// compact JSON text from the moment it is complete (`content.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedObject {
    pub graph_id: String,
    pub display_name: String,
    pub content: Content,
    /// Secret values read beside the content (encrypted OMA-URI settings): never part of
    /// `content`, which keeps Graph's masked value; stored sealed by the backup.
    pub secrets: Vec<CapturedSecret>,
}

/// One secret setting of an object: where it is in the content (an RFC 6901 pointer, e.g.
/// `/omaSettings/1/value`) and its plain value, or `None` when it could not be read (the
/// type's warnings say why). Its `Debug` never shows the value.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedSecret {
    pub path: String,
    pub value: Option<SecretString>,
}

/// Everything read for one policy type (or foundation).
///
/// Completeness adds up: `listed` = objects captured (`objects`, of which `incomplete`
/// lack something) + `deleted_while_reading`. Objects Graph lists in the type's collection
/// but that are not backed up as this type (Microsoft's global scripts, app configurations
/// in `managedAppPolicies`) are not counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchedType {
    pub objects: Vec<FetchedObject>,
    /// Listed, then gone at the detail read (404 / `ResourceNotFound`): skipped, no failure.
    pub deleted_while_reading: usize,
    /// Oddities worth a line in the report (an object without a display name, ...).
    pub warnings: Vec<String>,
    /// How many objects of the type Graph listed.
    pub listed: usize,
    /// Captured objects that lack something a restore may need, and why (they are kept
    /// with what was read).
    pub incomplete: Vec<IncompleteObject>,
}

impl FetchedType {
    /// Objects captured with everything their type has.
    pub fn whole(&self) -> usize {
        self.objects.len().saturating_sub(self.incomplete.len())
    }
}

/// An object captured with something missing: what a run report names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteObject {
    pub graph_id: String,
    pub display_name: String,
    /// What is missing and why, e.g. "`assignments`: GET .../assignments answered 404".
    pub reason: String,
}

/// The stable error codes of Graph and login failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphErrorCode {
    AuthInvalidSecret,
    AuthSecretExpired,
    AuthAppNotInTenant,
    AuthAppDisabled,
    TenantNotFound,
    ConsentMissing,
    IntuneNotProvisioned,
    IntuneLicenseInactive,
    Throttled,
    GraphUnavailable,
    /// Per type: a permission for that area is missing (`GraphError::scope` names it).
    PermissionMissing,
    /// Per type: Graph refused the query the type needs.
    UnsupportedQuery,
    /// Per object: Graph refused a write (400, 404, 409): the body or the target.
    GraphRejected,
    Internal,
}

impl GraphErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthInvalidSecret => "auth_invalid_secret",
            Self::AuthSecretExpired => "auth_secret_expired",
            Self::AuthAppNotInTenant => "auth_app_not_in_tenant",
            Self::AuthAppDisabled => "auth_app_disabled",
            Self::TenantNotFound => "tenant_not_found",
            Self::ConsentMissing => "consent_missing",
            Self::IntuneNotProvisioned => "intune_not_provisioned",
            Self::IntuneLicenseInactive => "intune_license_inactive",
            Self::Throttled => "throttled",
            Self::GraphUnavailable => "graph_unavailable",
            Self::PermissionMissing => "permission_missing",
            Self::UnsupportedQuery => "unsupported_query",
            Self::GraphRejected => "graph_rejected",
            Self::Internal => "internal",
        }
    }

    /// Whether the error ends the whole run (login, consent, the tenant's Intune itself),
    /// rather than only the policy type being read.
    pub fn fails_the_run(self) -> bool {
        !matches!(
            self,
            Self::PermissionMissing
                | Self::UnsupportedQuery
                | Self::GraphRejected
                | Self::Throttled
                | Self::GraphUnavailable
                | Self::Internal
        )
    }
}

impl fmt::Display for GraphErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Graph or login failure: its code, the raw message for support, and what Microsoft's
/// support asks for (Graph docs `concepts/errors.md`): Graph's `request-id` (or the login's
/// `trace_id`), the `client-request-id` the client sent, and the answer's `date`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct GraphError {
    pub code: GraphErrorCode,
    pub message: String,
    pub request_id: Option<String>,
    /// The `client-request-id` sent with the failed request (a fresh UUID per request).
    /// (Boxed strings, as `date`: they keep `Result<_, GraphError>` small.)
    pub client_request_id: Option<Box<str>>,
    /// When Graph answered: `innerError.date`, else the `Date` header (the login's
    /// `timestamp`).
    pub date: Option<Box<str>>,
    /// For `permission_missing`: the scope Graph named.
    pub scope: Option<String>,
    /// The HTTP status, when the failure was an HTTP answer.
    pub status: Option<u16>,
}

impl GraphError {
    /// The support details, for a recorded message: `request-id X, client-request-id Y,
    /// date Z` (those known), or `None` when there are none.
    pub fn support_details(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("request-id", self.request_id.as_deref()),
            ("client-request-id", self.client_request_id.as_deref()),
            ("date", self.date.as_deref()),
        ]
        .iter()
        .filter_map(|(name, value)| value.map(|value| format!("{name} {value}")))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    pub fn new(code: GraphErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            request_id: None,
            client_request_id: None,
            date: None,
            scope: None,
            status: None,
        }
    }
}
