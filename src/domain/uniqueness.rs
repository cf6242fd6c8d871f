//! Uniqueness rules that span aggregates, stated as claims the event store makes in the
//! same transaction as the event that needs them.

use cqrs_es::persist::SerializedEvent;

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
}

pub const SCHEDULE_NAME_SCOPE: &str = "schedule_name";
pub const AZURE_TENANT_SCOPE: &str = "azure_tenant";
pub const SCHEDULE_SLOT_SCOPE: &str = "schedule_slot";

/// The claims an event makes. Events that are not about unique things make none.
pub fn claim_changes(event: &SerializedEvent) -> Vec<ClaimChange> {
    let owner = event.aggregate_id.clone();
    let tenant = event
        .metadata
        .get("tenant_id")
        .and_then(|value| value.as_str())
        .unwrap_or_default();
    match event.aggregate_type.as_str() {
        "schedule" => match serde_json::from_value::<ScheduleEvent>(event.payload.clone()) {
            Ok(ScheduleEvent::ScheduleCreated {
                name, tenant_id, ..
            }) => vec![schedule_name(
                &tenant_id.to_string(),
                &name.unique_key(),
                owner,
            )],
            Ok(ScheduleEvent::ScheduleUpdated {
                name: Some(name), ..
            }) => vec![schedule_name(tenant, &name.unique_key(), owner)],
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
            Ok(ScheduleEvent::ScheduleDeleted) => vec![ClaimChange::ReleaseAll {
                scope: SCHEDULE_NAME_SCOPE.to_owned(),
                owner,
            }],
            _ => Vec::new(),
        },
        "tenant" => match serde_json::from_value::<TenantEvent>(event.payload.clone()) {
            Ok(TenantEvent::TenantRegistered {
                azure_tenant_id, ..
            }) => vec![ClaimChange::Claim {
                scope: AZURE_TENANT_SCOPE.to_owned(),
                key: azure_tenant_id.to_string(),
                owner,
                replaces_previous: false,
            }],
            Ok(TenantEvent::TenantDeleted) => vec![ClaimChange::ReleaseAll {
                scope: AZURE_TENANT_SCOPE.to_owned(),
                owner,
            }],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn schedule_name(tenant: &str, name_key: &str, owner: String) -> ClaimChange {
    ClaimChange::Claim {
        scope: SCHEDULE_NAME_SCOPE.to_owned(),
        key: format!("{tenant}/{name_key}"),
        owner,
        replaces_previous: true,
    }
}
