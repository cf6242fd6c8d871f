//! The `backup_schedules` row as a value, and what each schedule event does to it. The
//! decision is made once, here, as a pure function of the event: the projector writes it to
//! the table (`schedules.rs`), a replay (`?as_of=`) applies it to a row in memory, so a
//! replayed schedule shows exactly what the read model showed at that version.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Row;
use uuid::Uuid;

use super::consumer::{payload, unreadable, ConsumerError};
use super::row_batch::RowUpdate;
use crate::domain::cadence::Cadence;
use crate::domain::schedule::ScheduleEvent;
use crate::store::StoredEvent;

/// The table's columns in [`ScheduleRow`]'s order (`ScheduleRow::from_sql` reads them).
pub const SCHEDULE_ROW_COLUMNS: &str = "id, tenant_id, name, enabled, cadence, timezone, \
     policy_types, include_foundations, retention_keep_last, next_run_at, last_run_at, \
     last_run_status, version, created_at, updated_at, deleted_at, disabled_reason";

/// One row of `backup_schedules`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub cadence: Value,
    pub timezone: String,
    pub policy_types: Vec<String>,
    pub include_foundations: bool,
    pub retention_keep_last: i32,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_run_status: Option<String>,
    /// The aggregate version of the last event applied.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Why the system disabled it (`consecutive_failures`); cleared by enable and disable.
    pub disabled_reason: Option<String>,
}

impl ScheduleRow {
    /// Reads a row selected as [`SCHEDULE_ROW_COLUMNS`].
    pub fn from_sql(row: &Row) -> Self {
        Self {
            id: row.get(0),
            tenant_id: row.get(1),
            name: row.get(2),
            enabled: row.get(3),
            cadence: row.get(4),
            timezone: row.get(5),
            policy_types: row.get(6),
            include_foundations: row.get(7),
            retention_keep_last: row.get(8),
            next_run_at: row.get(9),
            last_run_at: row.get(10),
            last_run_status: row.get(11),
            version: row.get(12),
            created_at: row.get(13),
            updated_at: row.get(14),
            deleted_at: row.get(15),
            disabled_reason: row.get(16),
        }
    }
}

/// What one schedule event does to its row.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleChange {
    /// The schedule was created: its first row.
    Insert(ScheduleRow),
    Update(ScheduleUpdate),
}

/// The columns one event sets; `None` leaves a column as it was. The version and update
/// time move with every event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleUpdate {
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub cadence: Option<Value>,
    pub timezone: Option<String>,
    pub policy_types: Option<Vec<String>>,
    pub include_foundations: Option<bool>,
    pub retention_keep_last: Option<i32>,
    /// `Some(None)` clears it.
    pub next_run_at: Option<Option<DateTime<Utc>>>,
    /// When the newest recorded run finished, and its status.
    pub last_run: Option<(DateTime<Utc>, String)>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// `Some(None)` clears it.
    pub disabled_reason: Option<Option<String>>,
}

