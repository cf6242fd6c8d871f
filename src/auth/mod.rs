//! Authentication (bearer tokens, stored hashed) and authorization (roles and tenant scope).

mod credentials;
mod issue;
mod permissions;
mod principal;

pub use credentials::{bearer_token, hash, looks_issued, AuthFailure, TokenValue, TOKEN_PREFIX};
pub use issue::{issue_token, missing_tenants, revoke_token, IssuedToken, TokenServiceError};
pub use permissions::{allows, Permission};
pub use principal::{Denied, Principal};
