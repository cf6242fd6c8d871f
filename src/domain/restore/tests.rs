use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Framework = TestFramework<Restore>;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn planned() -> RestoreEvent {
    RestoreEvent::RestorePlanned {
        restore_id: Uuid::nil(),
        tenant_id: Uuid::nil(),
        source_tenant_id: Uuid::nil(),
        source_backup_set_id: Uuid::nil(),
        selection: RestoreSelection::default(),
        group_mapping: Default::default(),
        group_matches: Vec::new(),
        items: Vec::new(),
        planned_at: now(),
    }
}

fn apply(applier: &str, required: u32) -> RestoreCommand {
    RestoreCommand::Apply {
        applier: applier.to_owned(),
        required_approvals: required,
        now: now(),
    }
}

#[test]
fn with_one_approval_the_applier_alone_applies() {
    Framework::with(())
        .given(vec![planned()])
        .when(apply("admin-a", 1))
        .then_expect_events(vec![RestoreEvent::RestoreApplyRequested {
            applier: "admin-a".to_owned(),
            requested_at: now(),
        }]);
}

#[test]
fn with_two_approvals_a_second_admin_must_approve_first() {
    Framework::with(())
        .given(vec![planned()])
        .when(apply("admin-a", 2))
        .then_expect_error(RestoreError::NeedsApproval {
            approvals: 1,
            required: 2,
        });
    Framework::with(())
        .given(vec![
            planned(),
            RestoreEvent::RestoreApproved {
                approver: "admin-a".to_owned(),
                approved_at: now(),
            },
        ])
        .when(apply("admin-a", 2))
        .then_expect_error(RestoreError::SelfApproval);
    Framework::with(())
        .given(vec![
            planned(),
            RestoreEvent::RestoreApproved {
                approver: "admin-b".to_owned(),
                approved_at: now(),
            },
        ])
        .when(apply("admin-a", 2))
        .then_expect_events(vec![RestoreEvent::RestoreApplyRequested {
            applier: "admin-a".to_owned(),
            requested_at: now(),
        }]);
}

#[test]
fn a_plan_is_applied_once() {
    Framework::with(())
        .given(vec![
            planned(),
            RestoreEvent::RestoreApplyRequested {
                applier: "admin-a".to_owned(),
                requested_at: now(),
            },
        ])
        .when(apply("admin-a", 1))
        .then_expect_error(RestoreError::NotPlanned(RestoreStatus::Queued));
}

#[test]
fn an_item_recorded_twice_is_recorded_once() {
    let item_id = Uuid::from_u128(7);
    let applied = RestoreEvent::RestoreItemApplied {
        item_id,
        target_id: "t-1".to_owned(),
        sent: Vec::new(),
        adopted: false,
    };
    Framework::with(())
        .given(vec![
            planned(),
            RestoreEvent::RestoreApplyRequested {
                applier: "a".to_owned(),
                requested_at: now(),
            },
            RestoreEvent::RestoreStarted {
                worker: "w".to_owned(),
                started_at: now(),
            },
            applied,
        ])
        .when(RestoreCommand::RecordApplied {
            item_id,
            target_id: "t-2".to_owned(),
            sent: Vec::new(),
            adopted: true,
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_restore_whose_workers_keep_dying_fails_on_the_third() {
    let started = RestoreEvent::RestoreStarted {
        worker: "w".to_owned(),
        started_at: now(),
    };
    let abandoned = RestoreEvent::RestoreAbandoned {
        worker: "w".to_owned(),
        reason: "its lease expired".to_owned(),
        abandoned_at: now(),
    };
    let events = Framework::with(())
        .given(vec![
            planned(),
            RestoreEvent::RestoreApplyRequested {
                applier: "a".to_owned(),
                requested_at: now(),
            },
            started.clone(),
            abandoned.clone(),
            started.clone(),
            abandoned,
            started,
        ])
        .when(RestoreCommand::Abandon {
            worker: "w".to_owned(),
            reason: "its lease expired".to_owned(),
            now: now(),
        })
        .inspect_result()
        .expect("abandoned");
    assert_eq!(events.len(), 2);
    assert!(matches!(
        events[1],
        RestoreEvent::RestoreFinished {
            status: RestoreStatus::Failed,
            ..
        }
    ));
}
