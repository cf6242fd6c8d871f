use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::commands::{PlanRestore, RestoreCommand};
use super::errors::RestoreError;
use super::events::RestoreEvent;
use super::values::{ItemFailure, ItemVerification, RestoreStatus};

/// A restore's decision state: its status, who approved, which items are done.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Restore {
    status: Option<RestoreStatus>,
    tenant_id: Option<Uuid>,
    source_backup_set_id: Option<Uuid>,
    approvers: BTreeSet<String>,
    /// Items that were written, or refused: a resumed worker skips them.
    done: BTreeSet<Uuid>,
    applied: u32,
    failed: u32,
    abandoned: u32,
    verified: bool,
}

/// A restore whose workers keep dying is failed after this many, not resumed forever.
const RESUMES: u32 = 3;

impl Restore {
    pub fn status(&self) -> Option<RestoreStatus> {
        self.status
    }

    fn current(&self) -> Result<RestoreStatus, RestoreError> {
        self.status.ok_or(RestoreError::NotFound)
    }

    fn applying(&self) -> Result<(), RestoreError> {
        match self.current()? {
            RestoreStatus::Applying => Ok(()),
            other => Err(RestoreError::NotApplying(other)),
        }
    }

    fn plan(&self, plan: PlanRestore) -> Vec<RestoreEvent> {
        if self.status.is_some() {
            return Vec::new();
        }
        vec![RestoreEvent::RestorePlanned {
            restore_id: plan.restore_id,
            tenant_id: plan.tenant_id,
            source_tenant_id: plan.source_tenant_id,
            source_backup_set_id: plan.source_backup_set_id,
            selection: plan.selection,
            group_mapping: plan.group_mapping,
            group_matches: plan.group_matches,
            items: plan.items,
            planned_at: plan.now,
        }]
    }

    fn approve(
        &self,
        approver: String,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        match self.current()? {
            RestoreStatus::Planned => {}
            other => return Err(RestoreError::NotPlanned(other)),
        }
        if self.approvers.contains(&approver) {
            return Err(RestoreError::AlreadyApproved);
        }
        Ok(vec![RestoreEvent::RestoreApproved {
            approver,
            approved_at: now,
        }])
    }

    fn request_apply(
        &self,
        applier: String,
        required: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        match self.current()? {
            RestoreStatus::Planned => {}
            other => return Err(RestoreError::NotPlanned(other)),
        }
        // the applier counts once; approvals are other people's
        let others = self.approvers.iter().filter(|a| **a != applier).count() as u32;
        let approvals = others + 1;
        if approvals < required {
            return Err(
                if self.approvers.contains(&applier) && others + 1 < required {
                    RestoreError::SelfApproval
                } else {
                    RestoreError::NeedsApproval {
                        approvals,
                        required,
                    }
                },
            );
        }
        Ok(vec![RestoreEvent::RestoreApplyRequested {
            applier,
            requested_at: now,
        }])
    }

    fn start(&self, worker: String, now: DateTime<Utc>) -> Result<Vec<RestoreEvent>, RestoreError> {
        match self.current()? {
            RestoreStatus::Queued => Ok(vec![RestoreEvent::RestoreStarted {
                worker,
                started_at: now,
            }]),
            other => Err(RestoreError::NotQueued(other)),
        }
    }

    /// Recording an item twice (a resumed worker) changes nothing.
    fn record_item(
        &self,
        item_id: Uuid,
        event: RestoreEvent,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        self.applying()?;
        if self.done.contains(&item_id) {
            return Ok(Vec::new());
        }
        Ok(vec![event])
    }

    fn abandon(
        &self,
        worker: String,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        self.applying()?;
        let mut events = vec![RestoreEvent::RestoreAbandoned {
            worker,
            reason: reason.clone(),
            abandoned_at: now,
        }];
        if self.abandoned + 1 >= RESUMES {
            events.push(self.finished(
                RestoreStatus::Failed,
                Some("internal".to_owned()),
                Some(format!(
                    "the restore's workers stopped {RESUMES} times; last: {reason}"
                )),
                now,
            ));
        }
        Ok(events)
    }

