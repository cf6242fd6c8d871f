//! Rules that span aggregates, stated as claims the event store makes in the same
//! transaction as the event that needs them, so that concurrent commands cannot both win:
//! a schedule name per tenant, one run per slot, an Azure tenant registered once, and a
//! tenant deleted only while it has no live schedule.

use cqrs_es::persist::SerializedEvent;
use uuid::Uuid;

use super::run::RunTrigger;
use super::schedule::ScheduleEvent;
use super::tenant::TenantEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimChange {
    /// `owner` takes `key` in `scope`; fails when another owner holds it.
    /// With `replaces_previous`, the owner's other keys in the scope are released first.
    Claim {
        scope: String,
        key: String,
        owner: String,
        replaces_previous: bool,
    },
    /// `owner` gives up every key it holds in `scope`.
    ReleaseAll { scope: String, owner: String },
    /// `key` in `scope` is given up, whoever held it.
    Release { scope: String, key: String },
    /// `key` must be held in `scope` (by anyone); it stays held until the append commits.
    Require { scope: String, key: String },
    /// `owner` must hold no key in `scope` (checked after the earlier changes of the event,
    /// which may have locked what a concurrent claimer waits for).
    RequireNone { scope: String, owner: String },
}

pub const SCHEDULE_NAME_SCOPE: &str = "schedule_name";
pub const AZURE_TENANT_SCOPE: &str = "azure_tenant";
pub const SCHEDULE_SLOT_SCOPE: &str = "schedule_slot";
/// Held by every registered, not deleted tenant (key and owner: the tenant id).
pub const LIVE_TENANT_SCOPE: &str = "live_tenant";
/// One key per live schedule (key: the schedule id, owner: its tenant id).
pub const TENANT_SCHEDULE_SCOPE: &str = "tenant_schedule";

/// An event that cannot be checked against the rules: it is refused, never stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event_type} of {aggregate_type} {aggregate_id} cannot be checked: {reason}")]
pub struct UncheckableEvent {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub event_type: String,
    pub reason: &'static str,
}

/// The claims an event makes, in the order they must be applied. Events that are not about
/// unique things make none.
pub fn claim_changes(event: &SerializedEvent) -> Result<Vec<ClaimChange>, UncheckableEvent> {
    let owner = event.aggregate_id.clone();
    let uncheckable = |reason| UncheckableEvent {
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id.clone(),
        event_type: event.event_type.clone(),
        reason,
    };
    let tenant_of_event = || {
        event
            .metadata
            .get("tenant_id")
            .and_then(|value| value.as_str())
            .and_then(|text| Uuid::parse_str(text).ok())
            .ok_or_else(|| uncheckable("its metadata names no tenant"))
    };
    Ok(match event.aggregate_type.as_str() {
        "schedule" => match serde_json::from_value::<ScheduleEvent>(event.payload.clone()) {
            Ok(ScheduleEvent::ScheduleCreated {
                name, tenant_id, ..
            }) => vec![
                // the tenant must still exist; holding its key keeps a concurrent deletion
                // of the tenant waiting until this schedule is committed (and then refused)
                ClaimChange::Require {
                    scope: LIVE_TENANT_SCOPE.to_owned(),
                    key: tenant_id.to_string(),
                },
                ClaimChange::Claim {
                    scope: TENANT_SCHEDULE_SCOPE.to_owned(),
                    key: owner.clone(),
                    owner: tenant_id.to_string(),
                    replaces_previous: false,
                },
                schedule_name(tenant_id, &name.unique_key(), owner),
            ],
            Ok(ScheduleEvent::ScheduleUpdated {
                name: Some(name), ..
            }) => vec![schedule_name(tenant_of_event()?, &name.unique_key(), owner)],
            // One run per cadence slot: the run id owns the slot key, so a second claim of
            // the same slot (by any dispatcher) conflicts even for the same schedule.
            Ok(ScheduleEvent::SlotClaimed {
                run_id,
                scheduled_for,
                trigger: RunTrigger::Scheduled,
                ..
            }) => vec![ClaimChange::Claim {
                scope: SCHEDULE_SLOT_SCOPE.to_owned(),
                key: format!("{owner}/{}", scheduled_for.to_rfc3339()),
                owner: run_id.to_string(),
                replaces_previous: false,
            }],
            Ok(ScheduleEvent::ScheduleDeleted) => vec![
                ClaimChange::ReleaseAll {
                    scope: SCHEDULE_NAME_SCOPE.to_owned(),
                    owner: owner.clone(),
                },
                ClaimChange::Release {
                    scope: TENANT_SCHEDULE_SCOPE.to_owned(),
                    key: owner,
                },
            ],
            Ok(_) => Vec::new(),
            Err(_) => return Err(uncheckable("its payload is not a schedule event")),
        },
        "tenant" => match serde_json::from_value::<TenantEvent>(event.payload.clone()) {
            Ok(TenantEvent::TenantRegistered {
                azure_tenant_id, ..
            }) => vec![
                ClaimChange::Claim {
                    scope: AZURE_TENANT_SCOPE.to_owned(),
                    key: azure_tenant_id.to_string(),
                    owner: owner.clone(),
                    replaces_previous: false,
                },
                ClaimChange::Claim {
                    scope: LIVE_TENANT_SCOPE.to_owned(),
                    key: owner.clone(),
                    owner,
                    replaces_previous: false,
                },
            ],
            Ok(TenantEvent::TenantDeleted) => vec![
                // releasing the live key first locks it: a schedule being created for this
                // tenant either committed before (and is counted below) or waits and fails
                ClaimChange::ReleaseAll {
                    scope: LIVE_TENANT_SCOPE.to_owned(),
                    owner: owner.clone(),
                },
                ClaimChange::RequireNone {
                    scope: TENANT_SCHEDULE_SCOPE.to_owned(),
                    owner: owner.clone(),
                },
                ClaimChange::ReleaseAll {
                    scope: AZURE_TENANT_SCOPE.to_owned(),
                    owner,
                },
            ],
            Ok(_) => Vec::new(),
            Err(_) => return Err(uncheckable("its payload is not a tenant event")),
        },
        _ => Vec::new(),
    })
}

fn schedule_name(tenant: Uuid, name_key: &str, owner: String) -> ClaimChange {
    ClaimChange::Claim {
        scope: SCHEDULE_NAME_SCOPE.to_owned(),
        key: format!("{tenant}/{name_key}"),
        owner,
        replaces_previous: true,
    }
}
