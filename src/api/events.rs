//! The event history: `/api/v1/events` (the global audit feed, by position) and a
//! schedule's own events. Admins and auditors only; limited to the token's tenants.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError, Problem};
use super::extract::ValidQuery;
use super::schedules::{find_schedule, schedule_path};
use super::state::AppState;
use super::TAG_EVENTS;
use crate::auth::{Permission, Principal};
use crate::store::{read_filtered, FeedFilter, StoredEvent};

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_events).service(schedule_events);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events after this position (the previous page's `next_after`); default 0.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub tenant_id: Option<Uuid>,
    /// `tenant`, `schedule`, `run`, `token` or `policy`.
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub aggregate_type: Option<String>,
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub aggregate_id: Option<String>,
    /// e.g. `SlotClaimed`.
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub event_type: Option<String>,
    /// Recorded at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScheduleEventQuery {
    /// Only events after this position; default 0.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "position": 41, "event_id": "0192f0c5-4e5f-7a6b-9c7d-3e4f5a6b7c8d", "aggregate_type": "schedule",
    "aggregate_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a", "sequence": 3, "event_type": "SlotClaimed",
    "event_version": "1", "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "payload": {"type": "SlotClaimed", "run_id": "0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b",
                "scheduled_for": "2026-11-27T01:30:00Z", "trigger": "scheduled",
                "next_run_at": "2026-11-28T01:30:00Z"},
    "metadata": {"actor": "system:dispatcher", "correlation_id": "tick:2026-11-27T01:30:00Z",
                 "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f", "timestamp": "2026-11-27T01:30:00.000000Z"},
    "recorded_at": "2026-11-27T01:30:00.012345Z"
}))]
pub struct EventResponse {
    /// The global position: strictly increasing in commit order (numbers may skip).
    pub position: i64,
    pub event_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// The aggregate's version after this event.
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub tenant_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// actor (token id or `system:<component>`), actor_name, correlation_id, causation_id,
    /// tenant_id, timestamp.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "position": 41, "event_id": "0192f0c5-4e5f-7a6b-9c7d-3e4f5a6b7c8d", "aggregate_type": "schedule",
    "aggregate_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a", "sequence": 2, "event_type": "ScheduleDisabled",
    "event_version": "1", "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "payload": {"type": "ScheduleDisabled"},
    "metadata": {"actor": "0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c", "actor_name": "ci",
                 "correlation_id": "0192f0c5-0000-7000-8000-000000000001"},
    "recorded_at": "2026-11-26T09:10:00.000001Z"}], "next_after": 41}))]
pub struct EventPage {
    pub items: Vec<EventResponse>,
    /// Pass as `after` for the next page (equals `after` when nothing new was found).
    pub next_after: i64,
}

impl From<StoredEvent> for EventResponse {
    fn from(event: StoredEvent) -> Self {
        Self {
            position: event.position,
            event_id: event.event_id,
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            tenant_id: event.tenant_id,
            payload: event.payload,
            metadata: event.metadata,
            recorded_at: event.recorded_at,
        }
    }
}

fn page_bounds(after: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), ApiError> {
    let after = after.unwrap_or(0);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if after < 0 {
        return Err(ApiError::BadRequest(FieldError::new(
            "after",
            ErrorCode::InvalidQuery,
            "after must be 0 or more",
        )));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(FieldError::new(
            "limit",
            ErrorCode::InvalidQuery,
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )));
    }
    Ok((after, limit))
}

fn page(events: Vec<StoredEvent>, after: i64) -> EventPage {
    let items: Vec<EventResponse> = events.into_iter().map(EventResponse::from).collect();
    let next_after = items.last().map_or(after, |event| event.position);
    EventPage { items, next_after }
}

/// The global event feed, in position order. Events without a tenant (tokens) are shown
/// to tokens that see every tenant.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(EventQuery),
    responses(
        (status = 200, description = "Events after `after`, oldest first", body = EventPage),
        (status = 404, description = "`not_found`: `tenant_id` names a tenant the token cannot see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ReadEvents, None)?;
    let query = query.into_inner()?;
    if let Some(tenant_id) = query.tenant_id {
        principal.authorize(Permission::ReadEvents, Some(tenant_id))?;
    }
    let (after, limit) = page_bounds(query.after, query.limit)?;
    let filter = FeedFilter {
        tenants: principal.visible_tenants(),
        tenant_id: query.tenant_id,
        aggregate_type: query.aggregate_type,
        aggregate_id: query.aggregate_id,
        event_type: query.event_type,
        from: query.from,
        to: query.to,
    };
    let client = state.pool.get().await?;
    let events = read_filtered(&client, &state.upcasters, &filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(page(events, after)))
}

/// A schedule's own events: who changed it, which slots it claimed or skipped, how its runs
/// ended.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"), ScheduleEventQuery),
    responses((status = 200, description = "The schedule's events, oldest first", body = EventPage))
)]
#[get("/tenants/{tenant_id}/backup-schedules/{schedule_id}/events")]
async fn schedule_events(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<ScheduleEventQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::ReadEvents, Some(tenant_id))?;
    let query = query.into_inner()?;
    let (after, limit) = page_bounds(query.after, query.limit)?;
    find_schedule(&state, tenant_id, schedule_id).await?;
    let filter = FeedFilter {
        tenant_id: Some(tenant_id),
        aggregate_type: Some("schedule".to_owned()),
        aggregate_id: Some(schedule_id.to_string()),
        ..FeedFilter::default()
    };
    let client = state.pool.get().await?;
    let events = read_filtered(&client, &state.upcasters, &filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(page(events, after)))
}
