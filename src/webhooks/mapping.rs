//! Which stored events are public, under which name, with which thin payload: ids, status
//! and links (a subscriber reads the rest from the API). A pure function of the event, and
//! for a finished run, of what its stream says about it.
//!
//! | internal event | public type |
//! |---|---|
//! | `RunFinished` (status `success` / `partial` / `failed`) | `backup_run.succeeded` / `.partial` / `.failed` |
//! | `SlotSkipped` | `backup_slot.skipped` |
//! | `RetentionApplied` | `backup_schedule.retention_applied` |
//! | `ScheduleCreated`, `...Updated`, `...Enabled`, `...Disabled`, `...Deleted`, `ScheduleAutoDisabled` | `backup_schedule.changed` |
//! | `RestoreFinished` (status `completed` / `partial` / `failed`) | `restore.completed` / `.partial` / `.failed` |

use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::restore::{RestoreEvent, RestoreStatus};
use crate::domain::run::{RunEvent, RunStatus, RunTrigger};
use crate::domain::schedule::ScheduleEvent;
use crate::domain::webhook::PublicEventType;
use crate::store::StoredEvent;

/// What a finished run's stream says about it (its `RunQueued` and `BackupCreated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFacts {
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    pub trigger: RunTrigger,
    pub retry_of: Option<Uuid>,
    pub backup_set_id: Option<Uuid>,
}

impl RunFacts {
    /// Folds a run's events (any order of its stream) into the facts; `None` without a
    /// `RunQueued`.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a RunEvent>) -> Option<Self> {
        let mut facts: Option<Self> = None;
        let mut backup_set_id = None;
        for event in events {
            match event {
                RunEvent::RunQueued {
                    schedule_id,
                    tenant_id,
                    trigger,
                    retry_of,
                    ..
                } => {
                    facts = Some(Self {
                        tenant_id: *tenant_id,
                        schedule_id: *schedule_id,
                        trigger: *trigger,
                        retry_of: *retry_of,
                        backup_set_id: None,
                    })
                }
                RunEvent::BackupCreated { backup } => backup_set_id = Some(backup.backup_set_id),
                _ => {}
            }
        }
        facts.map(|facts| Self {
            backup_set_id,
            ..facts
        })
    }
}

/// One public event, ready to be fanned out.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicMessage {
    pub event_type: PublicEventType,
    pub tenant_id: Uuid,
    /// The exact body every attempt sends (and signs).
    pub body: String,
}

/// The Standard Webhooks body layout.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    timestamp: String,
    data: Value,
}

/// Whether the mapping of `event` needs the facts of its run.
pub fn needs_run_facts(event: &StoredEvent) -> bool {
    event.aggregate_type == "run" && event.event_type == "RunFinished"
}

/// The public form of `event`, or `Ok(None)` when it is not a public event. `Err` names why
/// an event that should be public cannot be read (it is skipped, and logged by the caller).
pub fn public_message(
    event: &StoredEvent,
    run: Option<&RunFacts>,
) -> Result<Option<PublicMessage>, &'static str> {
    let mapped = match event.aggregate_type.as_str() {
        "run" if event.event_type == "RunFinished" => run_finished(event, run)?,
        "schedule" => schedule_event(event)?,
        "restore" if event.event_type == "RestoreFinished" => restore_finished(event)?,
        _ => None,
    };
    Ok(mapped.map(|(event_type, tenant_id, data)| PublicMessage {
        event_type,
        tenant_id,
        body: serde_json::to_string(&Envelope {
            event_type: event_type.as_str(),
            timestamp: event
                .occurred_at()
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            data,
        })
        .expect("a JSON value serialises"),
    }))
}

type Mapped = Option<(PublicEventType, Uuid, Value)>;

fn run_finished(event: &StoredEvent, run: Option<&RunFacts>) -> Result<Mapped, &'static str> {
    let Ok(RunEvent::RunFinished {
        status, error_code, ..
    }) = serde_json::from_value::<RunEvent>(event.payload.clone())
    else {
        return Err("the payload is not a RunFinished event");
    };
    let run_id = Uuid::parse_str(&event.aggregate_id).map_err(|_| "the run id is not a UUID")?;
    let facts = run.ok_or("the run's stream has no RunQueued")?;
    let event_type = match status {
        RunStatus::Success => PublicEventType::RunSucceeded,
        RunStatus::Partial => PublicEventType::RunPartial,
        RunStatus::Failed => PublicEventType::RunFailed,
        RunStatus::Queued | RunStatus::Running => return Err("a run finished as not finished"),
    };
    let (tenant, schedule) = (facts.tenant_id, facts.schedule_id);
    let mut links = json!({
        "run": format!("/api/v1/tenants/{tenant}/backup-runs/{run_id}"),
        "schedule": format!("/api/v1/tenants/{tenant}/backup-schedules/{schedule}"),
    });
    if let Some(set) = facts.backup_set_id {
        links["backup_set"] = json!(format!("/api/v1/tenants/{tenant}/backup-sets/{set}"));
    }
    let data = json!({
        "event_id": event.event_id,
        "tenant_id": tenant,
        "schedule_id": schedule,
        "run_id": run_id,
        "trigger": facts.trigger.as_str(),
        "retry_of": facts.retry_of,
        "status": status.as_str(),
        "error_code": error_code,
        "backup_set_id": facts.backup_set_id,
        "links": links,
    });
    Ok(Some((event_type, tenant, data)))
}

