//! The HTTP side of `crate::auth`. Authentication for everything under `/api/v1`: the
//! bearer token is looked up by its hash; the caller becomes a `Principal` (for
//! authorization) and an `Actor` (for event metadata). Anything else answers 401 with
//! `WWW-Authenticate: Bearer`. A denied authorization answers 404 or 403.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::{ready, Ready};
use uuid::Uuid;

use super::context::Actor;
use super::error::ApiError;
use super::AppState;
use crate::auth::{bearer_token, hash, looks_issued, AuthFailure, Denied, Principal};
use crate::db::CachedStatements;
use crate::domain::token::{Role, TenantScope};

pub const BOOTSTRAP_ADMIN: &str = "bootstrap-admin";

pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match principal_of(&request).await {
        Ok(principal) => {
            request.extensions_mut().insert(Actor {
                id: principal.token_id.clone(),
                name: Some(principal.name.clone()),
            });
            request.extensions_mut().insert(principal);
            Ok(next.call(request).await?.map_into_left_body())
        }
        Err(error) => {
            let response = error.error_response();
            Ok(request.into_response(response).map_into_right_body())
        }
    }
}

async fn principal_of(request: &ServiceRequest) -> Result<Principal, ApiError> {
    let header = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| ApiError::Unauthenticated(AuthFailure::Malformed))
        })
        .transpose()?;
    let token = bearer_token(header).map_err(ApiError::Unauthenticated)?;
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".to_owned()))?;
    let token_hash = hash(token);
    if state.bootstrap_admin_hash.as_deref() == Some(token_hash.as_slice()) {
        return Ok(Principal {
            token_id: BOOTSTRAP_ADMIN.to_owned(),
            name: "TENANTPILOT_ADMIN_TOKEN".to_owned(),
            role: Role::Admin,
            scope: TenantScope::AllTenants,
        });
    }
    if !looks_issued(token) {
        return Err(ApiError::Unauthenticated(AuthFailure::Invalid));
    }
    let client = state.pool.get().await?;
    let row = client
        .query_cached(
            "SELECT t.id, t.name, t.role, t.tenant_ids
             FROM token_credentials c JOIN api_tokens t ON t.id = c.token_id
             WHERE c.hash = $1 AND t.revoked_at IS NULL",
            &[&token_hash],
        )
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::Unauthenticated(AuthFailure::Invalid))?;
    let id: Uuid = row.get(0);
    let role = Role::parse(row.get::<_, &str>(2))
        .ok_or_else(|| ApiError::Internal("stored token role unreadable".to_owned()))?;
    let scope = match row.get::<_, Option<Vec<Uuid>>>(3) {
        None => TenantScope::AllTenants,
        Some(tenant_ids) => TenantScope::Tenants { tenant_ids },
    };
    Ok(Principal {
        token_id: id.to_string(),
        name: row.get(1),
        role,
        scope,
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Principal>()
                .cloned()
                .ok_or(ApiError::Unauthenticated(AuthFailure::Missing)),
        )
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            // exactly like a tenant that does not exist: nothing is learnt about it
            Denied::TenantNotVisible => ApiError::NotFound("tenant"),
            Denied::RoleLacksPermission { .. } => ApiError::Forbidden(denied.to_string()),
        }
    }
}
