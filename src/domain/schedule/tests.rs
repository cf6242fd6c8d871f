use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::domain::cadence::{Cadence, TimeOfDay};
use crate::domain::timezone::Timezone;

type Given = TestFramework<Schedule>;

const TENANT: Uuid = Uuid::from_u128(7);
const SCHEDULE: Uuid = Uuid::from_u128(8);

pub(super) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn daily(time: &str) -> Cadence {
    Cadence::Daily {
        times: vec![TimeOfDay::parse(time).unwrap()],
    }
}

fn berlin() -> Timezone {
    "Europe/Berlin".parse().unwrap()
}

fn spec(enabled: bool) -> ScheduleSpec {
    ScheduleSpec {
        name: ScheduleName::parse("Nightly").unwrap(),
        enabled,
        cadence: daily("02:30"),
        timezone: berlin(),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
        include_foundations: true,
        retention_keep_last: RetentionKeepLast::new(7).unwrap(),
    }
}

pub(super) fn created(enabled: bool, next_run_at: Option<DateTime<Utc>>) -> ScheduleEvent {
    let spec = spec(enabled);
    ScheduleEvent::ScheduleCreated {
        schedule_id: SCHEDULE,
        tenant_id: TENANT,
        name: spec.name,
        enabled,
        cadence: spec.cadence,
        timezone: spec.timezone,
        policy_types: spec.policy_types,
        include_foundations: true,
        retention_keep_last: spec.retention_keep_last,
        next_run_at,
    }
}

fn create(enabled: bool) -> ScheduleCommand {
    ScheduleCommand::Create(CreateSchedule {
        schedule_id: SCHEDULE,
        tenant_id: TENANT,
        spec: spec(enabled),
        now: at("2026-06-01T12:00:00Z"),
    })
}

#[test]
fn creating_an_enabled_schedule_records_its_first_slot() {
    Given::with(())
        .given_no_previous_events()
        .when(create(true))
        .then_expect_events(vec![created(true, Some(at("2026-06-02T00:30:00Z")))]);
}

#[test]
fn creating_a_disabled_schedule_records_no_slot() {
    Given::with(())
        .given_no_previous_events()
        .when(create(false))
        .then_expect_events(vec![created(false, None)]);
}

#[test]
fn creating_an_existing_schedule_is_refused() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(create(true))
        .then_expect_error(ScheduleError::AlreadyExists);
}

#[test]
fn changing_the_cadence_recomputes_the_next_slot_from_now() {
    Given::with(())
        .given(vec![created(true, Some(at("2026-06-02T00:30:00Z")))])
        .when(ScheduleCommand::Update {
            tenant_id: TENANT,
            changes: ScheduleChanges {
                cadence: Some(daily("23:00")),
                ..ScheduleChanges::default()
            },
            now: at("2026-06-01T12:00:00Z"),
        })
        .then_expect_events(vec![ScheduleEvent::ScheduleUpdated {
            name: None,
            cadence: Some(daily("23:00")),
            timezone: None,
            policy_types: None,
            include_foundations: None,
            retention_keep_last: None,
            next_run_at: Some(at("2026-06-01T21:00:00Z")),
        }]);
}