fn restore_finished(event: &StoredEvent) -> Result<Mapped, &'static str> {
    let Ok(RestoreEvent::RestoreFinished {
        tenant_id,
        source_backup_set_id,
        status,
        applied,
        failed,
        error_code,
        ..
    }) = serde_json::from_value::<RestoreEvent>(event.payload.clone())
    else {
        return Err("the payload is not a RestoreFinished event");
    };
    let restore_id =
        Uuid::parse_str(&event.aggregate_id).map_err(|_| "the restore id is not a UUID")?;
    let event_type = match status {
        RestoreStatus::Completed => PublicEventType::RestoreCompleted,
        RestoreStatus::Partial => PublicEventType::RestorePartial,
        RestoreStatus::Failed => PublicEventType::RestoreFailed,
        _ => return Err("a restore finished as not finished"),
    };
    let data = json!({
        "event_id": event.event_id,
        "tenant_id": tenant_id,
        "restore_id": restore_id,
        "source_backup_set_id": source_backup_set_id,
        "status": status.as_str(),
        "applied": applied,
        "failed": failed,
        "error_code": error_code,
        "links": {"restore": format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}")},
    });
    Ok(Some((event_type, tenant_id, data)))
}

/// How a `backup_schedule.changed` names the change.
fn schedule_change(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "ScheduleCreated" => "created",
        "ScheduleUpdated" => "updated",
        "ScheduleEnabled" => "enabled",
        "ScheduleDisabled" => "disabled",
        "ScheduleDeleted" => "deleted",
        // recorded by the notifications side when a schedule keeps failing
        "ScheduleAutoDisabled" => "auto_disabled",
        _ => return None,
    })
}

fn schedule_event(event: &StoredEvent) -> Result<Mapped, &'static str> {
    let change = schedule_change(&event.event_type);
    if change.is_none()
        && !matches!(
            event.event_type.as_str(),
            "SlotSkipped" | "RetentionApplied"
        )
    {
        return Ok(None);
    }
    let schedule =
        Uuid::parse_str(&event.aggregate_id).map_err(|_| "the schedule id is not a UUID")?;
    let tenant = event.tenant_id.ok_or("its metadata names no tenant")?;
    let schedule_link = format!("/api/v1/tenants/{tenant}/backup-schedules/{schedule}");
    if let Some(change) = change {
        let links = if change == "deleted" {
            json!({})
        } else {
            json!({"schedule": schedule_link})
        };
        let data = json!({
            "event_id": event.event_id,
            "tenant_id": tenant,
            "schedule_id": schedule,
            "change": change,
            "links": links,
        });
        return Ok(Some((PublicEventType::ScheduleChanged, tenant, data)));
    }
    let payload = serde_json::from_value::<ScheduleEvent>(event.payload.clone())
        .map_err(|_| "the payload is not a schedule event")?;
    Ok(match payload {
        ScheduleEvent::SlotSkipped {
            scheduled_for,
            reason,
            ..
        } => Some((
            PublicEventType::SlotSkipped,
            tenant,
            json!({
                "event_id": event.event_id,
                "tenant_id": tenant,
                "schedule_id": schedule,
                "scheduled_for": scheduled_for,
                "reason": reason,
                "links": {"schedule": schedule_link},
            }),
        )),
        ScheduleEvent::RetentionApplied {
            kept,
            deleted_backup_set_ids,
            reason,
        } => Some((
            PublicEventType::RetentionApplied,
            tenant,
            json!({
                "event_id": event.event_id,
                "tenant_id": tenant,
                "schedule_id": schedule,
                "kept": kept,
                "deleted_backup_set_ids": deleted_backup_set_ids,
                "reason": reason,
                "links": {
                    "schedule": schedule_link,
                    "backup_sets": format!("/api/v1/tenants/{tenant}/backup-sets?schedule_id={schedule}"),
                },
            }),
        )),
        _ => None,
    })
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
