use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{RegisterTenant, TenantCommand, UpdateTenant};
use super::errors::TenantError;
use super::events::TenantEvent;
use super::values::TenantName;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    #[default]
    Unregistered,
    Active,
    Inactive,
    Deleted,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tenant {
    status: TenantStatus,
    display_name: Option<TenantName>,
    client_id: Option<Uuid>,
    client_secret_id: Option<Uuid>,
}

impl Tenant {
    pub fn status(&self) -> TenantStatus {
        self.status
    }

    pub fn client_secret_id(&self) -> Option<Uuid> {
        self.client_secret_id
    }

    fn ensure_exists(&self) -> Result<(), TenantError> {
        match self.status {
            TenantStatus::Unregistered => Err(TenantError::NotFound),
            TenantStatus::Deleted => Err(TenantError::Deleted),
            TenantStatus::Active | TenantStatus::Inactive => Ok(()),
        }
    }

    fn register(&self, command: RegisterTenant) -> Result<Vec<TenantEvent>, TenantError> {
        if self.status != TenantStatus::Unregistered {
            return Err(TenantError::AlreadyRegistered);
        }
        Ok(vec![TenantEvent::TenantRegistered {
            tenant_id: command.tenant_id,
            display_name: command.display_name,
            azure_tenant_id: command.azure_tenant_id,
            client_id: command.client_id,
            client_secret_id: command.client_secret_id,
        }])
    }

    fn update(&self, command: UpdateTenant) -> Result<Vec<TenantEvent>, TenantError> {
        self.ensure_exists()?;
        let mut events = Vec::new();
        if let Some(name) = command.display_name {
            if self.display_name.as_ref() != Some(&name) {
                events.push(TenantEvent::TenantRenamed { display_name: name });
            }
        }
        let secret_changed = command.client_secret_id.is_some();
        if let Some(client_id) = command.client_id.or(self.client_id) {
            if Some(client_id) != self.client_id || secret_changed {
                events.push(TenantEvent::TenantCredentialsChanged {
                    client_id,
                    client_secret_id: command.client_secret_id.or(self.client_secret_id),
                    retired_secret_id: self.client_secret_id.filter(|_| secret_changed),
                });
            }
        }
        Ok(events)
    }

    fn set_active(&self, active: bool) -> Result<Vec<TenantEvent>, TenantError> {
        self.ensure_exists()?;
        Ok(match (self.status, active) {
            (TenantStatus::Inactive, true) => vec![TenantEvent::TenantReactivated],
            (TenantStatus::Active, false) => vec![TenantEvent::TenantDeactivated],
            // already in the asked-for state: nothing happened, so nothing is recorded
            _ => Vec::new(),
        })
    }

    fn delete(&self) -> Result<Vec<TenantEvent>, TenantError> {
        self.ensure_exists()?;
        Ok(vec![TenantEvent::TenantDeleted])
    }
}

impl Aggregate for Tenant {
    const TYPE: &'static str = "tenant";
    type Command = TenantCommand;
    type Event = TenantEvent;
    type Error = TenantError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            TenantCommand::Register(register) => self.register(register)?,
            TenantCommand::Update(update) => self.update(update)?,
            TenantCommand::Deactivate => self.set_active(false)?,
            TenantCommand::Reactivate => self.set_active(true)?,
            TenantCommand::Delete => self.delete()?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            TenantEvent::TenantRegistered {
                display_name,
                client_id,
                client_secret_id,
                ..
            } => {
                self.status = TenantStatus::Active;
                self.display_name = Some(display_name);
                self.client_id = Some(client_id);
                self.client_secret_id = client_secret_id;
            }
            TenantEvent::TenantRenamed { display_name } => self.display_name = Some(display_name),
            TenantEvent::TenantCredentialsChanged {
                client_id,
                client_secret_id,
                ..
            } => {
                self.client_id = Some(client_id);
                self.client_secret_id = client_secret_id;
            }
            TenantEvent::TenantDeactivated => self.status = TenantStatus::Inactive,
            TenantEvent::TenantReactivated => self.status = TenantStatus::Active,
            TenantEvent::TenantDeleted => self.status = TenantStatus::Deleted,
        }
    }
}
