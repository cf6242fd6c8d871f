//! One aggregate's own events as a resource of its tenant: a schedule's, a run's, a
//! tenant's. All three answer alike (pages by position, admins and auditors of the tenant)
//! through [`history`]. History outlives the resource: a deleted schedule or tenant keeps
//! answering here, since who deleted it, and what it was before, is what auditors ask.

use actix_web::{get, web, HttpResponse};
use cqrs_es::Aggregate;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{feed_place, page, page_bounds, EventPage};
use crate::api::error::ApiError;
use crate::api::extract::{parse_id, ValidQuery};
use crate::api::schedules::schedule_path;
use crate::api::state::AppState;
use crate::api::TAG_EVENTS;
use crate::auth::{Permission, Principal};
use crate::domain::run::Run;
use crate::domain::schedule::Schedule;
use crate::domain::tenant::Tenant;
use crate::store::{read_filtered, stream_tenant, FeedFilter};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only events after this position (the previous page's `next_after`); default 0.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// An aggregate's stream, as the resource `resource` of `tenant_id`.
struct Stream {
    tenant_id: Uuid,
    aggregate_type: &'static str,
    aggregate_id: Uuid,
    resource: &'static str,
}

impl Stream {
    fn of<A: Aggregate>(tenant_id: Uuid, aggregate_id: Uuid, resource: &'static str) -> Self {
        Self {
            tenant_id,
            aggregate_type: A::TYPE,
            aggregate_id,
            resource,
        }
    }
}

/// One page of the stream. A stream of another tenant, or none at all, is a 404; one with
/// nothing after `after` is an empty page.
async fn history(
    state: &AppState,
    principal: &Principal,
    stream: Stream,
    query: ValidQuery<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ReadEvents, Some(stream.tenant_id))?;
    let query = query.into_inner()?;
    let (after, limit) = page_bounds(query.after, query.limit)?;
    let aggregate_id = stream.aggregate_id.to_string();
    let filter = FeedFilter {
        tenant_id: Some(stream.tenant_id),
        aggregate_type: Some(stream.aggregate_type.to_owned()),
        aggregate_id: Some(aggregate_id.clone()),
        ..FeedFilter::default()
    };
    let client = state.pool.get().await?;
    let start = feed_place(&client, after).await?;
    let events = read_filtered(&client, &state.upcasters, &filter, start, limit).await?;
    if events.is_empty()
        && stream_tenant(&client, stream.aggregate_type, &aggregate_id).await?
            != Some(Some(stream.tenant_id))
    {
        return Err(ApiError::NotFound(stream.resource));
    }
    Ok(HttpResponse::Ok().json(page(events, after)))
}

/// A schedule's own events: who changed it, which slots it claimed or skipped, how its runs
/// ended. Still answers after the schedule was deleted.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"), HistoryQuery),
    responses((status = 200, description = "The schedule's events, oldest first", body = EventPage))
)]
#[get("/tenants/{tenant_id}/backup-schedules/{schedule_id}/events")]
pub(super) async fn schedule_events(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    let stream = Stream::of::<Schedule>(tenant_id, schedule_id, "schedule");
    history(&state, &principal, stream, query).await
}

/// A run's own events: queued, started (by which worker), what its sync found, the backup
/// it made, how it finished or was abandoned.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("run_id" = Uuid, Path, description = "The run's id"), HistoryQuery),
    responses((status = 200, description = "The run's events, oldest first", body = EventPage))
)]
#[get("/tenants/{tenant_id}/backup-runs/{run_id}/events")]
pub(super) async fn run_events(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let run_id = parse_id(&path.1, "run_id")?;
    history(
        &state,
        &principal,
        Stream::of::<Run>(tenant_id, run_id, "run"),
        query,
    )
    .await
}

/// The tenant's own events (not its schedules' or runs'): registration, renames, credential
/// changes (which secret, never its value), deactivation, deletion. Still answers after
/// the tenant was deleted.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"), HistoryQuery),
    responses((status = 200, description = "The tenant's events, oldest first", body = EventPage))
)]
#[get("/tenants/{tenant_id}/events")]
pub(super) async fn tenant_events(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    let stream = Stream::of::<Tenant>(tenant_id, tenant_id, "tenant");
    history(&state, &principal, stream, query).await
}
