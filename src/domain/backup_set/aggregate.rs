use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{BackupSetCommand, SetFacts};
use super::errors::BackupSetError;
use super::events::{BackupSetEvent, DeleteReason};

/// Only the purge is remembered: whether a set is deleted now comes with each command, from
/// its row, since retention deletes sets through the schedule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BackupSet {
    /// The tenant of a purged set.
    purged_for: Option<Uuid>,
}

impl BackupSet {
    /// The set of `tenant_id`; another tenant's set is "not found", a purged one "gone".
    fn visible(
        &self,
        tenant_id: Uuid,
        found: Option<SetFacts>,
    ) -> Result<SetFacts, BackupSetError> {
        match (self.purged_for, found) {
            (Some(owner), _) if owner == tenant_id => Err(BackupSetError::Purged),
            (None, Some(facts)) if facts.tenant_id == tenant_id => Ok(facts),
            _ => Err(BackupSetError::NotFound),
        }
    }

    /// Deleting a deleted set again records nothing (DELETE is idempotent).
    fn delete(
        &self,
        tenant_id: Uuid,
        found: Option<SetFacts>,
    ) -> Result<Vec<BackupSetEvent>, BackupSetError> {
        let facts = self.visible(tenant_id, found)?;
        if facts.deleted_at.is_some() {
            return Ok(Vec::new());
        }
        Ok(vec![BackupSetEvent::BackupSetDeleted {
            tenant_id,
            schedule_id: facts.schedule_id,
            reason: DeleteReason::Admin,
        }])
    }

    /// Undeleting (the `Restore` command) a live set records nothing.
    fn restore(
        &self,
        tenant_id: Uuid,
        found: Option<SetFacts>,
    ) -> Result<Vec<BackupSetEvent>, BackupSetError> {
        let facts = self.visible(tenant_id, found)?;
        if facts.deleted_at.is_none() {
            return Ok(Vec::new());
        }
        Ok(vec![BackupSetEvent::BackupSetRestored {
            tenant_id,
            schedule_id: facts.schedule_id,
        }])
    }

    fn purge(&self, found: SetFacts) -> Result<Vec<BackupSetEvent>, BackupSetError> {
        self.visible(found.tenant_id, Some(found))?;
        let deleted_at = found.deleted_at.ok_or(BackupSetError::NotDeleted)?;
        Ok(vec![BackupSetEvent::BackupSetPurged {
            tenant_id: found.tenant_id,
            schedule_id: found.schedule_id,
            deleted_at,
        }])
    }
}

impl Aggregate for BackupSet {
    const TYPE: &'static str = "backup_set";
    type Command = BackupSetCommand;
    type Event = BackupSetEvent;
    type Error = BackupSetError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            BackupSetCommand::Delete { tenant_id, found } => self.delete(tenant_id, found)?,
            BackupSetCommand::Restore { tenant_id, found } => self.restore(tenant_id, found)?,
            BackupSetCommand::Purge { found } => self.purge(found)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        if let BackupSetEvent::BackupSetPurged { tenant_id, .. } = event {
            self.purged_for = Some(tenant_id);
        }
    }
}
