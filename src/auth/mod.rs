//! Authentication (bearer tokens, stored hashed) and authorization (roles and tenant scope).

mod credentials;
mod issue;
mod middleware;
mod permissions;
mod principal;

pub use credentials::{hash, looks_issued, AuthFailure, TokenValue, TOKEN_PREFIX};
pub use issue::{issue_token, revoke_token, IssuedToken, TokenServiceError};
pub use middleware::{authenticate, BOOTSTRAP_ADMIN};
pub use permissions::{allows, Permission};
pub use principal::Principal;
