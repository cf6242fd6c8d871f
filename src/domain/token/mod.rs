//! The ApiToken aggregate: bearer tokens with a role and a tenant scope. The token value
//! itself never enters an event; only its hash is stored, apart from the log.

mod aggregate;
mod commands;
mod errors;
mod events;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::ApiToken;
pub use commands::TokenCommand;
pub use errors::TokenError;
pub use events::TokenEvent;
pub use values::{Grant, InvalidGrant, Role, TenantScope, TokenName};
