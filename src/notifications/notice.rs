//! Which events call for a notification (`Trigger::of`, from the event alone) and what it
//! says (`Trigger::notice`, with the names the read models give). No I/O here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::restore::{RestoreEvent, RestoreStatus};
use crate::domain::run::{RunEvent, RunStatus};
use crate::domain::schedule::{ScheduleEvent, SkipReason};
use crate::projections::{payload, ConsumerError};
use crate::store::StoredEvent;

/// What happened: `run_failed` (a run backed up nothing), `run_partial` (a run could not
/// read every policy type), `slot_missed` (a slot reached after the grace period, not run),
/// `schedule_auto_disabled` (a schedule whose runs kept failing was disabled),
/// `webhook_disabled` (a webhook whose endpoint kept failing was disabled; admins only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "run_failed")]
pub enum NotificationKind {
    /// A run ended `failed`: nothing was backed up.
    RunFailed,
    /// A run ended `partial`: a backup was made, but some policy types could not be read.
    RunPartial,
    /// A slot was skipped as missed (the dispatcher reached it after the grace period).
    SlotMissed,
    /// The system disabled a schedule whose runs kept failing.
    ScheduleAutoDisabled,
    /// A webhook whose endpoint kept failing was disabled (admins only).
    WebhookDisabled,
    /// A restore wrote every item and each read back as its source.
    RestoreCompleted,
    /// A restore wrote some items; others failed or differ when read back.
    RestorePartial,
    /// A restore wrote nothing.
    RestoreFailed,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RunFailed => "run_failed",
            Self::RunPartial => "run_partial",
            Self::SlotMissed => "slot_missed",
            Self::ScheduleAutoDisabled => "schedule_auto_disabled",
            Self::WebhookDisabled => "webhook_disabled",
            Self::RestoreCompleted => "restore_completed",
            Self::RestorePartial => "restore_partial",
            Self::RestoreFailed => "restore_failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::RunFailed,
            Self::RunPartial,
            Self::SlotMissed,
            Self::ScheduleAutoDisabled,
            Self::WebhookDisabled,
            Self::RestoreCompleted,
            Self::RestorePartial,
            Self::RestoreFailed,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Where to look next: API paths of what the notification is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "tenant": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "schedule": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-schedules/0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
    "run": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-runs/0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b"
}))]
pub struct NotificationLinks {
    /// The tenant (`GET` it); absent for service-wide notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// The run (its error and sync report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// The restore (its items, outcomes and verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<String>,
}

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every live token that sees the tenant (any role), and the bootstrap admin.
    Tenant(Uuid),
    /// Admin tokens and the bootstrap admin (service-wide matters, no tenant).
    Admins,
}

/// A notification to deliver to its audience.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NotificationKind,
    pub audience: Audience,
    pub tenant_id: Option<Uuid>,
    pub schedule_id: Option<Uuid>,
    pub run_id: Option<Uuid>,
    pub title: String,
    pub message: String,
    pub links: NotificationLinks,
}

/// An event that calls for a notification, with what the event itself says.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// `RunFinished` with `failed` or `partial`.
    RunEnded {
        tenant_id: Option<Uuid>,
        run_id: Uuid,
        status: RunStatus,
        error_code: Option<String>,
        error_message: Option<String>,
    },
    /// `SlotSkipped` with reason `missed` (an overlap is the schedule working as meant).
    SlotMissed {
        tenant_id: Option<Uuid>,
        schedule_id: Uuid,
        scheduled_for: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
    },
    /// `ScheduleAutoDisabled`.
    AutoDisabled {
        tenant_id: Option<Uuid>,
        schedule_id: Uuid,
        consecutive_failures: u32,
        last_run_id: Uuid,
    },
    /// A webhook's `WebhookDisabled` with `reason: "failing"` (not a manual disable, nor an
    /// endpoint that answered 410 Gone). Matched on strings: the webhook aggregate's types
    /// are not this module's to import.
    WebhookDisabled {
        webhook_id: String,
        url: Option<String>,
    },
    /// `RestoreFinished`, whatever its status: restores are rare and each one matters.
    RestoreEnded {
        tenant_id: Uuid,
        restore_id: Uuid,
        status: RestoreStatus,
        applied: u32,
        failed: u32,
        error_message: Option<String>,
    },
}