/// The change `event` (of schedule `id`) makes to the read model. Rows are stamped with the
/// event's own time (`occurred_at`), so a rebuild or a replay reproduces them exactly.
pub fn schedule_change(event: &StoredEvent, id: Uuid) -> Result<ScheduleChange, ConsumerError> {
    let at = event.occurred_at();
    let update = ScheduleUpdate {
        version: event.sequence,
        updated_at: at,
        ..ScheduleUpdate::default()
    };
    let json =
        |cadence: &Cadence| serde_json::to_value(cadence).map_err(|error| unreadable(event, error));
    Ok(match payload::<ScheduleEvent>(event)? {
        ScheduleEvent::ScheduleCreated {
            tenant_id,
            name,
            enabled,
            cadence,
            timezone,
            policy_types,
            include_foundations,
            retention_keep_last,
            next_run_at,
            ..
        } => ScheduleChange::Insert(ScheduleRow {
            id,
            tenant_id,
            name: name.as_str().to_owned(),
            enabled,
            cadence: json(&cadence)?,
            timezone: timezone.name().to_owned(),
            policy_types: policy_types.keys().to_vec(),
            include_foundations,
            retention_keep_last: i32::from(retention_keep_last.get()),
            next_run_at,
            last_run_at: None,
            last_run_status: None,
            version: event.sequence,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            disabled_reason: None,
        }),
        ScheduleEvent::ScheduleUpdated {
            name,
            cadence,
            timezone,
            policy_types,
            include_foundations,
            retention_keep_last,
            next_run_at,
        } => ScheduleChange::Update(ScheduleUpdate {
            name: name.map(|name| name.as_str().to_owned()),
            cadence: cadence.as_ref().map(json).transpose()?,
            timezone: timezone.map(|timezone| timezone.name().to_owned()),
            policy_types: policy_types.map(|selection| selection.keys().to_vec()),
            include_foundations,
            retention_keep_last: retention_keep_last.map(|keep| i32::from(keep.get())),
            next_run_at: Some(next_run_at),
            ..update
        }),
        ScheduleEvent::ScheduleEnabled { next_run_at } => ScheduleChange::Update(ScheduleUpdate {
            enabled: Some(true),
            next_run_at: Some(next_run_at),
            disabled_reason: Some(None),
            ..update
        }),
        ScheduleEvent::ScheduleDisabled => ScheduleChange::Update(ScheduleUpdate {
            enabled: Some(false),
            next_run_at: Some(None),
            disabled_reason: Some(None),
            ..update
        }),
        // disabled like ScheduleDisabled, and says why
        ScheduleEvent::ScheduleAutoDisabled { .. } => ScheduleChange::Update(ScheduleUpdate {
            enabled: Some(false),
            next_run_at: Some(None),
            disabled_reason: Some(Some("consecutive_failures".to_owned())),
            ..update
        }),
        ScheduleEvent::SlotClaimed { next_run_at, .. }
        | ScheduleEvent::SlotSkipped { next_run_at, .. }
        | ScheduleEvent::NextRunRecomputed { next_run_at } => {
            ScheduleChange::Update(ScheduleUpdate {
                next_run_at: Some(next_run_at),
                ..update
            })
        }
        ScheduleEvent::RunRecorded {
            status,
            finished_at,
            ..
        } => ScheduleChange::Update(ScheduleUpdate {
            last_run: Some((finished_at, status.as_str().to_owned())),
            ..update
        }),
        // the sets' deleted_at was written with the event; the schedule only moves on a version
        ScheduleEvent::RetentionApplied { .. } => ScheduleChange::Update(update),
        ScheduleEvent::ScheduleDeleted => ScheduleChange::Update(ScheduleUpdate {
            enabled: Some(false),
            next_run_at: Some(None),
            deleted_at: Some(at),
            ..update
        }),
    })
}

impl ScheduleChange {
    /// The change applied to a row in memory (`None` before the schedule exists), as the
    /// projector's statements apply it to the table: an update of a missing row does nothing.
    pub fn apply_to(self, row: &mut Option<ScheduleRow>) {
        match self {
            Self::Insert(created) => *row = Some(created),
            Self::Update(update) => {
                if let Some(row) = row {
                    update.apply_to(row);
                }
            }
        }
    }
}

impl ScheduleUpdate {
    fn apply_to(self, row: &mut ScheduleRow) {
        replace(&mut row.name, self.name);
        replace(&mut row.enabled, self.enabled);
        replace(&mut row.cadence, self.cadence);
        replace(&mut row.timezone, self.timezone);
        replace(&mut row.policy_types, self.policy_types);
        replace(&mut row.include_foundations, self.include_foundations);
        replace(&mut row.retention_keep_last, self.retention_keep_last);
        replace(&mut row.next_run_at, self.next_run_at);
        replace(&mut row.disabled_reason, self.disabled_reason);
        if let Some((finished_at, status)) = self.last_run {
            row.last_run_at = Some(finished_at);
            row.last_run_status = Some(status);
        }
        if self.deleted_at.is_some() {
            row.deleted_at = self.deleted_at;
        }
        row.version = self.version;
        row.updated_at = self.updated_at;
    }
}

impl RowUpdate for ScheduleUpdate {
    type Row = ScheduleRow;

    fn apply_to(self, row: &mut ScheduleRow) {
        ScheduleUpdate::apply_to(self, row);
    }

    /// What `later` sets wins, the rest of this one stays (`replace` is the same rule).
    fn then(self, later: Self) -> Self {
        Self {
            version: later.version,
            updated_at: later.updated_at,
            name: later.name.or(self.name),
            enabled: later.enabled.or(self.enabled),
            cadence: later.cadence.or(self.cadence),
            timezone: later.timezone.or(self.timezone),
            policy_types: later.policy_types.or(self.policy_types),
            include_foundations: later.include_foundations.or(self.include_foundations),
            retention_keep_last: later.retention_keep_last.or(self.retention_keep_last),
            next_run_at: later.next_run_at.or(self.next_run_at),
            last_run: later.last_run.or(self.last_run),
            deleted_at: later.deleted_at.or(self.deleted_at),
            disabled_reason: later.disabled_reason.or(self.disabled_reason),
        }
    }
}

/// Sets `field` when the update has a value for it (SQL: `coalesce($n, field)`).
pub(super) fn replace<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}
