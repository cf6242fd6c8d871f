/// Why the Tenant aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("the tenant is already registered")]
    AlreadyRegistered,
    #[error("the tenant does not exist")]
    NotFound,
    #[error("the tenant was deleted")]
    Deleted,
}
