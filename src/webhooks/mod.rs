//! Webhooks as Standard Webhooks describes them: subscriptions (the `Webhook` aggregate),
//! a fan-out from the event feed with its own checkpoint, signed deliveries with retries,
//! and an SSRF guard on every URL.
//!
//! - `mapping`: which events are public, and their thin payloads;
//! - `fanout` / `routes`: one message per (event, subscribed webhook), in the checkpoint's
//!   transaction;
//! - `sender`: claims, signs and sends attempts, records them, disables endpoints that
//!   are gone or keep failing;
//! - `signing`, `secrets`, `guard`, `retry`, `settings`: what those need.

pub mod fanout;
pub mod guard;
pub mod mapping;
pub mod retry;
pub mod routes;
pub mod runner;
pub mod secrets;
pub mod sender;
pub mod settings;
pub mod signing;

pub use fanout::{Fanout, WEBHOOKS};
pub use settings::{WebhookSettings, DEFAULT_RETRY_SCHEDULE};
pub use signing::SigningSecret;