/// What the read models say about the subject, for the words and links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    /// The run's tenant, when the event did not carry one.
    pub tenant_id: Option<Uuid>,
    pub tenant_name: Option<String>,
    /// The run's schedule.
    pub schedule_id: Option<Uuid>,
    pub schedule_name: Option<String>,
}

/// Longer error messages are cut in the notification (the run keeps the whole).
const MESSAGE_DETAIL_CHARS: usize = 300;

impl Trigger {
    /// The trigger in `event`, if it calls for a notification.
    pub fn of(event: &StoredEvent) -> Result<Option<Self>, ConsumerError> {
        Ok(
            match (event.aggregate_type.as_str(), event.event_type.as_str()) {
                ("run", "RunFinished") => run_ended(event)?,
                ("schedule", "SlotSkipped" | "ScheduleAutoDisabled") => schedule_trigger(event)?,
                ("webhook", "WebhookDisabled") => webhook_disabled(event),
                ("restore", "RestoreFinished") => restore_ended(event)?,
                _ => None,
            },
        )
    }

    /// The schedule or run the read models are asked about.
    pub fn schedule_id(&self) -> Option<Uuid> {
        match self {
            Self::SlotMissed { schedule_id, .. } | Self::AutoDisabled { schedule_id, .. } => {
                Some(*schedule_id)
            }
            Self::RunEnded { .. } | Self::WebhookDisabled { .. } | Self::RestoreEnded { .. } => {
                None
            }
        }
    }

    pub fn run_id(&self) -> Option<Uuid> {
        match self {
            Self::RunEnded { run_id, .. } => Some(*run_id),
            _ => None,
        }
    }

