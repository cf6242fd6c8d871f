//! Which events notify whom, and what the notice says: from hand-made stored events, no
//! database.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::store::StoredEvent;

const TENANT: Uuid = Uuid::from_u128(7);
const SCHEDULE: Uuid = Uuid::from_u128(8);
const RUN: Uuid = Uuid::from_u128(9);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn stored(
    aggregate_type: &str,
    aggregate_id: &str,
    tenant_id: Option<Uuid>,
    payload: Value,
) -> StoredEvent {
    StoredEvent {
        position: 42,
        transaction_id: 0,
        event_id: Uuid::from_u128(1),
        aggregate_type: aggregate_type.to_owned(),
        aggregate_id: aggregate_id.to_owned(),
        sequence: 3,
        event_type: payload["type"].as_str().unwrap().to_owned(),
        event_version: "1".to_owned(),
        tenant_id,
        payload,
        metadata: json!({"actor": "system:test"}),
        recorded_at: at("2026-06-01T12:00:00Z"),
    }
}

fn webhook_disabled(reason: &str) -> StoredEvent {
    stored(
        "webhook",
        "0192f0c6-0000-7000-8000-000000000001",
        None,
        json!({"type": "WebhookDisabled", "reason": reason, "url": "https://hooks.example.com/tp"}),
    )
}

fn named() -> Subject {
    Subject {
        tenant_id: Some(TENANT),
        tenant_name: Some("Contoso".to_owned()),
        schedule_id: Some(SCHEDULE),
        schedule_name: Some("Nightly".to_owned()),
    }
}

fn run_finished(status: &str) -> StoredEvent {
    stored(
        "run",
        &RUN.to_string(),
        Some(TENANT),
        json!({"type": "RunFinished", "status": status, "error_code": "auth_invalid_secret",
               "error_message": "AADSTS7000215: Invalid client secret provided.",
               "finished_at": "2026-06-01T12:05:00Z"}),
    )
}

#[test]
fn a_webhook_disabled_for_failing_notifies_the_admins_only() {
    let trigger = Trigger::of(&webhook_disabled("failing")).unwrap().unwrap();
    let notice = trigger.notice(&Subject::default()).unwrap();
    assert_eq!(notice.kind, NotificationKind::WebhookDisabled);
    assert_eq!(notice.audience, Audience::Admins);
    assert_eq!(notice.tenant_id, None);
    assert_eq!(
        notice.links.webhook.as_deref(),
        Some("/api/v1/webhooks/0192f0c6-0000-7000-8000-000000000001")
    );
    assert!(notice.message.contains("https://hooks.example.com/tp"));
}

#[test]
fn a_webhook_disabled_by_hand_or_gone_notifies_nobody() {
    for reason in ["manual", "gone"] {
        assert_eq!(Trigger::of(&webhook_disabled(reason)).unwrap(), None);
    }
    // no reason at all (another payload shape) is not "failing" either
    let mut event = webhook_disabled("failing");
    event.payload = json!({"type": "WebhookDisabled"});
    assert_eq!(Trigger::of(&event).unwrap(), None);
}

#[test]
fn failed_and_partial_runs_notify_the_tenant_and_successful_ones_do_not() {
    let failed = Trigger::of(&run_finished("failed")).unwrap().unwrap();
    let notice = failed.notice(&named()).unwrap();
    assert_eq!(notice.kind, NotificationKind::RunFailed);
    assert_eq!(notice.audience, Audience::Tenant(TENANT));
    assert_eq!(
        (notice.schedule_id, notice.run_id),
        (Some(SCHEDULE), Some(RUN))
    );
    assert_eq!(notice.title, "Backup run failed: Nightly (Contoso)");
    assert!(
        notice.message.contains("auth_invalid_secret"),
        "{}",
        notice.message
    );
    assert_eq!(
        notice.links.run,
        Some(format!("/api/v1/tenants/{TENANT}/backup-runs/{RUN}"))
    );
    let partial = Trigger::of(&run_finished("partial")).unwrap().unwrap();
    assert_eq!(
        partial.notice(&named()).unwrap().kind,
        NotificationKind::RunPartial
    );
    assert_eq!(Trigger::of(&run_finished("success")).unwrap(), None);
}

#[test]
fn a_missed_slot_notifies_and_an_overlap_does_not() {
    let skipped = |reason: &str| {
        stored(
            "schedule",
            &SCHEDULE.to_string(),
            Some(TENANT),
            json!({"type": "SlotSkipped", "scheduled_for": "2026-06-02T00:30:00Z",
                   "reason": reason, "next_run_at": "2026-06-04T00:30:00Z"}),
        )
    };
    let notice = Trigger::of(&skipped("missed"))
        .unwrap()
        .unwrap()
        .notice(&named())
        .unwrap();
    assert_eq!(notice.kind, NotificationKind::SlotMissed);
    assert_eq!(notice.run_id, None);
    assert!(notice.message.contains("2026-06-02T00:30:00+00:00"));
    assert_eq!(Trigger::of(&skipped("overlap")).unwrap(), None);
}

#[test]
fn an_auto_disabled_schedule_notifies_with_its_last_run() {
    let event = stored(
        "schedule",
        &SCHEDULE.to_string(),
        Some(TENANT),
        json!({"type": "ScheduleAutoDisabled", "consecutive_failures": 5, "last_run_id": RUN}),
    );
    let notice = Trigger::of(&event)
        .unwrap()
        .unwrap()
        .notice(&named())
        .unwrap();
    assert_eq!(notice.kind, NotificationKind::ScheduleAutoDisabled);
    assert_eq!(notice.run_id, Some(RUN));
    assert_eq!(
        notice.title,
        "Schedule disabled after 5 failed runs: Nightly (Contoso)"
    );
}

#[test]
fn an_event_of_no_tenant_that_needs_one_notifies_nobody() {
    let mut event = run_finished("failed");
    event.tenant_id = None;
    let trigger = Trigger::of(&event).unwrap().unwrap();
    assert_eq!(trigger.notice(&Subject::default()), None);
    // the read models can still name it
    assert!(trigger.notice(&named()).is_some());
}

#[test]
fn other_events_notify_nobody() {
    let created = stored(
        "schedule",
        &SCHEDULE.to_string(),
        Some(TENANT),
        json!({"type": "ScheduleDisabled"}),
    );
    assert_eq!(Trigger::of(&created).unwrap(), None);
}

#[test]
fn kinds_round_trip_through_their_stored_names() {
    for kind in [
        NotificationKind::RunFailed,
        NotificationKind::RunPartial,
        NotificationKind::SlotMissed,
        NotificationKind::ScheduleAutoDisabled,
        NotificationKind::WebhookDisabled,
    ] {
        assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
        assert_eq!(json!(kind), json!(kind.as_str()));
    }
}