#[test]
fn changing_only_the_name_keeps_the_next_slot() {
    let next = Some(at("2026-06-02T00:30:00Z"));
    Given::with(())
        .given(vec![created(true, next)])
        .when(ScheduleCommand::Update {
            tenant_id: TENANT,
            changes: ScheduleChanges {
                name: Some(ScheduleName::parse("Weekly full").unwrap()),
                ..ScheduleChanges::default()
            },
            now: at("2026-06-01T12:00:00Z"),
        })
        .then_expect_events(vec![ScheduleEvent::ScheduleUpdated {
            name: Some(ScheduleName::parse("Weekly full").unwrap()),
            cadence: None,
            timezone: None,
            policy_types: None,
            include_foundations: None,
            retention_keep_last: None,
            next_run_at: next,
        }]);
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(ScheduleCommand::Update {
            tenant_id: TENANT,
            changes: ScheduleChanges {
                name: Some(ScheduleName::parse("Nightly").unwrap()),
                cadence: Some(daily("02:30")),
                timezone: Some(berlin()),
                ..ScheduleChanges::default()
            },
            now: at("2026-06-01T12:00:00Z"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn enabling_computes_the_next_slot_from_now_without_catch_up() {
    Given::with(())
        .given(vec![created(false, None)])
        .when(ScheduleCommand::Enable {
            tenant_id: TENANT,
            now: at("2026-07-10T08:00:00Z"),
        })
        .then_expect_events(vec![ScheduleEvent::ScheduleEnabled {
            next_run_at: Some(at("2026-07-11T00:30:00Z")),
        }]);
}

#[test]
fn enabling_an_enabled_schedule_records_nothing() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(ScheduleCommand::Enable {
            tenant_id: TENANT,
            now: at("2026-07-10T08:00:00Z"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn disabling_is_recorded_once() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(ScheduleCommand::Disable { tenant_id: TENANT })
        .then_expect_events(vec![ScheduleEvent::ScheduleDisabled]);
    Given::with(())
        .given(vec![created(false, None)])
        .when(ScheduleCommand::Disable { tenant_id: TENANT })
        .then_expect_events(vec![]);
}

#[test]
fn deleting_is_recorded_and_then_every_command_is_refused() {
    Given::with(())
        .given(vec![created(true, None)])
        .when(ScheduleCommand::Delete { tenant_id: TENANT })
        .then_expect_events(vec![ScheduleEvent::ScheduleDeleted]);
    let now = at("2026-07-10T08:00:00Z");
    for command in [
        ScheduleCommand::Delete { tenant_id: TENANT },
        ScheduleCommand::Disable { tenant_id: TENANT },
        ScheduleCommand::Enable {
            tenant_id: TENANT,
            now,
        },
        ScheduleCommand::Update {
            tenant_id: TENANT,
            changes: ScheduleChanges::default(),
            now,
        },
    ] {
        Given::with(())
            .given(vec![created(true, None), ScheduleEvent::ScheduleDeleted])
            .when(command)
            .then_expect_error(ScheduleError::Deleted);
    }
}

#[test]
fn commands_for_an_unknown_schedule_or_another_tenant_are_not_found() {
    let other_tenant = Uuid::from_u128(99);
    let now = at("2026-07-10T08:00:00Z");
    for (given, tenant_id) in [(vec![], TENANT), (vec![created(true, None)], other_tenant)] {
        for command in [
            ScheduleCommand::Delete { tenant_id },
            ScheduleCommand::Disable { tenant_id },
            ScheduleCommand::Enable { tenant_id, now },
            ScheduleCommand::Update {
                tenant_id,
                changes: ScheduleChanges::default(),
                now,
            },
        ] {
            Given::with(())
                .given(given.clone())
                .when(command)
                .then_expect_error(ScheduleError::NotFound);
        }
    }
}

#[test]
fn values_are_validated_on_the_way_in() {
    assert_eq!(ScheduleName::parse(""), Err(InvalidScheduleName::Empty));
    assert_eq!(
        ScheduleName::parse(&"n".repeat(101)),
        Err(InvalidScheduleName::TooLong)
    );
    assert_eq!(
        ScheduleName::parse("a\nb"),
        Err(InvalidScheduleName::ControlCharacters)
    );
    assert_eq!(RetentionKeepLast::new(0), Err(InvalidRetention(0)));
    assert_eq!(RetentionKeepLast::new(366), Err(InvalidRetention(366)));
    assert!(RetentionKeepLast::new(365).is_ok());
    assert_eq!(
        PolicyTypeSelection::parse(vec![]),
        Err(InvalidPolicyTypes::Empty)
    );
    assert_eq!(
        PolicyTypeSelection::parse(vec!["nope".into()]),
        Err(InvalidPolicyTypes::Unknown("nope".into()))
    );
    assert_eq!(
        PolicyTypeSelection::parse(vec!["settingsCatalog".into(), "settingsCatalog".into()]),
        Err(InvalidPolicyTypes::Duplicate("settingsCatalog".into()))
    );
}

#[test]
fn an_update_can_change_timing_and_enable_in_one_commit() {
    Given::with(())
        .given(vec![created(false, None)])
        .when(ScheduleCommand::Update {
            tenant_id: TENANT,
            changes: ScheduleChanges {
                cadence: Some(daily("23:00")),
                enabled: Some(true),
                ..ScheduleChanges::default()
            },
            now: at("2026-06-01T12:00:00Z"),
        })
        .then_expect_events(vec![
            ScheduleEvent::ScheduleUpdated {
                name: None,
                cadence: Some(daily("23:00")),
                timezone: None,
                policy_types: None,
                include_foundations: None,
                retention_keep_last: None,
                next_run_at: None,
            },
            ScheduleEvent::ScheduleEnabled {
                next_run_at: Some(at("2026-06-01T21:00:00Z")),
            },
        ]);
}