    /// The notification, or `None` when its tenant cannot be told (an event without one).
    pub fn notice(&self, subject: &Subject) -> Option<Notice> {
        match self {
            Self::RunEnded {
                tenant_id,
                run_id,
                status,
                error_code,
                error_message,
            } => {
                let tenant_id = tenant_id.or(subject.tenant_id)?;
                let (kind, title, outcome) = if *status == RunStatus::Partial {
                    (
                        NotificationKind::RunPartial,
                        "Backup run partial",
                        "made only a partial backup: some policy types could not be read (see \
                         the run's sync report)",
                    )
                } else {
                    (
                        NotificationKind::RunFailed,
                        "Backup run failed",
                        "failed: nothing was backed up",
                    )
                };
                let mut message = format!("{} {outcome}.", run_of(subject));
                if let Some(code) = error_code {
                    message.push_str(&format!(" Error: {code}"));
                    if let Some(detail) = error_message.as_deref().filter(|m| !m.is_empty()) {
                        message.push_str(&format!(" ({})", shortened(detail)));
                    }
                    message.push('.');
                }
                Some(Notice {
                    kind,
                    audience: Audience::Tenant(tenant_id),
                    tenant_id: Some(tenant_id),
                    schedule_id: subject.schedule_id,
                    run_id: Some(*run_id),
                    title: format!("{title}: {}", about(subject)),
                    message,
                    links: links(tenant_id, subject.schedule_id, Some(*run_id)),
                })
            }
            Self::SlotMissed {
                tenant_id,
                schedule_id,
                scheduled_for,
                next_run_at,
            } => {
                let tenant_id = tenant_id.or(subject.tenant_id)?;
                let next = next_run_at.map_or_else(
                    || "The schedule has no next slot.".to_owned(),
                    |next| format!("The next slot is {}.", next.to_rfc3339()),
                );
                Some(Notice {
                    kind: NotificationKind::SlotMissed,
                    audience: Audience::Tenant(tenant_id),
                    tenant_id: Some(tenant_id),
                    schedule_id: Some(*schedule_id),
                    run_id: None,
                    title: format!("Scheduled backup missed: {}", about(subject)),
                    message: format!(
                        "The slot at {} of {} was not run: the dispatcher reached it after the \
                         grace period (was the service down or behind?). Missed slots are not \
                         caught up. {next}",
                        scheduled_for.to_rfc3339(),
                        schedule_of(subject)
                    ),
                    links: links(tenant_id, Some(*schedule_id), None),
                })
            }
            Self::AutoDisabled {
                tenant_id,
                schedule_id,
                consecutive_failures,
                last_run_id,
            } => {
                let tenant_id = tenant_id.or(subject.tenant_id)?;
                Some(Notice {
                    kind: NotificationKind::ScheduleAutoDisabled,
                    audience: Audience::Tenant(tenant_id),
                    tenant_id: Some(tenant_id),
                    schedule_id: Some(*schedule_id),
                    run_id: Some(*last_run_id),
                    title: format!(
                        "Schedule disabled after {consecutive_failures} failed runs: {}",
                        about(subject)
                    ),
                    message: format!(
                        "The last {consecutive_failures} runs of {} failed in a row, so it was \
                         disabled and claims no more slots. Fix the cause (the last run's error \
                         says what it is), then enable the schedule again.",
                        schedule_of(subject)
                    ),
                    links: links(tenant_id, Some(*schedule_id), Some(*last_run_id)),
                })
            }
            Self::WebhookDisabled { webhook_id, url } => Some(Notice {
                kind: NotificationKind::WebhookDisabled,
                audience: Audience::Admins,
                tenant_id: None,
                schedule_id: None,
                run_id: None,
                title: "Webhook disabled: its endpoint kept failing".to_owned(),
                message: format!(
                    "The webhook {} was disabled because its endpoint kept failing deliveries. \
                     Fix the endpoint, then enable the webhook again.",
                    url.as_deref()
                        .map_or_else(|| webhook_id.clone(), |url| format!("{webhook_id} ({url})"))
                ),
                links: NotificationLinks {
                    webhook: Some(format!("/api/v1/webhooks/{webhook_id}")),
                    ..NotificationLinks::default()
                },
            }),
            Self::RestoreEnded {
                tenant_id,
                restore_id,
                status,
                applied,
                failed,
                error_message,
            } => {
                let tenant = subject.tenant_name.as_ref().map_or_else(
                    || "the tenant".to_owned(),
                    |name| format!("tenant \"{name}\""),
                );
                let (kind, title) = match status {
                    RestoreStatus::Completed => {
                        (NotificationKind::RestoreCompleted, "Restore completed")
                    }
                    RestoreStatus::Partial => (NotificationKind::RestorePartial, "Restore partial"),
                    _ => (NotificationKind::RestoreFailed, "Restore failed"),
                };
                let mut message =
                    format!("The restore into {tenant} wrote {applied} item(s); {failed} failed.");
                if let Some(detail) = error_message.as_deref().filter(|m| !m.is_empty()) {
                    message.push_str(&format!(" {}", shortened(detail)));
                }
                let base = format!("/api/v1/tenants/{tenant_id}");
                Some(Notice {
                    kind,
                    audience: Audience::Tenant(*tenant_id),
                    tenant_id: Some(*tenant_id),
                    schedule_id: None,
                    run_id: None,
                    title: format!(
                        "{title}: {}",
                        subject
                            .tenant_name
                            .clone()
                            .unwrap_or_else(|| tenant_id.to_string())
                    ),
                    message,
                    links: NotificationLinks {
                        restore: Some(format!("{base}/restores/{restore_id}")),
                        tenant: Some(base),
                        ..NotificationLinks::default()
                    },
                })
            }
        }
    }

    /// The tenant the read models are asked to name (restores).
    pub fn tenant_id(&self) -> Option<Uuid> {
        match self {
            Self::RestoreEnded { tenant_id, .. } => Some(*tenant_id),
            _ => None,
        }
    }
}

