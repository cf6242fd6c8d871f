//! Read models built from the global feed by checkpointed consumers.

mod consumer;
mod policies;
mod projector;
mod runs;
mod schedules;
mod tenants;
mod tokens;
mod webhooks;

pub use consumer::{payload, Consumer, ConsumerError, EventHandler};
pub use projector::{ReadModels, READ_MODELS};
