//! `/beta/...`: authentication, the tenant-wide and per-type faults, then the resource.
//! The order follows Graph: token first, then the tenant's Intune state, then permissions,
//! then throttling and transient failures. `POST /beta/$batch` unpacks its requests and
//! sends each through [`handle`] as if it had come alone (routes/batch.rs).

use std::time::Duration;

use actix_web::http::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::batch;
use super::groups;
use super::resources::{self, Request};
use super::target::Target;
use super::write::{self, Unroutable, WriteTarget};
use crate::graph_sim::errors::{intune_message, RequestIds};
use crate::graph_sim::faults::{Fault, Injected};
use crate::graph_sim::paging::Query;
use crate::graph_sim::state::{SimState, Tenant};
use crate::graph_sim::stats::ThrottleRecord;
use crate::graph_sim::tokens::{Issued, TokenCheck};

/// One Graph request, whether it came alone or inside a batch.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    /// The path after `/beta/`.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    pub authorization: Option<String>,
    pub client_request_id: Option<String>,
    /// `scheme://host` the caller reached, for absolute links.
    pub base: String,
    /// The request body (writes).
    pub body: web::Bytes,
}

pub async fn graph(req: HttpRequest, body: web::Bytes, state: web::Data<SimState>) -> HttpResponse {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let base = {
        let connection = req.connection_info();
        format!("{}://{}", connection.scheme(), connection.host())
    };
    let call = Call {
        method: req.method().clone(),
        path: req.match_info().query("tail").to_owned(),
        query: req.query_string().to_owned(),
        authorization: header(AUTHORIZATION.as_str()),
        client_request_id: header("client-request-id"),
        base,
        body: body.clone(),
    };
    if call.path.trim_end_matches('/') == "$batch" {
        return batch::serve(&state, call, &body).await;
    }
    handle(&state, call).await
}

/// The caller's token, or the message of Graph's 401 for it ([`unauthorized`]).
pub fn authenticate(state: &SimState, authorization: Option<&str>) -> Result<Issued, &'static str> {
    match state.tokens.check(authorization, Utc::now()) {
        TokenCheck::Valid(issued) if state.tenant(&issued.tenant).is_some() => Ok(issued),
        refused => {
            state.stats.unauthenticated();
            Err(match refused {
                TokenCheck::Missing => "Access token is empty.",
                TokenCheck::Expired => "Lifetime validation failed, the token is expired.",
                TokenCheck::Valid(_) => "Access token validation failure.",
                _ => "Access token validation failure. Invalid audience.",
            })
        }
    }
}

/// Graph's 401 for a refused token.
pub fn unauthorized(ids: &RequestIds, message: &str) -> HttpResponse {
    ids.error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    )
}

/// Serves one Graph request, counted in the stats like any other.
pub async fn handle(state: &SimState, call: Call) -> HttpResponse {
    let ids = RequestIds::new(call.client_request_id.as_deref());
    let issued = match authenticate(state, call.authorization.as_deref()) {
        Ok(issued) => issued,
        Err(message) => return unauthorized(&ids, message),
    };
    let Some(tenant) = state.tenant(&issued.tenant) else {
        return ids.error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        );
    };
    // Entra groups (a restore's group mapping), outside the Intune catalog
    if groups::is_groups(&call.path) {
        let _in_flight = state.stats.begin(&issued.tenant, Some("groups"));
        let response = if call.method == Method::GET {
            groups::serve(&call, tenant, &issued, &ids)
        } else {
            write::method_not_allowed(&ids, &call)
        };
        state
            .stats
            .responded(&issued.tenant, response.status().as_u16());
        return response;
    }
    if call.method != Method::GET {
        let target = WriteTarget::parse(&call.method, &call.path);
        let family = target.as_ref().ok().map(|t| t.located.collection.key);
        let _in_flight = state.stats.begin(&issued.tenant, family);
        state.stats.write_request(&issued.tenant);
        if call.client_request_id.is_none() {
            state.stats.without_client_request_id(&issued.tenant);
        }
        let response = serve_write(&call, state, tenant, &issued, &ids, target).await;
        state
            .stats
            .responded(&issued.tenant, response.status().as_u16());
        return response;
    }
    let target = Target::parse(&call.path);
    let family = target.as_ref().ok().map(|t| t.located().collection.key);
    let _in_flight = state.stats.begin(&issued.tenant, family);
    if let Ok(target) = &target {
        state.stats.request_kind(&issued.tenant, target.kind());
    }
    if call.client_request_id.is_none() {
        state.stats.without_client_request_id(&issued.tenant);
    }
    let response = serve(&call, state, tenant, &issued, &ids, target).await;
    state
        .stats
        .responded(&issued.tenant, response.status().as_u16());
    response
}