    fn verify(
        &self,
        items: Vec<ItemVerification>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        self.applying()?;
        if self.verified {
            return Ok(Vec::new());
        }
        Ok(vec![RestoreEvent::RestoreVerified {
            items,
            verified_at: now,
        }])
    }

    fn finished(
        &self,
        status: RestoreStatus,
        error_code: Option<String>,
        error_message: Option<String>,
        now: DateTime<Utc>,
    ) -> RestoreEvent {
        RestoreEvent::RestoreFinished {
            tenant_id: self.tenant_id.unwrap_or_default(),
            source_backup_set_id: self.source_backup_set_id.unwrap_or_default(),
            status,
            applied: self.applied,
            failed: self.failed,
            error_code,
            error_message,
            finished_at: now,
        }
    }

    fn finish(
        &self,
        status: RestoreStatus,
        error_code: Option<String>,
        error_message: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestoreEvent>, RestoreError> {
        if !status.is_finished() {
            return Err(RestoreError::NotAFinalStatus);
        }
        self.applying()?;
        Ok(vec![self.finished(status, error_code, error_message, now)])
    }
}

impl Aggregate for Restore {
    const TYPE: &'static str = "restore";
    type Command = RestoreCommand;
    type Event = RestoreEvent;
    type Error = RestoreError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            RestoreCommand::Plan(plan) => self.plan(*plan),
            RestoreCommand::Approve { approver, now } => self.approve(approver, now)?,
            RestoreCommand::Apply {
                applier,
                required_approvals,
                now,
            } => self.request_apply(applier, required_approvals, now)?,
            RestoreCommand::Start { worker, now } => self.start(worker, now)?,
            RestoreCommand::RecordApplied {
                item_id,
                target_id,
                sent,
                adopted,
            } => self.record_item(
                item_id,
                RestoreEvent::RestoreItemApplied {
                    item_id,
                    target_id,
                    sent,
                    adopted,
                },
            )?,
            RestoreCommand::RecordFailed {
                item_id,
                failure,
                target_id,
            } => self.record_item(
                item_id,
                RestoreEvent::RestoreItemFailed {
                    item_id,
                    failure,
                    target_id,
                },
            )?,
            RestoreCommand::Abandon {
                worker,
                reason,
                now,
            } => self.abandon(worker, reason, now)?,
            RestoreCommand::RecordVerification { items, now } => self.verify(items, now)?,
            RestoreCommand::Finish {
                status,
                error_code,
                error_message,
                now,
            } => self.finish(status, error_code, error_message, now)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            RestoreEvent::RestorePlanned {
                tenant_id,
                source_backup_set_id,
                ..
            } => {
                self.status = Some(RestoreStatus::Planned);
                self.tenant_id = Some(tenant_id);
                self.source_backup_set_id = Some(source_backup_set_id);
            }
            RestoreEvent::RestoreApproved { approver, .. } => {
                self.approvers.insert(approver);
            }
            RestoreEvent::RestoreApplyRequested { .. } => self.status = Some(RestoreStatus::Queued),
            RestoreEvent::RestoreStarted { .. } => self.status = Some(RestoreStatus::Applying),
            RestoreEvent::RestoreItemApplied { item_id, .. } => {
                self.done.insert(item_id);
                self.applied += 1;
            }
            RestoreEvent::RestoreItemFailed { item_id, .. } => {
                self.done.insert(item_id);
                self.failed += 1;
            }
            RestoreEvent::RestoreAbandoned { .. } => {
                self.abandoned += 1;
                self.status = Some(RestoreStatus::Queued);
            }
            RestoreEvent::RestoreVerified { .. } => self.verified = true,
            RestoreEvent::RestoreFinished { status, .. } => self.status = Some(status),
        }
    }
}

/// A failure as Graph reported it, for an item's event.
impl From<&crate::graph::GraphError> for ItemFailure {
    fn from(error: &crate::graph::GraphError) -> Self {
        Self {
            code: error.code.as_str().to_owned(),
            message: error.message.clone(),
            http_status: error.status,
            support: error.support_details(),
        }
    }
}
