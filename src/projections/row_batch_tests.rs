//! A batch's changes folded per row (`row_batch.rs`) leave the table as applying the
//! events one by one does, however the log is cut into batches.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::row_batch::{RowChanges, RowUpdate};
use super::{run_change, schedule_change, RunChange, RunRow, ScheduleChange, ScheduleRow};
use crate::domain::cadence::{Cadence, TimeOfDay};
use crate::domain::run::{
    BackupSetStatus, BackupSummary, RunEvent, RunStatus, RunTrigger, SyncReport, TypeSyncReport,
};
use crate::domain::schedule::{
    PolicyTypeSelection, RetentionKeepLast, RetentionReason, ScheduleEvent, ScheduleName,
    SkipReason,
};
use crate::store::StoredEvent;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// The log: each `(aggregate, payload)` in order, with per-aggregate sequences and a
/// minute between events.
fn log(entries: &[(Uuid, Value)]) -> Vec<StoredEvent> {
    let mut sequences: BTreeMap<Uuid, i64> = BTreeMap::new();
    entries
        .iter()
        .zip(1..)
        .map(|((id, payload), position)| {
            let sequence = sequences.entry(*id).or_default();
            *sequence += 1;
            let occurred = at("2026-06-01T12:00:00Z") + Duration::minutes(position);
            StoredEvent {
                position,
                transaction_id: 0,
                event_id: Uuid::now_v7(),
                aggregate_type: "test".to_owned(),
                aggregate_id: id.to_string(),
                sequence: *sequence,
                event_type: payload["type"].as_str().unwrap().to_owned(),
                event_version: "1".to_owned(),
                tenant_id: None,
                payload: payload.clone(),
                metadata: json!({"timestamp": occurred.to_rfc3339()}),
                recorded_at: occurred,
            }
        })
        .collect()
}

/// A table as the projector leaves it: rows by id.
type Table<R> = BTreeMap<Uuid, R>;

/// Event by event, each change as the projector's statements apply it.
fn one_by_one<R, C>(
    events: &[StoredEvent],
    change: impl Fn(&StoredEvent, Uuid) -> C,
    apply: impl Fn(C, &mut Option<R>),
) -> Table<R> {
    let mut table = Table::new();
    for event in events {
        let id: Uuid = event.aggregate_id.parse().unwrap();
        let mut row = table.remove(&id);
        apply(change(event, id), &mut row);
        table.extend(row.map(|row| (id, row)));
    }
    table
}

/// In batches of `size`: each batch folded, its updates written, then its inserts.
fn in_batches<R, U: RowUpdate<Row = R>>(
    events: &[StoredEvent],
    size: usize,
    fold: impl Fn(&mut RowChanges<R, U>, &StoredEvent, Uuid),
    id_of: impl Fn(&R) -> Uuid,
) -> Table<R> {
    let mut table = Table::new();
    for batch in events.chunks(size) {
        let mut changes = RowChanges::default();
        for event in batch {
            fold(&mut changes, event, event.aggregate_id.parse().unwrap());
        }
        let (updates, inserts) = changes.into_writes();
        for (id, update) in updates {
            if let Some(row) = table.get_mut(&id) {
                update.apply_to(row);
            }
        }
        for row in inserts {
            assert!(table.insert(id_of(&row), row).is_none(), "created twice");
        }
    }
    table
}

fn value(event: impl serde::Serialize) -> Value {
    serde_json::to_value(event).unwrap()
}

