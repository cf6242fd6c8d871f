//! The authenticated caller, put in the request by the authentication middleware.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Ready};
use uuid::Uuid;

use super::credentials::AuthFailure;
use super::permissions::{allows, Permission};
use crate::api::error::ApiError;
use crate::domain::token::{Role, TenantScope};

#[derive(Debug, Clone)]
pub struct Principal {
    /// The token id (or `bootstrap-admin` for `TENANTPILOT_ADMIN_TOKEN`).
    pub token_id: String,
    pub name: String,
    pub role: Role,
    pub scope: TenantScope,
}

impl Principal {
    pub fn can_see(&self, tenant_id: Uuid) -> bool {
        self.scope.includes(tenant_id)
    }

    /// Tenant first: a tenant outside the scope answers exactly like a missing one, so a
    /// token learns nothing about tenants it was not granted. Then the role.
    pub fn authorize(
        &self,
        permission: Permission,
        tenant_id: Option<Uuid>,
    ) -> Result<(), ApiError> {
        if let Some(tenant_id) = tenant_id {
            if !self.can_see(tenant_id) {
                return Err(ApiError::NotFound("tenant"));
            }
        }
        if !allows(self.role, permission) {
            return Err(ApiError::Forbidden(format!(
                "a {} token may not do this",
                self.role
            )));
        }
        Ok(())
    }

    /// The tenants a list may show, or `None` for every tenant.
    pub fn visible_tenants(&self) -> Option<Vec<Uuid>> {
        self.scope.tenant_ids().map(<[Uuid]>::to_vec)
    }
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
