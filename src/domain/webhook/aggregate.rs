use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{CreateWebhook, DisableWebhook, UpdateWebhook, WebhookCommand};
use super::errors::WebhookError;
use super::events::WebhookEvent;
use super::values::{EventTypeFilter, WebhookDescription, WebhookUrl};
use crate::domain::token::TenantScope;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    #[default]
    Unregistered,
    Enabled,
    Disabled,
    Deleted,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Webhook {
    status: WebhookStatus,
    url: Option<WebhookUrl>,
    event_types: Option<EventTypeFilter>,
    tenants: Option<TenantScope>,
    description: Option<WebhookDescription>,
    secret_id: Option<Uuid>,
}

impl Webhook {
    pub fn status(&self) -> WebhookStatus {
        self.status
    }

    pub fn secret_id(&self) -> Option<Uuid> {
        self.secret_id
    }

    fn ensure_exists(&self) -> Result<(), WebhookError> {
        match self.status {
            WebhookStatus::Unregistered => Err(WebhookError::NotFound),
            WebhookStatus::Deleted => Err(WebhookError::Deleted),
            WebhookStatus::Enabled | WebhookStatus::Disabled => Ok(()),
        }
    }

    fn create(&self, command: CreateWebhook) -> Result<Vec<WebhookEvent>, WebhookError> {
        if self.status != WebhookStatus::Unregistered {
            return Err(WebhookError::AlreadyExists);
        }
        Ok(vec![WebhookEvent::WebhookCreated {
            webhook_id: command.webhook_id,
            url: command.url,
            event_types: command.event_types,
            tenants: command.tenants,
            description: command.description,
            enabled: command.enabled,
            secret_id: command.secret_id,
        }])
    }

    fn update(&self, command: UpdateWebhook) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        let url = command.url.filter(|url| self.url.as_ref() != Some(url));
        let event_types = command
            .event_types
            .filter(|types| self.event_types.as_ref() != Some(types));
        let tenants = command
            .tenants
            .filter(|tenants| self.tenants.as_ref() != Some(tenants));
        let description = command
            .description
            .filter(|description| *description != self.description);
        if url.is_none() && event_types.is_none() && tenants.is_none() && description.is_none() {
            return Ok(Vec::new());
        }
        Ok(vec![WebhookEvent::WebhookUpdated {
            url,
            event_types,
            tenants,
            description,
        }])
    }

    fn rotate_secret(
        &self,
        secret_id: Uuid,
        previous_expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        let previous_secret_id = self.secret_id.ok_or(WebhookError::NotFound)?;
        Ok(vec![WebhookEvent::WebhookSecretRotated {
            secret_id,
            previous_secret_id,
            previous_expires_at,
        }])
    }

    fn set_enabled(&self, enabled: bool) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        Ok(match (self.status, enabled) {
            (WebhookStatus::Disabled, true) => vec![WebhookEvent::WebhookEnabled],
            // already in the asked-for state: nothing happened, so nothing is recorded
            _ => Vec::new(),
        })
    }

    fn disable(&self, command: DisableWebhook) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        if self.status == WebhookStatus::Disabled {
            // disabled already (by an admin, or by an earlier answer of the endpoint)
            return Ok(Vec::new());
        }
        Ok(vec![WebhookEvent::WebhookDisabled {
            reason: command.reason,
            status_code: command.status_code,
            failing_since: command.failing_since,
        }])
    }

    fn redeliver(&self, message_id: Uuid) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        if self.status == WebhookStatus::Disabled {
            return Err(WebhookError::Disabled);
        }
        Ok(vec![WebhookEvent::WebhookRedeliveryRequested {
            message_id,
        }])
    }

    fn delete(&self) -> Result<Vec<WebhookEvent>, WebhookError> {
        self.ensure_exists()?;
        Ok(vec![WebhookEvent::WebhookDeleted])
    }
}

impl Aggregate for Webhook {
    const TYPE: &'static str = "webhook";
    type Command = WebhookCommand;
    type Event = WebhookEvent;
    type Error = WebhookError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            WebhookCommand::Create(create) => self.create(create)?,
            WebhookCommand::Update(update) => self.update(update)?,
            WebhookCommand::RotateSecret {
                secret_id,
                previous_expires_at,
            } => self.rotate_secret(secret_id, previous_expires_at)?,
            WebhookCommand::Enable => self.set_enabled(true)?,
            WebhookCommand::Disable(disable) => self.disable(disable)?,
            WebhookCommand::Delete => self.delete()?,
            WebhookCommand::Redeliver { message_id } => self.redeliver(message_id)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            WebhookEvent::WebhookCreated {
                url,
                event_types,
                tenants,
                description,
                enabled,
                secret_id,
                ..
            } => {
                self.status = if enabled {
                    WebhookStatus::Enabled
                } else {
                    WebhookStatus::Disabled
                };
                self.url = Some(url);
                self.event_types = Some(event_types);
                self.tenants = Some(tenants);
                self.description = description;
                self.secret_id = Some(secret_id);
            }
            WebhookEvent::WebhookUpdated {
                url,
                event_types,
                tenants,
                description,
            } => {
                self.url = url.or(self.url.take());
                self.event_types = event_types.or(self.event_types.take());
                self.tenants = tenants.or(self.tenants.take());
                if let Some(description) = description {
                    self.description = description;
                }
            }
            WebhookEvent::WebhookSecretRotated { secret_id, .. } => {
                self.secret_id = Some(secret_id)
            }
            WebhookEvent::WebhookEnabled => self.status = WebhookStatus::Enabled,
            WebhookEvent::WebhookDisabled { .. } => self.status = WebhookStatus::Disabled,
            WebhookEvent::WebhookDeleted => self.status = WebhookStatus::Deleted,
            WebhookEvent::WebhookRedeliveryRequested { .. } => {}
        }
    }
}