fn schedule_log() -> Vec<StoredEvent> {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let created = |name: &str| ScheduleEvent::ScheduleCreated {
        schedule_id: Uuid::nil(),
        tenant_id: Uuid::nil(),
        name: ScheduleName::parse(name).unwrap(),
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
    let updated = ScheduleEvent::ScheduleUpdated {
        name: Some(ScheduleName::parse("Renamed").unwrap()),
        cadence: None,
        timezone: Some("Asia/Kathmandu".parse().unwrap()),
        policy_types: Some(
            PolicyTypeSelection::parse(vec![
                "settingsCatalog".into(),
                "deviceConfigurations".into(),
            ])
            .unwrap(),
        ),
        include_foundations: Some(true),
        retention_keep_last: None,
        next_run_at: Some(at("2026-06-01T20:45:00Z")),
    };
    let claimed = ScheduleEvent::SlotClaimed {
        run_id: Uuid::now_v7(),
        scheduled_for: at("2026-06-02T00:30:00Z"),
        trigger: RunTrigger::Scheduled,
        retry_of: None,
        next_run_at: Some(at("2026-06-03T00:30:00Z")),
    };
    let recorded = |status| ScheduleEvent::RunRecorded {
        run_id: Uuid::now_v7(),
        status,
        finished_at: at("2026-06-02T01:00:00Z"),
    };
    log(&[
        (a, value(created("A"))),
        (b, value(created("B"))),
        (a, value(&updated)),
        (a, value(ScheduleEvent::ScheduleDisabled)),
        (b, value(&claimed)),
        (
            a,
            value(ScheduleEvent::ScheduleEnabled {
                next_run_at: Some(at("2026-06-02T00:30:00Z")),
            }),
        ),
        (b, value(recorded(RunStatus::Failed))),
        (
            b,
            value(ScheduleEvent::ScheduleAutoDisabled {
                consecutive_failures: 5,
                last_run_id: Uuid::nil(),
            }),
        ),
        (
            a,
            value(ScheduleEvent::SlotSkipped {
                scheduled_for: at("2026-06-02T00:30:00Z"),
                reason: SkipReason::Missed,
                next_run_at: Some(at("2026-06-03T00:30:00Z")),
            }),
        ),
        (
            a,
            value(ScheduleEvent::NextRunRecomputed { next_run_at: None }),
        ),
        (
            b,
            value(ScheduleEvent::RetentionApplied {
                kept: 7,
                deleted_backup_set_ids: vec![Uuid::nil()],
                reason: RetentionReason::RunRecorded,
            }),
        ),
        (a, value(recorded(RunStatus::Success))),
        (
            b,
            value(ScheduleEvent::ScheduleEnabled {
                next_run_at: Some(at("2026-06-04T00:30:00Z")),
            }),
        ),
        (a, value(ScheduleEvent::ScheduleDeleted)),
        (b, value(&updated)),
    ])
}

fn run_log() -> Vec<StoredEvent> {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let queued = RunEvent::RunQueued {
        run_id: Uuid::nil(),
        schedule_id: Uuid::now_v7(),
        tenant_id: Uuid::now_v7(),
        trigger: RunTrigger::Scheduled,
        scheduled_for: at("2026-06-02T00:30:00Z"),
        retry_of: None,
    };
    let started = |worker: &str| RunEvent::RunStarted {
        worker: worker.to_owned(),
        started_at: at("2026-06-02T00:31:00Z"),
    };
    let abandoned = |requeued| RunEvent::RunAbandoned {
        worker: "w1".to_owned(),
        reason: "lease expired".to_owned(),
        requeued,
        abandoned_at: at("2026-06-02T00:40:00Z"),
    };
    let report: SyncReport = [("settingsCatalog".to_owned(), TypeSyncReport::default())].into();
    let backup = BackupSummary {
        backup_set_id: Uuid::now_v7(),
        name: "Nightly".to_owned(),
        status: BackupSetStatus::Completed,
        item_count: 1,
        foundation_count: 0,
        counts: BTreeMap::new(),
        tree_hash: String::new(),
    };
    log(&[
        (a, value(&queued)),
        (a, value(started("w1"))),
        (b, value(&queued)),
        (a, value(RunEvent::SyncCompleted { report })),
        (b, value(started("w1"))),
        (b, value(abandoned(true))),
        (a, value(RunEvent::BackupCreated { backup })),
        (b, value(started("w2"))),
        (b, value(abandoned(false))),
        (
            a,
            value(RunEvent::RunFinished {
                status: RunStatus::Success,
                error_code: None,
                error_message: None,
                finished_at: at("2026-06-02T00:50:00Z"),
            }),
        ),
        (
            b,
            value(RunEvent::RunFinished {
                status: RunStatus::Failed,
                error_code: Some("graph_unavailable".to_owned()),
                error_message: Some("Graph did not answer".to_owned()),
                finished_at: at("2026-06-02T00:55:00Z"),
            }),
        ),
    ])
}

#[test]
fn schedule_rows_folded_in_batches_of_any_size_are_the_rows_applied_one_by_one() {
    let events = schedule_log();
    let expected = one_by_one(
        &events,
        |event, id| schedule_change(event, id).unwrap(),
        ScheduleChange::apply_to,
    );
    assert_eq!(expected.len(), 2);
    for size in 1..=events.len() {
        let batched = in_batches(
            &events,
            size,
            |changes, event, id| match schedule_change(event, id).unwrap() {
                ScheduleChange::Insert(row) => changes.insert(id, row),
                ScheduleChange::Update(update) => changes.update(id, update),
            },
            |row: &ScheduleRow| row.id,
        );
        assert_eq!(batched, expected, "batches of {size}");
    }
}

#[test]
fn run_rows_folded_in_batches_of_any_size_are_the_rows_applied_one_by_one() {
    let events = run_log();
    let expected = one_by_one(
        &events,
        |event, id| run_change(event, id).unwrap(),
        RunChange::apply_to,
    );
    let failed = expected
        .values()
        .find(|row| row.status == "failed")
        .unwrap();
    assert_eq!(
        (failed.worker.as_deref(), failed.error_code.as_deref()),
        (None, Some("graph_unavailable")),
        "abandoned: no worker; finished: its error"
    );
    for size in 1..=events.len() {
        let batched = in_batches(
            &events,
            size,
            |changes, event, id| match run_change(event, id).unwrap() {
                RunChange::Insert(row) => changes.insert(id, row),
                RunChange::Update(update) => changes.update(id, update),
            },
            |row: &RunRow| row.id,
        );
        assert_eq!(batched, expected, "batches of {size}");
    }
}

#[test]
fn updates_of_a_row_the_batch_has_not_created_yet_are_written_before_its_creation() {
    let events = run_log();
    let id: Uuid = events[1].aggregate_id.parse().unwrap();
    let mut changes = RowChanges::default();
    // RunStarted before RunQueued: applied event by event, the update finds no row
    for event in [&events[1], &events[0]] {
        match run_change(event, id).unwrap() {
            RunChange::Insert(row) => changes.insert(id, row),
            RunChange::Update(update) => changes.update(id, update),
        }
    }
    let (updates, inserts) = changes.into_writes();
    assert_eq!(
        updates.len(),
        1,
        "the update, for a row that may already exist"
    );
    assert_eq!(inserts.len(), 1);
    assert_eq!(
        inserts[0].status, "queued",
        "the creation, not updated by the earlier event"
    );
}
