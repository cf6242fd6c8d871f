//! The read-model rows folded in memory from events, as replays fold them (the same change
//! functions the projector writes to the tables; the API tests compare both).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{FoldedRow, ScheduleRow, TenantRow};
use crate::domain::cadence::{Cadence, TimeOfDay};
use crate::domain::run::RunStatus;
use crate::domain::schedule::{
    PolicyTypeSelection, RetentionKeepLast, ScheduleEvent, ScheduleName,
};
use crate::domain::tenant::{TenantEvent, TenantName};
use crate::store::StoredEvent;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// The stored form of the `sequence`th event, decided at `occurred` (its metadata's time).
fn stored(sequence: i64, payload: Value, occurred: &str) -> StoredEvent {
    StoredEvent {
        position: sequence * 10,
        transaction_id: 0,
        event_id: Uuid::now_v7(),
        aggregate_type: "test".to_owned(),
        aggregate_id: "test".to_owned(),
        sequence,
        event_type: payload["type"].as_str().unwrap().to_owned(),
        event_version: "1".to_owned(),
        tenant_id: None,
        payload,
        metadata: json!({"timestamp": occurred}),
        recorded_at: at("2030-01-01T00:00:00Z"),
    }
}

fn fold<R: FoldedRow>(id: Uuid, events: &[StoredEvent]) -> Option<R> {
    let mut row = None;
    for event in events {
        R::fold(&mut row, event, id).unwrap();
    }
    row
}

fn schedule_events(tenant_id: Uuid) -> Vec<Value> {
    let created = ScheduleEvent::ScheduleCreated {
        schedule_id: Uuid::nil(),
        tenant_id,
        name: ScheduleName::parse("Nightly").unwrap(),
        enabled: true,
        cadence: Cadence::Daily {
            times: vec![TimeOfDay::parse("02:30").unwrap()],
        },
        timezone: "Europe/Berlin".parse().unwrap(),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
        include_foundations: false,
        retention_keep_last: RetentionKeepLast::new(7).unwrap(),
        next_run_at: Some(at("2026-06-02T00:30:00Z")),
    };
    let renamed = ScheduleEvent::ScheduleUpdated {
        name: Some(ScheduleName::parse("Nightly (EU)").unwrap()),
        cadence: None,
        timezone: None,
        policy_types: None,
        include_foundations: None,
        retention_keep_last: Some(RetentionKeepLast::new(3).unwrap()),
        next_run_at: Some(at("2026-06-02T00:30:00Z")),
    };
    let recorded = ScheduleEvent::RunRecorded {
        run_id: Uuid::nil(),
        status: RunStatus::Failed,
        finished_at: at("2026-06-01T13:00:00Z"),
    };
    [
        created,
        renamed,
        ScheduleEvent::ScheduleDisabled,
        recorded,
        ScheduleEvent::ScheduleDeleted,
    ]
    .iter()
    .map(|event| serde_json::to_value(event).unwrap())
    .collect()
}

#[test]
fn a_schedule_row_folds_each_event_as_the_projector_writes_it() {
    let (id, tenant_id) = (Uuid::now_v7(), Uuid::now_v7());
    let events: Vec<StoredEvent> = schedule_events(tenant_id)
        .into_iter()
        .zip(1..)
        .map(|(payload, n)| stored(n, payload, &format!("2026-06-01T12:0{n}:00Z")))
        .collect();
    assert_eq!(fold::<ScheduleRow>(id, &[]), None);
    assert_eq!(
        fold::<ScheduleRow>(id, &events[1..]),
        None,
        "no row before creation"
    );

    let disabled: ScheduleRow = fold(id, &events[..3]).unwrap();
    assert_eq!(
        (disabled.name.as_str(), disabled.retention_keep_last),
        ("Nightly (EU)", 3)
    );
    assert_eq!(
        disabled.cadence,
        json!({"kind": "daily", "times": ["02:30"]})
    );
    assert!(!disabled.enabled);
    assert_eq!(disabled.next_run_at, None, "disabling clears the next run");
    assert_eq!(disabled.version, 3);
    assert_eq!(disabled.created_at, at("2026-06-01T12:01:00Z"));
    assert_eq!(disabled.updated_at, at("2026-06-01T12:03:00Z"));

    let recorded: ScheduleRow = fold(id, &events[..4]).unwrap();
    assert_eq!(recorded.last_run_at, Some(at("2026-06-01T13:00:00Z")));
    assert_eq!(recorded.last_run_status.as_deref(), Some("failed"));
    assert_eq!(recorded.deleted_at, None);
    let deleted: ScheduleRow = fold(id, &events).unwrap();
    assert_eq!(deleted.deleted_at, Some(at("2026-06-01T12:05:00Z")));
    assert_eq!(
        (deleted.tenant_id, deleted.id, deleted.version),
        (tenant_id, id, 5)
    );
}

#[test]
fn a_tenant_row_folds_credentials_status_and_deletion() {
    let id = Uuid::now_v7();
    let (client, secret, new_client) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let events: Vec<StoredEvent> = [
        TenantEvent::TenantRegistered {
            tenant_id: id,
            display_name: TenantName::parse("Contoso").unwrap(),
            azure_tenant_id: Uuid::nil(),
            client_id: client,
            client_secret_id: Some(secret),
        },
        TenantEvent::TenantCredentialsChanged {
            client_id: new_client,
            client_secret_id: None,
            retired_secret_id: Some(secret),
        },
        TenantEvent::TenantDeactivated,
        TenantEvent::TenantDeleted,
    ]
    .iter()
    .zip(1..)
    .map(|(event, n)| {
        let payload = serde_json::to_value(event).unwrap();
        stored(n, payload, &format!("2026-06-01T12:0{n}:00Z"))
    })
    .collect();
    let registered: TenantRow = fold(id, &events[..1]).unwrap();
    assert_eq!(
        (registered.client_secret_id, registered.status.as_str()),
        (Some(secret), "active")
    );
    let inactive: TenantRow = fold(id, &events[..3]).unwrap();
    assert_eq!(
        (inactive.client_id, inactive.client_secret_id),
        (new_client, None)
    );
    assert_eq!(
        (inactive.status.as_str(), inactive.version),
        ("inactive", 3)
    );
    let deleted: TenantRow = fold(id, &events).unwrap();
    assert_eq!(deleted.status, "deleted");
    assert_eq!(deleted.deleted_at, Some(at("2026-06-01T12:04:00Z")));
    assert_eq!(deleted.display_name, "Contoso");
}
