use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::domain::run::{BackupSetStatus, BackupSummary};

const TENANT: Uuid = Uuid::from_u128(0x10);
const SCHEDULE: Uuid = Uuid::from_u128(0x20);
const RUN: Uuid = Uuid::from_u128(0x30);
const SET: Uuid = Uuid::from_u128(0x40);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn stored(aggregate_type: &str, id: Uuid, event_type: &str, payload: Value) -> StoredEvent {
    StoredEvent {
        position: 7,
        transaction_id: 0,
        event_id: Uuid::from_u128(0x99),
        aggregate_type: aggregate_type.to_owned(),
        aggregate_id: id.to_string(),
        sequence: 3,
        event_type: event_type.to_owned(),
        event_version: "1".to_owned(),
        tenant_id: Some(TENANT),
        payload,
        metadata: json!({"timestamp": "2026-06-01T12:00:00.250Z"}),
        recorded_at: at("2026-06-01T12:00:01Z"),
    }
}

fn finished(status: &str, error_code: Option<&str>) -> StoredEvent {
    let mut payload = json!({"type": "RunFinished", "status": status,
                             "finished_at": "2026-06-01T12:00:00Z"});
    if let Some(code) = error_code {
        payload["error_code"] = json!(code);
    }
    stored("run", RUN, "RunFinished", payload)
}

fn facts(backup_set_id: Option<Uuid>) -> RunFacts {
    RunFacts {
        tenant_id: TENANT,
        schedule_id: SCHEDULE,
        trigger: RunTrigger::Manual,
        retry_of: None,
        backup_set_id,
    }
}

fn body(message: &PublicMessage) -> Value {
    serde_json::from_str(&message.body).unwrap()
}

#[test]
fn finished_runs_map_to_their_status() {
    for (status, expected) in [
        ("success", PublicEventType::RunSucceeded),
        ("partial", PublicEventType::RunPartial),
        ("failed", PublicEventType::RunFailed),
    ] {
        let event = finished(status, None);
        assert!(needs_run_facts(&event));
        let message = public_message(&event, Some(&facts(Some(SET))))
            .unwrap()
            .unwrap();
        assert_eq!(message.event_type, expected);
        assert_eq!(message.tenant_id, TENANT);
        assert_eq!(body(&message)["type"], expected.as_str());
    }
}

