//! The Webhook aggregate: a subscription of an HTTP endpoint to public event types, for
//! every tenant or some. Its signing secret is sealed apart and referred to by id only.

mod aggregate;
mod commands;
mod errors;
mod events;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::{Webhook, WebhookStatus};
pub use commands::{CreateWebhook, DisableWebhook, UpdateWebhook, WebhookCommand};
pub use errors::WebhookError;
pub use events::WebhookEvent;
pub use values::{
    DisableReason, EventTypeFilter, InvalidEventTypes, InvalidWebhookUrl, PublicEventType,
    WebhookDescription, WebhookUrl, ALL_EVENT_TYPES, MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH,
};
