//! `/beta/...`: authentication, the tenant-wide and per-type faults, then the resource.
//! The order follows Graph: token first, then the tenant's Intune state, then permissions,
//! then throttling and transient failures.

use std::time::Duration;

use actix_web::http::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::resources::{self, Request};
use super::target::Target;
use crate::graph_sim::errors::{intune_message, RequestIds};
use crate::graph_sim::faults::{Fault, Injected};
use crate::graph_sim::paging::Query;
use crate::graph_sim::state::{SimState, Tenant};
use crate::graph_sim::stats::ThrottleRecord;
use crate::graph_sim::tokens::{Issued, TokenCheck};

pub async fn graph(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let client_request_id = header("client-request-id");
    let ids = RequestIds::new(client_request_id);
    let issued = match state
        .tokens
        .check(header(AUTHORIZATION.as_str()), Utc::now())
    {
        TokenCheck::Valid(issued) => issued,
        refused => {
            state.stats.unauthenticated();
            let message = match refused {
                TokenCheck::Missing => "Access token is empty.",
                TokenCheck::Expired => "Lifetime validation failed, the token is expired.",
                _ => "Access token validation failure. Invalid audience.",
            };
            return ids.error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
            );
        }
    };
    let Some(tenant) = state.tenant(&issued.tenant) else {
        state.stats.unauthenticated();
        return ids.error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        );
    };
    let path = req.match_info().query("tail").to_owned();
    let target = Target::parse(&path);
    let family = target.as_ref().ok().map(|t| t.located().collection.key);
    let _in_flight = state.stats.begin(&issued.tenant, family);
    if client_request_id.is_none() {
        state.stats.without_client_request_id(&issued.tenant);
    }
    let response = serve(&req, &state, tenant, &issued, &ids, &path, target).await;
    state
        .stats
        .responded(&issued.tenant, response.status().as_u16());
    response
}

async fn serve(
    req: &HttpRequest,
    state: &SimState,
    tenant: &Tenant,
    issued: &Issued,
    ids: &RequestIds,
    path: &str,
    target: Result<Target, String>,
) -> HttpResponse {
    let family = target.as_ref().ok().map(|t| t.located().collection.key);
    let delay = tenant.with_faults(|faults| faults.delay_ms(family));
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if req.method() != Method::GET {
        return ids.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "The simulator serves reads only.",
        );
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
    match tenant.with_faults(|faults| faults.take(Some(collection.key))) {
        Some(Injected::Forbidden { scope }) => {
            return forbidden(ids, collection.permission, scope, &url_path)
        }
        Some(Injected::Throttled { retry_after_secs }) => {
            state.stats.throttled(
                &issued.tenant,
                ThrottleRecord {
                    at: Utc::now(),
                    path: url_path.clone(),
                    policy_type: Some(collection.key.to_owned()),
                    retry_after_secs,
                },
            );
            let mut response = ids.error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                &intune_message("Too many requests, retry after some time", &url_path),
            );
            // an Intune storm's 429 has none: Intune does not send Retry-After
            if let Some(seconds) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            return response;
        }
        Some(Injected::ServerError { status }) => return server_error(ids, status),
        None => {}
    }
    let query = match Query::parse(req.query_string()) {
        Ok(query) => query,
        Err(message) => return ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let connection = req.connection_info();
    let base = format!("{}://{}", connection.scheme(), connection.host());
    let malformed = tenant.with_faults(|faults| faults.malformed(Some(collection.key)));
    let request = Request {
        tenant,
        ids,
        query: &query,
        base: &base,
        path,
        malformed,
    };
    resources::serve(&request, &target)
}

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
