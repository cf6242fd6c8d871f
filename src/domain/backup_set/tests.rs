use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<BackupSet>;

const TENANT: Uuid = Uuid::from_u128(1);
const OTHER_TENANT: Uuid = Uuid::from_u128(2);
const SCHEDULE: Uuid = Uuid::from_u128(3);

fn facts(deleted: bool) -> SetFacts {
    SetFacts {
        tenant_id: TENANT,
        schedule_id: SCHEDULE,
        deleted_at: deleted.then(|| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
    }
}

fn purged() -> BackupSetEvent {
    BackupSetEvent::BackupSetPurged {
        tenant_id: TENANT,
        schedule_id: SCHEDULE,
        deleted_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

#[test]
fn an_admin_deletes_a_live_set() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Delete {
            tenant_id: TENANT,
            found: Some(facts(false)),
        })
        .then_expect_events(vec![BackupSetEvent::BackupSetDeleted {
            tenant_id: TENANT,
            schedule_id: SCHEDULE,
            reason: DeleteReason::Admin,
        }]);
}

#[test]
fn deleting_a_deleted_set_records_nothing() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Delete {
            tenant_id: TENANT,
            found: Some(facts(true)),
        })
        .then_expect_events(vec![]);
}

#[test]
fn another_tenants_set_is_not_found() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Delete {
            tenant_id: OTHER_TENANT,
            found: Some(facts(false)),
        })
        .then_expect_error(BackupSetError::NotFound);
}

#[test]
fn a_deleted_set_is_restored() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Restore {
            tenant_id: TENANT,
            found: Some(facts(true)),
        })
        .then_expect_events(vec![BackupSetEvent::BackupSetRestored {
            tenant_id: TENANT,
            schedule_id: SCHEDULE,
        }]);
}

#[test]
fn restoring_a_live_set_records_nothing() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Restore {
            tenant_id: TENANT,
            found: Some(facts(false)),
        })
        .then_expect_events(vec![]);
}

#[test]
fn restoring_a_purged_set_is_refused() {
    Given::with(())
        .given(vec![purged()])
        .when(BackupSetCommand::Restore {
            tenant_id: TENANT,
            found: None,
        })
        .then_expect_error(BackupSetError::Purged);
}

#[test]
fn another_tenant_sees_a_purged_set_as_not_found() {
    Given::with(())
        .given(vec![purged()])
        .when(BackupSetCommand::Restore {
            tenant_id: OTHER_TENANT,
            found: None,
        })
        .then_expect_error(BackupSetError::NotFound);
}

#[test]
fn a_set_that_never_existed_is_not_found() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Restore {
            tenant_id: TENANT,
            found: None,
        })
        .then_expect_error(BackupSetError::NotFound);
}

#[test]
fn a_soft_deleted_set_is_purged() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Purge { found: facts(true) })
        .then_expect_events(vec![purged()]);
}

#[test]
fn a_live_set_is_not_purged() {
    Given::with(())
        .given_no_previous_events()
        .when(BackupSetCommand::Purge {
            found: facts(false),
        })
        .then_expect_error(BackupSetError::NotDeleted);
}
