//! Microsoft Graph: the client the run executor reads tenants' Intune configuration with
//! (client-credentials tokens, paging, retries, pacing), the error codes it maps every
//! failure to, and its write side for restores (`write`). Base URLs come from
//! configuration, so tests and the demo use the simulator.

mod client;
mod content;
mod errors;
mod fetch;
mod http;
mod jwt;
mod pacing;
mod paging;
mod retry;
mod settings;
mod tls;
mod tokens;
mod types;
pub mod write;

pub use client::GraphClient;
pub use content::Content;
pub use settings::GraphSettings;
pub use tls::install_tls_provider;
pub use types::{
    CapturedSecret, FetchedObject, FetchedType, GraphError, GraphErrorCode, IncompleteObject,
    TenantCredentials,
};