#[test]
fn a_failed_run_carries_ids_status_error_and_links() {
    let message = public_message(
        &finished("failed", Some("auth_invalid_secret")),
        Some(&facts(None)),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        body(&message),
        json!({
            "type": "backup_run.failed",
            "timestamp": "2026-06-01T12:00:00.250Z",
            "data": {
                "event_id": Uuid::from_u128(0x99),
                "tenant_id": TENANT,
                "schedule_id": SCHEDULE,
                "run_id": RUN,
                "trigger": "manual",
                "retry_of": null,
                "status": "failed",
                "error_code": "auth_invalid_secret",
                "backup_set_id": null,
                "links": {
                    "run": format!("/api/v1/tenants/{TENANT}/backup-runs/{RUN}"),
                    "schedule": format!("/api/v1/tenants/{TENANT}/backup-schedules/{SCHEDULE}"),
                }
            }
        })
    );
    // the layout starts with the type, as the specification shows it
    assert!(message
        .body
        .starts_with(r#"{"type":"backup_run.failed","timestamp""#));
}

#[test]
fn a_succeeded_run_links_its_backup_set() {
    let message = public_message(&finished("success", None), Some(&facts(Some(SET))))
        .unwrap()
        .unwrap();
    let data = &body(&message)["data"];
    assert_eq!(data["backup_set_id"], json!(SET));
    assert_eq!(
        data["links"]["backup_set"],
        format!("/api/v1/tenants/{TENANT}/backup-sets/{SET}")
    );
}

#[test]
fn a_finished_run_without_its_queued_event_is_refused_not_guessed() {
    assert!(public_message(&finished("success", None), None).is_err());
}

#[test]
fn schedule_changes_map_to_one_public_type() {
    for (event_type, change) in [
        ("ScheduleCreated", "created"),
        ("ScheduleUpdated", "updated"),
        ("ScheduleEnabled", "enabled"),
        ("ScheduleDisabled", "disabled"),
        ("ScheduleDeleted", "deleted"),
        ("ScheduleAutoDisabled", "auto_disabled"),
    ] {
        let event = stored(
            "schedule",
            SCHEDULE,
            event_type,
            json!({"type": event_type}),
        );
        assert!(!needs_run_facts(&event));
        let message = public_message(&event, None).unwrap().unwrap();
        assert_eq!(message.event_type, PublicEventType::ScheduleChanged);
        let data = &body(&message)["data"];
        assert_eq!(data["change"], change);
        assert_eq!(data["schedule_id"], json!(SCHEDULE));
        assert_eq!(data["links"].get("schedule").is_some(), change != "deleted");
    }
}

#[test]
fn skipped_slots_and_retention_carry_their_reason() {
    let skipped = stored(
        "schedule",
        SCHEDULE,
        "SlotSkipped",
        json!({"type": "SlotSkipped", "scheduled_for": "2026-06-01T01:30:00Z",
               "reason": "overlap", "next_run_at": null}),
    );
    let message = public_message(&skipped, None).unwrap().unwrap();
    assert_eq!(message.event_type, PublicEventType::SlotSkipped);
    let data = &body(&message)["data"];
    assert_eq!(data["reason"], "overlap");
    assert_eq!(data["scheduled_for"], "2026-06-01T01:30:00Z");

    let retention = stored(
        "schedule",
        SCHEDULE,
        "RetentionApplied",
        json!({"type": "RetentionApplied", "kept": 7, "deleted_backup_set_ids": [SET],
               "reason": "run_recorded"}),
    );
    let message = public_message(&retention, None).unwrap().unwrap();
    assert_eq!(message.event_type, PublicEventType::RetentionApplied);
    let data = &body(&message)["data"];
    assert_eq!(data["kept"], 7);
    assert_eq!(data["deleted_backup_set_ids"], json!([SET]));
    assert_eq!(data["reason"], "run_recorded");
}

#[test]
fn internal_events_stay_internal() {
    for (aggregate_type, event_type) in [
        ("schedule", "SlotClaimed"),
        ("schedule", "RunRecorded"),
        ("schedule", "NextRunRecomputed"),
        ("run", "RunQueued"),
        ("run", "RunStarted"),
        ("tenant", "TenantRegistered"),
        ("webhook", "WebhookCreated"),
        ("token", "TokenIssued"),
    ] {
        let event = stored(
            aggregate_type,
            SCHEDULE,
            event_type,
            json!({"type": event_type}),
        );
        assert_eq!(public_message(&event, None), Ok(None), "{event_type}");
    }
}

#[test]
fn run_facts_come_from_the_queued_and_backup_events() {
    let events = [
        RunEvent::RunQueued {
            run_id: RUN,
            schedule_id: SCHEDULE,
            tenant_id: TENANT,
            trigger: RunTrigger::Retry,
            scheduled_for: at("2026-06-01T12:00:00Z"),
            retry_of: Some(Uuid::from_u128(0x31)),
        },
        RunEvent::BackupCreated {
            backup: BackupSummary {
                backup_set_id: SET,
                name: "Nightly".to_owned(),
                status: BackupSetStatus::Completed,
                item_count: 1,
                foundation_count: 0,
                counts: BTreeMap::new(),
                tree_hash: "t".to_owned(),
            },
        },
    ];
    let facts = RunFacts::from_events(&events).unwrap();
    assert_eq!(facts.backup_set_id, Some(SET));
    assert_eq!(facts.trigger, RunTrigger::Retry);
    assert_eq!(facts.retry_of, Some(Uuid::from_u128(0x31)));
    assert_eq!(RunFacts::from_events(&events[1..]), None);
}
