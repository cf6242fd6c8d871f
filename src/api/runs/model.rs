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
    /// Why the run failed, or (on a `partial` run) why a policy type could not be read or an
    /// object was captured incompletely;
    /// null on success. Stable codes:
    ///
    /// | code | meaning |
    /// |---|---|
    /// | `tenant_inactive` | The tenant is deactivated or deleted; reactivate it to back it up. |
    /// | `credentials_missing` | The tenant has no client secret, or it cannot be opened with the configured key; set it again. |
    /// | `auth_invalid_secret` | Microsoft Entra refused the client secret (AADSTS7000215); set the right one. |
    /// | `auth_secret_expired` | The client secret has expired (AADSTS7000222); create a new one in Entra and set it. |
    /// | `auth_app_not_in_tenant` | The app registration is not in this tenant (AADSTS700016); check the client id. |
    /// | `auth_app_disabled` | The app registration is disabled in the tenant (AADSTS7000112). |
    /// | `tenant_not_found` | The Azure tenant id does not exist (AADSTS90002), or the tenant was deleted. |
    /// | `consent_missing` | The app has no granted application permissions; an administrator must grant consent. |
    /// | `intune_not_provisioned` | The tenant has no Intune service. |
    /// | `intune_license_inactive` | The tenant's Intune licence is not active. |
    /// | `permission_missing` | A Graph permission for one policy type is missing (the report names the scope). |
    /// | `unsupported_query` | Graph refused the query a policy type needs. |
    /// | `throttled` | Graph kept answering 429 after the retries. |
    /// | `graph_unavailable` | Graph kept answering 5xx or timing out after the retries. |
    /// | `incomplete_capture` | Every type was read, but some object lacks something (a child collection Graph did not serve, a count that does not add up); the report's `incomplete` names each. |
    /// | `internal` | Something failed in the service (for example the run's worker stopped); the logs say what. |
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The run this one retries.
    pub retry_of: Option<Uuid>,
    /// Per policy type (catalog key): what was read and how the inventory changed, how
    /// many objects Graph listed, how many were captured whole, which were not and why;
    /// for a type that failed, Graph's `request_id`, the `client_request_id` sent and the
    /// `date` of the failed answer.
    #[schema(value_type = Option<std::collections::BTreeMap<String, TypeSyncReportResponse>>)]
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

/// One type's line in a run's `sync_report`. Completeness adds up: `listed` = `whole` +
/// objects in `incomplete` + `skipped_deleted`; a run with any incomplete object ends
/// `partial` (`incomplete_capture`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "fetched": 12, "created": 1, "updated": 2, "unchanged": 9, "deleted_upstream": 0,
    "skipped_deleted": 0, "error_code": null, "error_message": null,
    "listed": 12, "whole": 11,
    "incomplete": [{"graph_id": "5c1e2b3a-9d8c-4b7a-8e6f-1a2b3c4d5e6f",
        "display_name": "Windows baseline",
        "reason": "`assignments` not read: GET /deviceManagement/configurationPolicies/5c1e2b3a-9d8c-4b7a-8e6f-1a2b3c4d5e6f/assignments answered 404 while the object is there"}]
}))]
pub struct TypeSyncReportResponse {
    /// Objects captured (kept in the inventory).
    pub fetched: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub deleted_upstream: u32,
    /// Listed, then gone before their detail could be read.
    pub skipped_deleted: u32,
    /// Why the type could not be read (`permission_missing`, `throttled`, ...).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// For `permission_missing`: the scope Graph named.
    pub scope: Option<String>,
    /// Graph's request id of the failure.
    pub request_id: Option<String>,
    /// The `client-request-id` the service sent with the failed request.
    pub client_request_id: Option<String>,
    /// When Graph answered the failed request (its `innerError.date` or `Date` header).
    pub date: Option<String>,
    /// Oddities worth a line (absent when there are none).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Objects Graph listed (absent in runs recorded before completeness was reported).
    pub listed: Option<u32>,
    /// Objects captured whole.
    pub whole: Option<u32>,
    /// Objects captured with something missing, and why (absent when there are none).
    #[serde(default)]
    pub incomplete: Vec<IncompleteItemResponse>,
}

/// An object captured incompletely: kept with what could be read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncompleteItemResponse {
    pub graph_id: String,
    pub display_name: String,
    pub reason: String,
}
