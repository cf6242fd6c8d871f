//! The `backup_runs` row as a value, and what each run event does to it: decided once, here,
//! as a pure function of the event, and written by `runs.rs` (like `schedule_row.rs`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Row;
use uuid::Uuid;

use super::consumer::{payload, unreadable, ConsumerError};
use super::row_batch::RowUpdate;
use super::schedule_row::replace;
use crate::domain::run::RunEvent;
use crate::store::StoredEvent;

/// The table's columns in [`RunRow`]'s order (`RunRow::from_sql` reads them).
pub const RUN_ROW_COLUMNS: &str = "id, schedule_id, tenant_id, trigger, scheduled_for, status, \
     retry_of, queued_at, version, worker, started_at, sync_report, backup_set_id, \
     error_code, error_message, finished_at";

/// One row of `backup_runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub tenant_id: Uuid,
    pub trigger: String,
    pub scheduled_for: DateTime<Utc>,
    pub status: String,
    pub retry_of: Option<Uuid>,
    pub queued_at: DateTime<Utc>,
    /// The aggregate version of the last event applied.
    pub version: i64,
    pub worker: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub sync_report: Option<Value>,
    pub backup_set_id: Option<Uuid>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl RunRow {
    /// Reads a row selected as [`RUN_ROW_COLUMNS`].
    pub fn from_sql(row: &Row) -> Self {
        Self {
            id: row.get(0),
            schedule_id: row.get(1),
            tenant_id: row.get(2),
            trigger: row.get(3),
            scheduled_for: row.get(4),
            status: row.get(5),
            retry_of: row.get(6),
            queued_at: row.get(7),
            version: row.get(8),
            worker: row.get(9),
            started_at: row.get(10),
            sync_report: row.get(11),
            backup_set_id: row.get(12),
            error_code: row.get(13),
            error_message: row.get(14),
            finished_at: row.get(15),
        }
    }
}

/// What one run event does to its row.
#[derive(Debug, Clone, PartialEq)]
pub enum RunChange {
    /// The run was queued: its first row.
    Insert(RunRow),
    Update(RunUpdate),
}

/// The columns one event sets; `None` leaves a column as it was. The version moves with
/// every event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunUpdate {
    pub version: i64,
    pub status: Option<String>,
    /// `Some(None)` clears it (the run is no longer held by a worker).
    pub worker: Option<Option<String>>,
    pub started_at: Option<DateTime<Utc>>,
    pub sync_report: Option<Value>,
    pub backup_set_id: Option<Uuid>,
    /// The error code and message, set together (both cleared by a run without an error).
    pub error: Option<(Option<String>, Option<String>)>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The change `event` (of run `id`) makes to the read model; the queue time is the event's
/// own (`occurred_at`), so a rebuild reproduces it.
pub fn run_change(event: &StoredEvent, id: Uuid) -> Result<RunChange, ConsumerError> {
    let update = RunUpdate {
        version: event.sequence,
        ..RunUpdate::default()
    };
    Ok(match payload::<RunEvent>(event)? {
        RunEvent::RunQueued {
            schedule_id,
            tenant_id,
            trigger,
            scheduled_for,
            retry_of,
            ..
        } => RunChange::Insert(RunRow {
            id,
            schedule_id,
            tenant_id,
            trigger: trigger.as_str().to_owned(),
            scheduled_for,
            status: "queued".to_owned(),
            retry_of,
            queued_at: event.occurred_at(),
            version: event.sequence,
            worker: None,
            started_at: None,
            sync_report: None,
            backup_set_id: None,
            error_code: None,
            error_message: None,
            finished_at: None,
        }),
        RunEvent::RunStarted { worker, started_at } => RunChange::Update(RunUpdate {
            status: Some("running".to_owned()),
            worker: Some(Some(worker)),
            started_at: Some(started_at),
            ..update
        }),
        RunEvent::SyncCompleted { report } => RunChange::Update(RunUpdate {
            sync_report: Some(
                serde_json::to_value(&report).map_err(|error| unreadable(event, error))?,
            ),
            ..update
        }),
        RunEvent::BackupCreated { backup } => RunChange::Update(RunUpdate {
            backup_set_id: Some(backup.backup_set_id),
            ..update
        }),
        // requeued: waiting for another worker again; otherwise RunFinished follows
        RunEvent::RunAbandoned { requeued, .. } => RunChange::Update(RunUpdate {
            status: Some(if requeued { "queued" } else { "running" }.to_owned()),
            worker: Some(None),
            ..update
        }),
        RunEvent::RunFinished {
            status,
            error_code,
            error_message,
            finished_at,
        } => RunChange::Update(RunUpdate {
            status: Some(status.as_str().to_owned()),
            error: Some((error_code, error_message)),
            finished_at: Some(finished_at),
            ..update
        }),
    })
}

impl RunChange {
    /// The change applied to a row in memory (`None` before the run was queued), as the
    /// projector's statements apply it to the table: an update of a missing row does nothing.
    pub fn apply_to(self, row: &mut Option<RunRow>) {
        match self {
            Self::Insert(queued) => *row = Some(queued),
            Self::Update(update) => {
                if let Some(row) = row {
                    update.apply_to(row);
                }
            }
        }
    }
}

impl RowUpdate for RunUpdate {
    type Row = RunRow;

    fn apply_to(self, row: &mut RunRow) {
        replace(&mut row.status, self.status);
        replace(&mut row.worker, self.worker);
        if self.started_at.is_some() {
            row.started_at = self.started_at;
        }
        if self.sync_report.is_some() {
            row.sync_report = self.sync_report;
        }
        if self.backup_set_id.is_some() {
            row.backup_set_id = self.backup_set_id;
        }
        if let Some((code, message)) = self.error {
            row.error_code = code;
            row.error_message = message;
        }
        if self.finished_at.is_some() {
            row.finished_at = self.finished_at;
        }
        row.version = self.version;
    }

    /// What `later` sets wins, the rest of this one stays.
    fn then(self, later: Self) -> Self {
        Self {
            version: later.version,
            status: later.status.or(self.status),
            worker: later.worker.or(self.worker),
            started_at: later.started_at.or(self.started_at),
            sync_report: later.sync_report.or(self.sync_report),
            backup_set_id: later.backup_set_id.or(self.backup_set_id),
            error: later.error.or(self.error),
            finished_at: later.finished_at.or(self.finished_at),
        }
    }
}
