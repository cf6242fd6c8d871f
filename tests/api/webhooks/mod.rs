//! Webhooks end to end: real receivers (signatures checked with ring, not the service's
//! HMAC), retries by the injected clock, restarts on the same database.

mod bad_input;
mod crud;
mod delivery;
mod isolation;
mod receiver;
mod restart;
mod retries;
mod rotation;
mod runs;
mod sealing;
mod ssrf;
mod support;
