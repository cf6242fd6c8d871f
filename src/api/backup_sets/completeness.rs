//! What a set's run says about how completely each type was captured: the set detail shows
//! it, so a `partial` set says which objects lack what (the set itself holds the items as
//! they were read).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::api::runs::model::IncompleteItemResponse;
use crate::api::state::AppState;
use crate::domain::run::TypeSyncReport;

/// One type of a set: how many objects Graph listed, how many were captured whole, which
/// were not and why, or why the type could not be read at all.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"listed": 12, "whole": 11, "error_code": null, "incomplete": [
    {"graph_id": "5c1e2b3a-9d8c-4b7a-8e6f-1a2b3c4d5e6f", "display_name": "Windows baseline",
     "reason": "settingCount is 153 but 150 settings were read"}]}))]
pub struct TypeCompleteness {
    /// Absent for sets made before completeness was reported, and for a type that failed.
    pub listed: Option<u32>,
    pub whole: Option<u32>,
    /// The type could not be read (its items are not in the set).
    pub error_code: Option<String>,
    pub incomplete: Vec<IncompleteItemResponse>,
}

impl From<TypeSyncReport> for TypeCompleteness {
    fn from(report: TypeSyncReport) -> Self {
        Self {
            listed: report.listed,
            whole: report.whole,
            error_code: report.error_code,
            incomplete: report
                .incomplete
                .into_iter()
                .map(|item| IncompleteItemResponse {
                    graph_id: item.graph_id,
                    display_name: item.display_name,
                    reason: item.reason,
                })
                .collect(),
        }
    }
}

/// The completeness per type recorded by run `run_id` (empty when the run's report is not
/// projected, or unreadable).
pub async fn of_run(
    state: &AppState,
    run_id: Uuid,
) -> Result<BTreeMap<String, TypeCompleteness>, ApiError> {
    let report: Option<serde_json::Value> = state
        .pool
        .get()
        .await?
        .query_opt(
            "SELECT sync_report FROM backup_runs WHERE id = $1",
            &[&run_id],
        )
        .await?
        .and_then(|row| row.get(0));
    let report: BTreeMap<String, TypeSyncReport> = report
        .and_then(|report| serde_json::from_value(report).ok())
        .unwrap_or_default();
    Ok(report
        .into_iter()
        .map(|(key, type_report)| (key, type_report.into()))
        .collect())
}
