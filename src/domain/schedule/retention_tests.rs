//! The schedule's side of retention: given / when / then.

use chrono::{DateTime, Duration, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::tests::{at, created};
use super::*;

type Given = TestFramework<Schedule>;

fn sets(statuses: &[bool]) -> Vec<RetentionCandidate> {
    let start: DateTime<Utc> = at("2026-06-01T00:00:00Z");
    statuses
        .iter()
        .enumerate()
        .map(|(index, completed)| RetentionCandidate {
            backup_set_id: Uuid::from_u128(index as u128 + 1),
            created_at: start + Duration::days(index as i64),
            completed: *completed,
        })
        .collect()
}

fn apply(candidates: Vec<RetentionCandidate>) -> ScheduleCommand {
    ScheduleCommand::ApplyRetention(ApplyRetention {
        candidates,
        reason: RetentionReason::RunRecorded,
    })
}

fn lowered_to(keep: i64) -> ScheduleEvent {
    ScheduleEvent::ScheduleUpdated {
        name: None,
        cadence: None,
        timezone: None,
        policy_types: None,
        include_foundations: None,
        retention_keep_last: Some(RetentionKeepLast::new(keep).unwrap()),
        next_run_at: None,
    }
}

#[test]
fn retention_beyond_keep_last_records_what_it_deleted() {
    Given::with(())
        .given(vec![created(true, None), lowered_to(2)])
        .when(apply(sets(&[true, true, true, true])))
        .then_expect_events(vec![ScheduleEvent::RetentionApplied {
            kept: 2,
            deleted_backup_set_ids: vec![Uuid::from_u128(2), Uuid::from_u128(1)],
            reason: RetentionReason::RunRecorded,
        }]);
}

#[test]
fn retention_with_nothing_to_delete_records_nothing() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(apply(sets(&[true, false, true])))
        .then_expect_events(vec![]);
}

#[test]
fn retention_keeps_the_newest_completed_set_behind_partial_ones() {
    Given::with(())
        .given(vec![created(true, None), lowered_to(1)])
        .when(apply(sets(&[true, true, false, false])))
        .then_expect_events(vec![ScheduleEvent::RetentionApplied {
            kept: 2,
            deleted_backup_set_ids: vec![Uuid::from_u128(3), Uuid::from_u128(1)],
            reason: RetentionReason::RunRecorded,
        }]);
}

#[test]
fn a_deleted_schedule_applies_no_retention() {
    Given::with(())
        .given(vec![
            created(true, None),
            lowered_to(1),
            ScheduleEvent::ScheduleDeleted,
        ])
        .when(apply(sets(&[true, true])))
        .then_expect_error(ScheduleError::Deleted);
}