fn restore_ended(event: &StoredEvent) -> Result<Option<Trigger>, ConsumerError> {
    let RestoreEvent::RestoreFinished {
        tenant_id,
        status,
        applied,
        failed,
        error_message,
        ..
    } = payload(event)?
    else {
        return Ok(None);
    };
    let restore_id = Uuid::parse_str(&event.aggregate_id).unwrap_or_default();
    Ok(Some(Trigger::RestoreEnded {
        tenant_id,
        restore_id,
        status,
        applied,
        failed,
        error_message,
    }))
}

fn run_ended(event: &StoredEvent) -> Result<Option<Trigger>, ConsumerError> {
    let RunEvent::RunFinished {
        status,
        error_code,
        error_message,
        ..
    } = payload::<RunEvent>(event)?
    else {
        return Ok(None);
    };
    if !matches!(status, RunStatus::Failed | RunStatus::Partial) {
        return Ok(None);
    }
    let Ok(run_id) = Uuid::parse_str(&event.aggregate_id) else {
        return Ok(None);
    };
    Ok(Some(Trigger::RunEnded {
        tenant_id: event.tenant_id,
        run_id,
        status,
        error_code,
        error_message,
    }))
}

fn schedule_trigger(event: &StoredEvent) -> Result<Option<Trigger>, ConsumerError> {
    let Ok(schedule_id) = Uuid::parse_str(&event.aggregate_id) else {
        return Ok(None);
    };
    let tenant_id = event.tenant_id;
    Ok(match payload::<ScheduleEvent>(event)? {
        ScheduleEvent::SlotSkipped {
            scheduled_for,
            reason: SkipReason::Missed,
            next_run_at,
        } => Some(Trigger::SlotMissed {
            tenant_id,
            schedule_id,
            scheduled_for,
            next_run_at,
        }),
        ScheduleEvent::ScheduleAutoDisabled {
            consecutive_failures,
            last_run_id,
        } => Some(Trigger::AutoDisabled {
            tenant_id,
            schedule_id,
            consecutive_failures,
            last_run_id,
        }),
        _ => None,
    })
}

fn webhook_disabled(event: &StoredEvent) -> Option<Trigger> {
    let reason = event.payload.get("reason").and_then(|value| value.as_str());
    (reason == Some("failing")).then(|| Trigger::WebhookDisabled {
        webhook_id: event.aggregate_id.clone(),
        url: event
            .payload
            .get("url")
            .and_then(|value| value.as_str())
            .map(str::to_owned),
    })
}

/// `Nightly (Contoso)`, with ids where the read models had no name.
fn about(subject: &Subject) -> String {
    match (&subject.schedule_name, &subject.tenant_name) {
        (Some(schedule), Some(tenant)) => format!("{schedule} ({tenant})"),
        (Some(schedule), None) => schedule.clone(),
        (None, Some(tenant)) => tenant.clone(),
        (None, None) => "a schedule".to_owned(),
    }
}

/// `schedule "Nightly" of tenant "Contoso"`.
fn schedule_of(subject: &Subject) -> String {
    let schedule = subject.schedule_name.as_ref().map_or_else(
        || "the schedule".to_owned(),
        |name| format!("schedule \"{name}\""),
    );
    match &subject.tenant_name {
        Some(tenant) => format!("{schedule} of tenant \"{tenant}\""),
        None => schedule,
    }
}

/// `The run of schedule "Nightly" of tenant "Contoso"`.
fn run_of(subject: &Subject) -> String {
    format!("The run of {}", schedule_of(subject))
}

fn shortened(text: &str) -> String {
    if text.chars().count() <= MESSAGE_DETAIL_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MESSAGE_DETAIL_CHARS).collect();
    format!("{cut}…")
}

fn links(tenant_id: Uuid, schedule_id: Option<Uuid>, run_id: Option<Uuid>) -> NotificationLinks {
    let tenant = format!("/api/v1/tenants/{tenant_id}");
    NotificationLinks {
        schedule: schedule_id.map(|id| format!("{tenant}/backup-schedules/{id}")),
        run: run_id.map(|id| format!("{tenant}/backup-runs/{id}")),
        tenant: Some(tenant),
        webhook: None,
        restore: None,
    }
}
