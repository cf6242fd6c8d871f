//! The authenticated caller, put in the request by the API's authentication middleware.

use uuid::Uuid;

use super::permissions::{allows, Permission};
use crate::domain::token::{Role, TenantScope};

/// Why a caller may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The tenant is outside the token's scope (answered like a missing tenant).
    #[error("the tenant is not visible to this token")]
    TenantNotVisible,
    #[error("a {role} token may not do this")]
    RoleLacksPermission { role: Role },
}

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
    pub fn authorize(&self, permission: Permission, tenant_id: Option<Uuid>) -> Result<(), Denied> {
        if let Some(tenant_id) = tenant_id {
            if !self.can_see(tenant_id) {
                return Err(Denied::TenantNotVisible);
            }
        }
        if !allows(self.role, permission) {
            return Err(Denied::RoleLacksPermission { role: self.role });
        }
        Ok(())
    }

    /// The tenants a list may show, or `None` for every tenant.
    pub fn visible_tenants(&self) -> Option<Vec<Uuid>> {
        self.scope.tenant_ids().map(<[Uuid]>::to_vec)
    }
}
