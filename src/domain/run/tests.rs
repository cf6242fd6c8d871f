use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<Run>;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn queue() -> QueueRun {
    QueueRun {
        run_id: Uuid::from_u128(1),
        schedule_id: Uuid::from_u128(2),
        tenant_id: Uuid::from_u128(3),
        trigger: RunTrigger::Scheduled,
        scheduled_for: at("2026-03-29T01:30:00Z"),
        retry_of: None,
    }
}

fn queued() -> RunEvent {
    RunEvent::RunQueued {
        run_id: Uuid::from_u128(1),
        schedule_id: Uuid::from_u128(2),
        tenant_id: Uuid::from_u128(3),
        trigger: RunTrigger::Scheduled,
        scheduled_for: at("2026-03-29T01:30:00Z"),
        retry_of: None,
    }
}

fn started() -> RunEvent {
    RunEvent::RunStarted {
        worker: "w1".into(),
        started_at: at("2026-03-29T01:30:05Z"),
    }
}

fn finish(status: RunStatus) -> RunCommand {
    RunCommand::Finish {
        status,
        error_code: None,
        error_message: None,
        now: at("2026-03-29T01:31:00Z"),
    }
}

#[test]
fn queuing_records_the_run_once() {
    Given::with(())
        .given_no_previous_events()
        .when(RunCommand::Queue(queue()))
        .then_expect_events(vec![queued()]);
    Given::with(())
        .given(vec![queued()])
        .when(RunCommand::Queue(queue()))
        .then_expect_events(vec![]);
}

#[test]
fn a_queued_run_starts_and_a_running_run_finishes() {
    Given::with(())
        .given(vec![queued()])
        .when(RunCommand::Start {
            worker: "w1".into(),
            now: at("2026-03-29T01:30:05Z"),
        })
        .then_expect_events(vec![started()]);
    Given::with(())
        .given(vec![queued(), started()])
        .when(finish(RunStatus::Partial))
        .then_expect_events(vec![RunEvent::RunFinished {
            status: RunStatus::Partial,
            error_code: None,
            error_message: None,
            finished_at: at("2026-03-29T01:31:00Z"),
        }]);
}

#[test]
fn starting_twice_or_finishing_a_queued_run_is_refused() {
    Given::with(())
        .given(vec![queued(), started()])
        .when(RunCommand::Start {
            worker: "w2".into(),
            now: at("2026-03-29T01:30:06Z"),
        })
        .then_expect_error(RunError::NotQueued(RunStatus::Running));
    Given::with(())
        .given(vec![queued()])
        .when(finish(RunStatus::Success))
        .then_expect_error(RunError::NotRunning(RunStatus::Queued));
}

#[test]
fn a_run_finishes_only_with_a_final_status() {
    Given::with(())
        .given(vec![queued(), started()])
        .when(finish(RunStatus::Queued))
        .then_expect_error(RunError::NotAFinalStatus(RunStatus::Queued));
}

#[test]
fn commands_on_an_unknown_run_are_refused() {
    Given::with(())
        .given_no_previous_events()
        .when(finish(RunStatus::Failed))
        .then_expect_error(RunError::NotFound);
}

#[test]
fn a_sync_report_recorded_before_completeness_still_reads_and_says_nothing_of_it() {
    // `SyncCompleted` v1 as stored before `listed`, `whole` and `incomplete` existed
    let stored = serde_json::json!({"type": "SyncCompleted", "report": {"settingsCatalog": {
        "fetched": 3, "created": 3, "updated": 0, "unchanged": 0, "deleted_upstream": 0,
        "skipped_deleted": 0, "error_code": null, "error_message": null}}});
    let event: RunEvent = serde_json::from_value(stored).unwrap();
    let RunEvent::SyncCompleted { report } = event else {
        panic!("a SyncCompleted");
    };
    let settings = &report["settingsCatalog"];
    assert_eq!((settings.listed, settings.whole), (None, None));
    assert!(!settings.incomplete());
    // and a new report leaves out what it does not have, so old readers see the old shape
    let written = serde_json::to_value(TypeSyncReport::default()).unwrap();
    assert!(written.get("listed").is_none() && written.get("incomplete").is_none());
    let with = TypeSyncReport {
        listed: Some(2),
        whole: Some(1),
        incomplete: vec![IncompleteItem {
            graph_id: "p".into(),
            display_name: "P".into(),
            reason: "`assignments` not read".into(),
        }],
        ..TypeSyncReport::default()
    };
    let round_trip: TypeSyncReport =
        serde_json::from_value(serde_json::to_value(&with).unwrap()).unwrap();
    assert_eq!(round_trip, with);
}
