//! Given / when / then for the auto-disable rule: a schedule whose runs fail
//! `AUTO_DISABLE_AFTER_FAILURES` times in a row is disabled by the system.

use chrono::{Duration, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::tests::{at, created};
use super::*;
use crate::domain::run::RunStatus;

type Given = TestFramework<Schedule>;

const TENANT: Uuid = Uuid::from_u128(7);
const NEXT_SLOT: &str = "2026-06-02T00:30:00Z";

fn enabled() -> ScheduleEvent {
    created(true, Some(at(NEXT_SLOT)))
}

fn run(index: u32) -> Uuid {
    Uuid::from_u128(300 + u128::from(index))
}

/// The `index`-th run of the schedule finished with `status`, an hour after the previous.
fn finished_at(index: u32) -> chrono::DateTime<Utc> {
    at("2026-06-01T13:00:00Z") + Duration::hours(i64::from(index))
}

fn recorded(index: u32, status: RunStatus) -> ScheduleEvent {
    ScheduleEvent::RunRecorded {
        run_id: run(index),
        status,
        finished_at: finished_at(index),
    }
}

fn record(index: u32, status: RunStatus) -> ScheduleCommand {
    ScheduleCommand::RecordRun(RecordRun {
        run_id: run(index),
        status,
        finished_at: finished_at(index),
    })
}

/// The schedule's creation followed by runs `first..first + count`, all failed.
fn failures(first: u32, count: u32) -> Vec<ScheduleEvent> {
    (first..first + count)
        .map(|index| recorded(index, RunStatus::Failed))
        .collect()
}

fn with_history(history: Vec<ScheduleEvent>) -> Vec<ScheduleEvent> {
    let mut events = vec![enabled()];
    events.extend(history);
    events
}

fn auto_disabled(index: u32, consecutive_failures: u32) -> ScheduleEvent {
    ScheduleEvent::ScheduleAutoDisabled {
        consecutive_failures,
        last_run_id: run(index),
    }
}

#[test]
fn the_fifth_failed_run_in_a_row_disables_the_schedule() {
    assert_eq!(AUTO_DISABLE_AFTER_FAILURES, 5);
    Given::with(())
        .given(with_history(failures(0, 4)))
        .when(record(4, RunStatus::Failed))
        .then_expect_events(vec![recorded(4, RunStatus::Failed), auto_disabled(4, 5)]);
}

#[test]
fn four_failed_runs_in_a_row_leave_the_schedule_enabled() {
    Given::with(())
        .given(with_history(failures(0, 3)))
        .when(record(3, RunStatus::Failed))
        .then_expect_events(vec![recorded(3, RunStatus::Failed)]);
}

#[test]
fn a_successful_or_partial_run_ends_the_streak() {
    for status in [RunStatus::Success, RunStatus::Partial] {
        let mut history = failures(0, 4);
        history.push(recorded(4, status));
        history.extend(failures(5, 3));
        // four failures, a backup, four failures: never five in a row
        Given::with(())
            .given(with_history(history))
            .when(record(8, RunStatus::Failed))
            .then_expect_events(vec![recorded(8, RunStatus::Failed)]);
    }
}

#[test]
fn the_same_failed_run_recorded_again_disables_nothing() {
    let mut history = failures(0, 5);
    history.push(auto_disabled(4, 5));
    Given::with(())
        .given(with_history(history))
        .when(record(4, RunStatus::Failed))
        .then_expect_events(vec![]);
}

#[test]
fn an_auto_disabled_schedule_claims_no_slot() {
    let mut history = failures(0, 5);
    history.push(auto_disabled(4, 5));
    Given::with(())
        .given(with_history(history))
        .when(ScheduleCommand::ClaimSlot(ClaimSlot {
            scheduled_for: at(NEXT_SLOT),
            run_id: Uuid::from_u128(999),
            now: at(NEXT_SLOT),
            grace: Duration::minutes(5),
        }))
        .then_expect_error(ScheduleError::Disabled);
}

#[test]
fn a_disabled_schedule_counts_failures_but_is_not_disabled_again() {
    // manual runs of an auto-disabled schedule keep failing: nothing more to disable
    let mut history = failures(0, 5);
    history.push(auto_disabled(4, 5));
    Given::with(())
        .given(with_history(history))
        .when(record(5, RunStatus::Failed))
        .then_expect_events(vec![recorded(5, RunStatus::Failed)]);
    // nor is a schedule a user disabled
    let mut history = vec![ScheduleEvent::ScheduleDisabled];
    history.extend(failures(0, 4));
    Given::with(())
        .given(with_history(history))
        .when(record(4, RunStatus::Failed))
        .then_expect_events(vec![recorded(4, RunStatus::Failed)]);
}

#[test]
fn enabling_again_starts_a_new_streak() {
    let enable_again = || {
        let mut history = failures(0, 5);
        history.push(auto_disabled(4, 5));
        history.push(ScheduleEvent::ScheduleEnabled {
            next_run_at: Some(at("2026-06-03T00:30:00Z")),
        });
        history
    };
    Given::with(())
        .given(with_history(enable_again()))
        .when(record(5, RunStatus::Failed))
        .then_expect_events(vec![recorded(5, RunStatus::Failed)]);
    // and five more failures disable it again
    let mut history = enable_again();
    history.extend(failures(5, 4));
    Given::with(())
        .given(with_history(history))
        .when(record(9, RunStatus::Failed))
        .then_expect_events(vec![recorded(9, RunStatus::Failed), auto_disabled(9, 5)]);
}

#[test]
fn enabling_an_auto_disabled_schedule_computes_the_next_slot_from_now() {
    let mut history = failures(0, 5);
    history.push(auto_disabled(4, 5));
    Given::with(())
        .given(with_history(history))
        .when(ScheduleCommand::Enable {
            tenant_id: TENANT,
            now: at("2026-06-10T08:00:00Z"),
        })
        .then_expect_events(vec![ScheduleEvent::ScheduleEnabled {
            next_run_at: Some(at("2026-06-11T00:30:00Z")),
        }]);
}

#[test]
fn the_auto_disable_event_keeps_its_contract_shape() {
    let event = auto_disabled(4, 5);
    assert_eq!(
        cqrs_es::DomainEvent::event_type(&event),
        "ScheduleAutoDisabled"
    );
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::json!({
            "type": "ScheduleAutoDisabled",
            "consecutive_failures": 5,
            "last_run_id": run(4),
        })
    );
}
