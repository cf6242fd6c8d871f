use uuid::Uuid;

use super::values::TenantName;

#[derive(Debug, Clone, PartialEq)]
pub enum TenantCommand {
    Register(RegisterTenant),
    Update(UpdateTenant),
    Deactivate,
    Reactivate,
    Delete,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegisterTenant {
    pub tenant_id: Uuid,
    pub display_name: TenantName,
    pub azure_tenant_id: Uuid,
    pub client_id: Uuid,
    /// The stored secret row, when a secret was given (the secret itself stays out of commands).
    pub client_secret_id: Option<Uuid>,
}

/// Changes any subset of the writable fields; unchanged values produce no event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpdateTenant {
    pub display_name: Option<TenantName>,
    pub client_id: Option<Uuid>,
    pub client_secret_id: Option<Uuid>,
}