async fn serve(
    call: &Call,
    state: &SimState,
    tenant: &Tenant,
    issued: &Issued,
    ids: &RequestIds,
    target: Result<Target, String>,
) -> HttpResponse {
    let path = call.path.as_str();
    let family = target.as_ref().ok().map(|t| t.located().collection.key);
    let delay = tenant.with_faults(|faults| faults.delay_ms(family));
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let url_path = format!("/beta/{path}");
    if path.starts_with("deviceManagement") {
        if let Some(response) = tenant_state_fault(tenant, ids, &url_path) {
            return response;
        }
    }
    let target = match target {
        Ok(target) => target,
        Err(segment) => {
            return ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
            );
        }
    };
    let collection = target.located().collection;
    if !has_permission(issued, collection.permission) {
        return forbidden(ids, collection.permission, None, &url_path);
    }
    // Graph requires the ReadWrite permission to reveal secret values (oma_secret.rs)
    if matches!(target, Target::OmaPlainText(..)) && !has_role(issued, OMA_SECRET_ROLE) {
        let scope = Some(OMA_SECRET_ROLE.to_owned());
        return forbidden(ids, collection.permission, scope, &url_path);
    }
    if let Some(response) = injected(
        state,
        tenant,
        issued,
        ids,
        collection.key,
        collection.permission,
        &url_path,
    ) {
        return response;
    }
    let mut query = match Query::parse(&call.query) {
        Ok(query) => query,
        Err(message) => return ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    query.canonicalize_expands(NAVIGATION_PROPERTIES);
    query.max_top = Some(tenant.config.max_top(target.page_level()));
    if !query.expand.is_empty()
        && tenant.with_faults(|faults| faults.take_expand_error(Some(collection.key)))
    {
        return server_error(ids, 500);
    }
    let base = call.base.as_str();
    let malformed = tenant.with_faults(|faults| faults.malformed(Some(collection.key)));
    let request = Request {
        tenant,
        ids,
        query: &query,
        base,
        path,
        malformed,
    };
    resources::serve(&request, &target)
}

/// The fault a call of `key` gets (403, 429 or 5xx), reads and writes alike.
fn injected(
    state: &SimState,
    tenant: &Tenant,
    issued: &Issued,
    ids: &RequestIds,
    key: &str,
    permission: &str,
    url_path: &str,
) -> Option<HttpResponse> {
    match tenant.with_faults(|faults| faults.take(Some(key)))? {
        Injected::Forbidden { scope } => Some(forbidden(ids, permission, scope, url_path)),
        Injected::Throttled { retry_after_secs } => {
            state.stats.throttled(
                &issued.tenant,
                ThrottleRecord {
                    at: Utc::now(),
                    path: url_path.to_owned(),
                    policy_type: Some(key.to_owned()),
                    retry_after_secs,
                },
            );
            let mut response = ids.error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                &intune_message("Too many requests, retry after some time", url_path),
            );
            // an Intune storm's 429 has none: Intune does not send Retry-After
            if let Some(seconds) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            Some(response)
        }
        Injected::ServerError { status } => Some(server_error(ids, status)),
    }
}

