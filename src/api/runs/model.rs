//! Run response bodies and row mapping.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::Row;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b", "schedule_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
    "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f", "trigger": "scheduled",
    "scheduled_for": "2026-11-27T01:30:00Z", "status": "queued", "error_code": null,
    "error_message": null, "retry_of": null, "sync_report": null, "backup_set_id": null,
    "backup_set": null, "worker": null,
    "queued_at": "2026-11-27T01:30:00Z", "started_at": null, "finished_at": null,
    "duration_ms": null
}))]
pub struct RunResponse {
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub tenant_id: Uuid,
    /// `scheduled`, `manual` or `retry`.
    pub trigger: String,
    /// The cadence slot (for manual runs and retries: when they were asked for).
    pub scheduled_for: DateTime<Utc>,
    /// `queued`, `running`, `success`, `partial` or `failed`.
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The run this one retries.
    pub retry_of: Option<Uuid>,
    /// Per policy type: fetched, created, updated, unchanged, deleted_upstream, error_code;
    /// for a type that failed, Graph's `request_id`, the `client_request_id` sent and the
    /// `date` of the failed answer; `warnings` (e.g. a secret setting not captured).
    #[schema(value_type = Option<Object>)]
    pub sync_report: Option<serde_json::Value>,
    pub backup_set_id: Option<Uuid>,
    /// The set the run made, when it made one.
    pub backup_set: Option<RunBackupSet>,
    /// The worker running it (while running).
    pub worker: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// From start to finish.
    pub duration_ms: Option<i64>,
}

/// The backup set a run made.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"name": "Nightly - 2026-11-27 02:30", "status": "completed",
    "item_count": 412, "foundation_count": 17}))]
pub struct RunBackupSet {
    pub name: String,
    /// `completed` or `partial` (a selected type could not be read).
    pub status: String,
    pub item_count: i32,
    pub foundation_count: i32,
}

pub const RUN_COLUMNS: &str = "id, schedule_id, tenant_id, trigger, scheduled_for, status, \
     error_code, error_message, retry_of, sync_report, backup_set_id, queued_at, started_at, \
     finished_at, worker, backup_set_name, backup_set_status, backup_set_item_count, \
     backup_set_foundation_count";

impl RunResponse {
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get(0),
            schedule_id: row.get(1),
            tenant_id: row.get(2),
            trigger: row.get(3),
            scheduled_for: row.get(4),
            status: row.get(5),
            error_code: row.get(6),
            error_message: row.get(7),
            retry_of: row.get(8),
            sync_report: row.get(9),
            backup_set_id: row.get(10),
            queued_at: row.get(11),
            started_at: row.get(12),
            finished_at: row.get(13),
            worker: row.get(14),
            backup_set: row.get::<_, Option<String>>(15).map(|name| RunBackupSet {
                name,
                status: row.get::<_, Option<String>>(16).unwrap_or_default(),
                item_count: row.get::<_, Option<i32>>(17).unwrap_or_default(),
                foundation_count: row.get::<_, Option<i32>>(18).unwrap_or_default(),
            }),
            duration_ms: match (
                row.get::<_, Option<DateTime<Utc>>>(12),
                row.get::<_, Option<DateTime<Utc>>>(13),
            ) {
                (Some(started), Some(finished)) => Some((finished - started).num_milliseconds()),
                _ => None,
            },
        }
    }
}
