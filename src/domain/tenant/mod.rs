//! The Tenant aggregate: a Microsoft 365 tenant under management.

mod aggregate;
mod commands;
mod errors;
mod events;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::{Tenant, TenantStatus};
pub use commands::{RegisterTenant, TenantCommand, UpdateTenant};
pub use errors::TenantError;
pub use events::{SecretRetirement, TenantEvent};
pub use values::{InvalidTenantName, TenantName};
