use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::values::{DisableReason, EventTypeFilter, WebhookDescription, WebhookUrl};
use crate::domain::token::TenantScope;

#[derive(Debug, Clone, PartialEq)]
pub enum WebhookCommand {
    Create(CreateWebhook),
    Update(UpdateWebhook),
    /// `secret_id` is the new sealed secret's row; the current one keeps signing until
    /// `previous_expires_at`.
    RotateSecret {
        secret_id: Uuid,
        previous_expires_at: DateTime<Utc>,
    },
    Enable,
    Disable(DisableWebhook),
    Delete,
    /// Send one of its messages again (same `webhook-id`, a new attempt).
    Redeliver {
        message_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateWebhook {
    pub webhook_id: Uuid,
    pub url: WebhookUrl,
    pub event_types: EventTypeFilter,
    pub tenants: TenantScope,
    pub description: Option<WebhookDescription>,
    pub enabled: bool,
    /// The sealed secret's row (the secret itself stays out of commands and events).
    pub secret_id: Uuid,
}

/// Changes any subset of the writable fields; unchanged values produce no event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpdateWebhook {
    pub url: Option<WebhookUrl>,
    pub event_types: Option<EventTypeFilter>,
    pub tenants: Option<TenantScope>,
    /// `Some(None)` removes the description.
    pub description: Option<Option<WebhookDescription>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DisableWebhook {
    pub reason: DisableReason,
    pub status_code: Option<u16>,
    pub failing_since: Option<DateTime<Utc>>,
}

impl DisableWebhook {
    pub fn manual() -> Self {
        Self {
            reason: DisableReason::Manual,
            status_code: None,
            failing_since: None,
        }
    }
}
