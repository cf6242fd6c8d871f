use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::values::{DisableReason, EventTypeFilter, WebhookDescription, WebhookUrl};
use crate::domain::token::TenantScope;

/// Webhook events. The signing secret never appears: `secret_id` points at the sealed row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum WebhookEvent {
    WebhookCreated {
        webhook_id: Uuid,
        url: WebhookUrl,
        event_types: EventTypeFilter,
        tenants: TenantScope,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<WebhookDescription>,
        enabled: bool,
        secret_id: Uuid,
    },
    /// Only the fields that changed are present; `description: null` removed it.
    WebhookUpdated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<WebhookUrl>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_types: Option<EventTypeFilter>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tenants: Option<TenantScope>,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        description: Option<Option<WebhookDescription>>,
    },
    /// A new signing secret; the previous one still signs (a second signature) until
    /// `previous_expires_at`, so receivers can switch without losing a message.
    WebhookSecretRotated {
        secret_id: Uuid,
        previous_secret_id: Uuid,
        previous_expires_at: DateTime<Utc>,
    },
    WebhookEnabled,
    /// `reason` is `manual`, `gone` (the endpoint answered 410) or `failing` (every attempt
    /// failed for the failing window); the notifications consumer keys on it.
    WebhookDisabled {
        reason: DisableReason,
        /// For `gone`: the status the endpoint answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_code: Option<u16>,
        /// For `failing`: since when every attempt failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failing_since: Option<DateTime<Utc>>,
    },
    WebhookDeleted,
    /// Someone asked for a message to be sent again (who: the event's actor).
    WebhookRedeliveryRequested {
        message_id: Uuid,
    },
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`, the default).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl DomainEvent for WebhookEvent {
    fn event_type(&self) -> String {
        match self {
            Self::WebhookCreated { .. } => "WebhookCreated",
            Self::WebhookUpdated { .. } => "WebhookUpdated",
            Self::WebhookSecretRotated { .. } => "WebhookSecretRotated",
            Self::WebhookEnabled => "WebhookEnabled",
            Self::WebhookDisabled { .. } => "WebhookDisabled",
            Self::WebhookDeleted => "WebhookDeleted",
            Self::WebhookRedeliveryRequested { .. } => "WebhookRedeliveryRequested",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