/// A write: the same order as a read (slow answers, the tenant's Intune state, the
/// path, the type's ReadWrite permission, then 403/429/5xx faults), then write/.
async fn serve_write(
    call: &Call,
    state: &SimState,
    tenant: &Tenant,
    issued: &Issued,
    ids: &RequestIds,
    target: Result<WriteTarget, Unroutable>,
) -> HttpResponse {
    let family = target.as_ref().ok().map(|t| t.located.collection.key);
    let delay = tenant.with_faults(|faults| faults.delay_ms(family));
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let url_path = format!("/beta/{}", call.path);
    if call.path.starts_with("deviceManagement") {
        if let Some(response) = tenant_state_fault(tenant, ids, &url_path) {
            return response;
        }
    }
    let target = match target {
        Ok(target) => target,
        Err(Unroutable::Method) => return write::method_not_allowed(ids, call),
        Err(Unroutable::Segment(segment)) => {
            return ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
            );
        }
    };
    let collection = target.located.collection;
    if !write::writable(collection.key) {
        return write::method_not_allowed(ids, call);
    }
    let write_role = write::write_permission(collection.permission);
    if !has_role(issued, &write_role) {
        return forbidden(ids, collection.permission, Some(write_role), &url_path);
    }
    if let Some(response) = injected(
        state,
        tenant,
        issued,
        ids,
        collection.key,
        collection.permission,
        &url_path,
    ) {
        return response;
    }
    write::serve(state, tenant, issued, ids, call, &target)
}

/// The navigation properties the simulator expands, as the metadata spells them (property
/// names in `$expand` match whatever their case).
const NAVIGATION_PROPERTIES: &[&str] = &[
    "assignments",
    "settings",
    "definitionValues",
    "apps",
    "items",
    "scheduledActionsForRule",
    "localizedNotificationMessages",
    "settingDefinitions",
    "definition",
    "presentation",
    "scheduledActionConfigurations",
];

/// Licence expired (401 `UnknownError`) or Intune not provisioned (400): every
/// deviceManagement call answers so.
fn tenant_state_fault(tenant: &Tenant, ids: &RequestIds, url_path: &str) -> Option<HttpResponse> {
    if tenant.with_faults(|faults| faults.has(|f| *f == Fault::LicenseExpired)) {
        return Some(ids.error(
            StatusCode::UNAUTHORIZED,
            "UnknownError",
            &intune_message("An error has occurred", url_path),
        ));
    }
    if tenant.with_faults(|faults| faults.has(|f| *f == Fault::IntuneNotProvisioned)) {
        return Some(ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Request not applicable to target tenant.",
        ));
    }
    None
}

const OMA_SECRET_ROLE: &str = "DeviceManagementConfiguration.ReadWrite.All";

fn has_role(issued: &Issued, wanted: &str) -> bool {
    issued
        .roles
        .as_ref()
        .is_some_and(|roles| roles.iter().any(|role| role == wanted))
}

/// Whether the token's roles grant read access to a permission family.
fn has_permission(issued: &Issued, family: &str) -> bool {
    issued.roles.as_ref().is_some_and(|roles| {
        roles.iter().any(|role| {
            role == &format!("{family}.Read.All") || role == &format!("{family}.ReadWrite.All")
        })
    })
}

fn forbidden(
    ids: &RequestIds,
    family: &str,
    scope: Option<String>,
    url_path: &str,
) -> HttpResponse {
    if url_path.starts_with("/beta/identity/") {
        // Entra (not Intune) answers without naming the scope, e.g. Conditional Access:
        // witnessed in AlexFilipin/ConditionalAccess#10 and microsoft-graph-explorer-v4#2580
        return ids.error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "You cannot perform the requested operation, required scopes are missing in the token.",
        );
    }
    let scopes = scope.unwrap_or_else(|| format!("{family}.Read.All, {family}.ReadWrite.All"));
    let message = intune_message(
        &format!("Application is not authorized to perform this operation. Application must have one of the following scopes: {scopes}"),
        url_path,
    );
    ids.error(StatusCode::FORBIDDEN, "Forbidden", &message)
}

fn server_error(ids: &RequestIds, status: u16) -> HttpResponse {
    let (status, code, message) = match status {
        500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An internal server error occurred.",
        ),
        502 => (
            StatusCode::BAD_GATEWAY,
            "BadGateway",
            "The gateway received an invalid response.",
        ),
        504 => (
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeout",
            "The request timed out.",
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry.",
        ),
    };
    let mut response = ids.error(status, code, message);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(1_u32));
    }
    response
}
