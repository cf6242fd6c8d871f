//! The event history: `/api/v1/events` (the global audit feed, in feed order, filterable),
//! its NDJSON export (`events/export.rs`), and the per-aggregate histories of schedules,
//! runs and tenants (`events/streams.rs`). Admins and auditors only; limited to the token's
//! tenants.

mod export;
mod filters;
mod streams;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError, Problem};
use super::extract::ValidQuery;
use super::state::AppState;
use super::TAG_EVENTS;
use crate::auth::{Permission, Principal};
use deadpool_postgres::GenericClient;

use crate::store::{cursor_at, read_filtered, FeedCursor, StoredEvent};

pub use export::EventLines;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_events)
        .service(export::export_events)
        .service(streams::schedule_events)
        .service(streams::run_events)
        .service(streams::tenant_events);
}

/// The feed's filters, for pages and the export alike. Text filters match exactly.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events after the event at this position, in feed order (the previous page's
    /// `next_after`); default 0, the start.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    // documented as `PageLimit` on the page operation only: the export takes no limit
    #[param(ignore)]
    pub limit: Option<i64>,
    pub tenant_id: Option<Uuid>,
    /// `tenant`, `schedule`, `run`, `token` or `policy`.
    #[param(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub aggregate_type: Option<String>,
    #[param(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub aggregate_id: Option<String>,
    /// e.g. `SlotClaimed`.
    #[param(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub event_type: Option<String>,
    /// Who acted: a token id, `bootstrap-admin`, or `system:<component>` for the service's
    /// own work (e.g. `system:dispatcher`), as in the events' `metadata.actor`.
    #[param(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 200,
        example = "system:dispatcher"
    )]
    pub actor: Option<String>,
    /// What the events were part of: the request id (`X-Request-Id`) of the API call that
    /// wrote them, or a scheduler id such as `tick:2026-11-27T01:30:00Z`, as in the events'
    /// `metadata.correlation_id`.
    #[param(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub correlation_id: Option<String>,
    /// Recorded at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this instant (RFC 3339); at or before `from`, nothing matches.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
    /// Only events up to and including the event at this position, in feed order.
    #[param(minimum = 0)]
    pub to_position: Option<i64>,
}

// Documentation only: `limit` is read with the filters (`EventQuery`), but only pages take it.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct PageLimit {
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
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

/// `after` and `limit` of a page, checked.
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

/// The place in the feed `position` names, for `after` and `to_position`: feed order is not
/// quite position order (`store::FeedCursor`), so a position is turned into the place of
/// its event (or where it would be, for a position no event has).
async fn feed_place(client: &impl GenericClient, position: i64) -> Result<FeedCursor, ApiError> {
    Ok(cursor_at(client, position).await?)
}

fn page(events: Vec<StoredEvent>, after: i64) -> EventPage {
    let items: Vec<EventResponse> = events.into_iter().map(EventResponse::from).collect();
    let next_after = items.last().map_or(after, |event| event.position);
    EventPage { items, next_after }
}

/// The global event feed, in feed order: by the writing transaction, then position (the
/// order in which events became final; positions alone can be out of it by the width of
/// concurrent commits). Events without a tenant (tokens) are shown
/// to tokens that see every tenant. Asked with `Accept: application/x-ndjson` (and no
/// `limit`), it answers as `GET /api/v1/events/export` does: every matching event, streamed.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(EventQuery, PageLimit),
    responses(
        (status = 200, description = "Events after `after`, oldest first", body = EventPage),
        (status = 400, description = "`invalid_query`: a filter is unknown, empty, too long or out of range; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: `tenant_id` names a tenant the token cannot see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    request: HttpRequest,
    query: ValidQuery<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ReadEvents, None)?;
    let query = query.into_inner()?;
    if export::wants_ndjson(&request) {
        return export::stream(state, &principal, query).await;
    }
    let (after, limit) = page_bounds(query.after, query.limit)?;
    let to_position = query.to_position;
    let mut filter = query.into_filter(&principal)?;
    let client = state.pool.get().await?;
    let start = feed_place(&client, after).await?;
    if let Some(to_position) = to_position {
        filter.through = Some(feed_place(&client, to_position).await?);
    }
    let events = read_filtered(&client, &state.upcasters, &filter, start, limit).await?;
    Ok(HttpResponse::Ok().json(page(events, after)))
}
