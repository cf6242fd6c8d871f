//! Given / when / then for the run-related commands of the Schedule aggregate.

use chrono::{DateTime, Duration, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::domain::cadence::{Cadence, TimeOfDay};
use crate::domain::run::{RunStatus, RunTrigger};

type Given = TestFramework<Schedule>;

const TENANT: Uuid = Uuid::from_u128(7);
const RUN: Uuid = Uuid::from_u128(100);
const OTHER_RUN: Uuid = Uuid::from_u128(101);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Daily 02:30 Europe/Berlin, next slot 2026-03-29T01:30Z (the spring-forward day).
fn created() -> ScheduleEvent {
    ScheduleEvent::ScheduleCreated {
        schedule_id: Uuid::from_u128(8),
        tenant_id: TENANT,
        name: ScheduleName::parse("Nightly").unwrap(),
        enabled: true,
        cadence: Cadence::Daily {
            times: vec![TimeOfDay::parse("02:30").unwrap()],
        },
        timezone: "Europe/Berlin".parse().unwrap(),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
        include_foundations: false,
        retention_keep_last: RetentionKeepLast::new(7).unwrap(),
        next_run_at: Some(at("2026-03-29T01:30:00Z")),
    }
}

fn claim(slot: &str, now: &str) -> ScheduleCommand {
    ScheduleCommand::ClaimSlot(ClaimSlot {
        scheduled_for: at(slot),
        run_id: RUN,
        now: at(now),
        grace: Duration::minutes(5),
    })
}

fn claimed() -> ScheduleEvent {
    ScheduleEvent::SlotClaimed {
        run_id: RUN,
        scheduled_for: at("2026-03-29T01:30:00Z"),
        trigger: RunTrigger::Scheduled,
        retry_of: None,
        next_run_at: Some(at("2026-03-30T00:30:00Z")),
    }
}

fn recorded(run_id: Uuid) -> ScheduleEvent {
    ScheduleEvent::RunRecorded {
        run_id,
        status: RunStatus::Success,
        finished_at: at("2026-03-29T01:40:00Z"),
    }
}

#[test]
fn a_due_slot_is_claimed_and_the_next_slot_follows_it() {
    Given::with(())
        .given(vec![created()])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z"))
        .then_expect_events(vec![claimed()]);
}

#[test]
fn claiming_the_same_slot_twice_is_refused() {
    Given::with(())
        .given(vec![created(), claimed(), recorded(RUN)])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:31:00Z"))
        .then_expect_error(ScheduleError::SlotAlreadyClaimed(at(
            "2026-03-29T01:30:00Z",
        )));
}

#[test]
fn a_slot_that_is_not_next_or_not_yet_due_is_refused() {
    Given::with(())
        .given(vec![created()])
        .when(claim("2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z"))
        .then_expect_error(ScheduleError::SlotNotDue(at("2026-03-28T01:30:00Z")));
    Given::with(())
        .given(vec![created()])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:29:00Z"))
        .then_expect_error(ScheduleError::SlotNotDue(at("2026-03-29T01:30:00Z")));
}

#[test]
fn a_slot_past_the_grace_period_is_skipped_as_missed_and_the_next_is_computed_from_now() {
    Given::with(())
        .given(vec![created()])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-31T09:00:00Z"))
        .then_expect_events(vec![ScheduleEvent::SlotSkipped {
            scheduled_for: at("2026-03-29T01:30:00Z"),
            reason: SkipReason::Missed,
            next_run_at: Some(at("2026-04-01T00:30:00Z")),
        }]);
}

#[test]
fn a_slot_within_the_grace_period_is_still_claimed() {
    Given::with(())
        .given(vec![created()])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:35:00Z"))
        .then_expect_events(vec![claimed()]);
}

#[test]
fn a_slot_while_the_previous_run_is_active_is_skipped_as_overlap() {
    let manual = ScheduleEvent::SlotClaimed {
        run_id: OTHER_RUN,
        scheduled_for: at("2026-03-29T01:00:00Z"),
        trigger: RunTrigger::Manual,
        retry_of: None,
        next_run_at: Some(at("2026-03-29T01:30:00Z")),
    };
    Given::with(())
        .given(vec![created(), manual])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z"))
        .then_expect_events(vec![ScheduleEvent::SlotSkipped {
            scheduled_for: at("2026-03-29T01:30:00Z"),
            reason: SkipReason::Overlap,
            next_run_at: Some(at("2026-03-30T00:30:00Z")),
        }]);
}

#[test]
fn a_disabled_or_deleted_schedule_claims_nothing() {
    Given::with(())
        .given(vec![created(), ScheduleEvent::ScheduleDisabled])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z"))
        .then_expect_error(ScheduleError::Disabled);
    Given::with(())
        .given(vec![created(), ScheduleEvent::ScheduleDeleted])
        .when(claim("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z"))
        .then_expect_error(ScheduleError::Deleted);
}

fn request(trigger: RunTrigger, retry_of: Option<Uuid>) -> ScheduleCommand {
    ScheduleCommand::RequestRun(RequestRun {
        tenant_id: TENANT,
        run_id: OTHER_RUN,
        trigger,
        retry_of,
        now: at("2026-03-28T10:00:00Z"),
    })
}

#[test]
fn run_now_queues_a_manual_run_without_moving_the_next_slot() {
    Given::with(())
        .given(vec![created()])
        .when(request(RunTrigger::Manual, None))
        .then_expect_events(vec![ScheduleEvent::SlotClaimed {
            run_id: OTHER_RUN,
            scheduled_for: at("2026-03-28T10:00:00Z"),
            trigger: RunTrigger::Manual,
            retry_of: None,
            next_run_at: Some(at("2026-03-29T01:30:00Z")),
        }]);
}

#[test]
fn a_retry_is_linked_to_the_run_it_retries() {
    Given::with(())
        .given(vec![created(), claimed(), recorded(RUN)])
        .when(request(RunTrigger::Retry, Some(RUN)))
        .then_expect_events(vec![ScheduleEvent::SlotClaimed {
            run_id: OTHER_RUN,
            scheduled_for: at("2026-03-28T10:00:00Z"),
            trigger: RunTrigger::Retry,
            retry_of: Some(RUN),
            next_run_at: Some(at("2026-03-30T00:30:00Z")),
        }]);
}

#[test]
fn a_manual_run_while_another_is_active_is_refused() {
    Given::with(())
        .given(vec![created(), claimed()])
        .when(request(RunTrigger::Manual, None))
        .then_expect_error(ScheduleError::RunAlreadyActive(RUN));
}

#[test]
fn a_manual_run_of_another_tenants_schedule_is_not_found() {
    Given::with(())
        .given(vec![created()])
        .when(ScheduleCommand::RequestRun(RequestRun {
            tenant_id: Uuid::from_u128(99),
            run_id: OTHER_RUN,
            trigger: RunTrigger::Manual,
            retry_of: None,
            now: at("2026-03-28T10:00:00Z"),
        }))
        .then_expect_error(ScheduleError::NotFound);
}

#[test]
fn a_finished_run_is_recorded_once_and_frees_the_schedule() {
    let record = || {
        ScheduleCommand::RecordRun(RecordRun {
            run_id: RUN,
            status: RunStatus::Success,
            finished_at: at("2026-03-29T01:40:00Z"),
        })
    };
    Given::with(())
        .given(vec![created(), claimed()])
        .when(record())
        .then_expect_events(vec![recorded(RUN)]);
    Given::with(())
        .given(vec![created(), claimed(), recorded(RUN)])
        .when(record())
        .then_expect_events(vec![]);
    // freed: the next slot is claimed rather than skipped as overlap
    Given::with(())
        .given(vec![created(), claimed(), recorded(RUN)])
        .when(ScheduleCommand::ClaimSlot(ClaimSlot {
            scheduled_for: at("2026-03-30T00:30:00Z"),
            run_id: OTHER_RUN,
            now: at("2026-03-30T00:30:00Z"),
            grace: Duration::minutes(5),
        }))
        .then_expect_events(vec![ScheduleEvent::SlotClaimed {
            run_id: OTHER_RUN,
            scheduled_for: at("2026-03-30T00:30:00Z"),
            trigger: RunTrigger::Scheduled,
            retry_of: None,
            next_run_at: Some(at("2026-03-31T00:30:00Z")),
        }]);
}

#[test]
fn recomputing_changes_nothing_when_the_rules_are_unchanged_and_leaves_due_slots_alone() {
    Given::with(())
        .given(vec![created()])
        .when(ScheduleCommand::RecomputeNextRun {
            now: at("2026-03-28T12:00:00Z"),
        })
        .then_expect_events(vec![]);
    Given::with(())
        .given(vec![created()])
        .when(ScheduleCommand::RecomputeNextRun {
            now: at("2026-03-30T12:00:00Z"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn recomputing_a_stale_future_slot_records_the_new_one() {
    let mut stale = created();
    if let ScheduleEvent::ScheduleCreated { next_run_at, .. } = &mut stale {
        // as if an older tz database had put the slot an hour off
        *next_run_at = Some(at("2026-03-29T02:30:00Z"));
    }
    Given::with(())
        .given(vec![stale])
        .when(ScheduleCommand::RecomputeNextRun {
            now: at("2026-03-28T12:00:00Z"),
        })
        .then_expect_events(vec![ScheduleEvent::NextRunRecomputed {
            next_run_at: Some(at("2026-03-29T01:30:00Z")),
        }]);
}

#[test]
fn an_older_run_is_never_recorded_over_a_newer_one() {
    let newer = ScheduleEvent::RunRecorded {
        run_id: OTHER_RUN,
        status: RunStatus::Failed,
        finished_at: at("2026-03-30T00:40:00Z"),
    };
    Given::with(())
        .given(vec![created(), claimed(), recorded(RUN), newer])
        .when(ScheduleCommand::RecordRun(RecordRun {
            run_id: RUN,
            status: RunStatus::Success,
            finished_at: at("2026-03-29T01:40:00Z"),
        }))
        .then_expect_events(vec![]);
}
