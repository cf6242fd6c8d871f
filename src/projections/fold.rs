//! Read-model rows rebuilt in memory from their aggregate's events, for replays
//! (`?as_of=`), with the same change functions the projector writes to the tables.

use uuid::Uuid;

use super::consumer::ConsumerError;
use super::run_row::{run_change, RunRow};
use super::schedule_row::{schedule_change, ScheduleRow};
use super::tenant_row::{tenant_change, TenantRow};
use crate::store::StoredEvent;

pub trait FoldedRow: Sized {
    /// Applies one event of aggregate `id` to the row (`None` before the aggregate exists).
    fn fold(row: &mut Option<Self>, event: &StoredEvent, id: Uuid) -> Result<(), ConsumerError>;
}

impl FoldedRow for ScheduleRow {
    fn fold(row: &mut Option<Self>, event: &StoredEvent, id: Uuid) -> Result<(), ConsumerError> {
        schedule_change(event, id)?.apply_to(row);
        Ok(())
    }
}

impl FoldedRow for TenantRow {
    fn fold(row: &mut Option<Self>, event: &StoredEvent, id: Uuid) -> Result<(), ConsumerError> {
        tenant_change(event, id)?.apply_to(row);
        Ok(())
    }
}

impl FoldedRow for RunRow {
    fn fold(row: &mut Option<Self>, event: &StoredEvent, id: Uuid) -> Result<(), ConsumerError> {
        run_change(event, id)?.apply_to(row);
        Ok(())
    }
}
