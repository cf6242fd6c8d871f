//! Read models built from the global feed by checkpointed consumers.

mod consumer;
mod fold;
mod policies;
mod projector;
mod row_batch;
#[cfg(test)]
mod row_batch_tests;
#[cfg(test)]
mod row_tests;
mod run_row;
mod runs;
mod schedule_row;
mod schedules;
mod tenant_row;
mod tenants;
mod tokens;
mod webhooks;

pub use consumer::{payload, Consumer, ConsumerError, EventHandler, Reaction};
pub use fold::FoldedRow;
pub use projector::{ReadModels, READ_MODELS};
pub use run_row::{run_change, RunChange, RunRow, RunUpdate, RUN_ROW_COLUMNS};
pub use schedule_row::{
    schedule_change, ScheduleChange, ScheduleRow, ScheduleUpdate, SCHEDULE_ROW_COLUMNS,
};
pub use tenant_row::{tenant_change, TenantChange, TenantRow, TenantUpdate, TENANT_ROW_COLUMNS};
