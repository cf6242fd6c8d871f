//! `/api/v1/tenants/{tenant_id}/backup-schedules`: when and what to back up.

mod model;
mod upcoming;

pub use model::{
    CadenceDoc, CreateScheduleRequest, DayDoc, ScheduleResponse, UpdateScheduleRequest,
};

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::as_of::{replay, AsOfQuery};
use super::context::RequestContext;
use super::error::{ApiError, Problem};
use super::extract::{parse_id, IfMatch, ValidJson, ValidQuery};
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::tenants::find_tenant;
use super::written::{answer_committed, WriteAccepted};
use super::{etag, TAG_SCHEDULES};
use crate::auth::{Permission, Principal};
use crate::domain::schedule::{CreateSchedule, Schedule, ScheduleCommand};
use model::{validate_create, validate_update, SCHEDULE_COLUMNS};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_schedule)
        .service(list_schedules)
        .service(get_schedule)
        .service(update_schedule)
        .service(delete_schedule)
        .service(enable_schedule)
        .service(disable_schedule)
        .service(upcoming::upcoming_slots);
}

/// Both ids of a schedule path, parsed.
pub fn schedule_path(path: &(String, String)) -> Result<(Uuid, Uuid), ApiError> {
    Ok((
        parse_id(&path.0, "tenant_id")?,
        parse_id(&path.1, "schedule_id")?,
    ))
}

/// The live schedule of that tenant, or 404 (also for another tenant's schedule).
pub async fn find_schedule(
    state: &AppState,
    tenant_id: Uuid,
    schedule_id: Uuid,
) -> Result<ScheduleResponse, ApiError> {
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {SCHEDULE_COLUMNS} FROM backup_schedules
         WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"
    );
    client
        .query_opt(&sql, &[&schedule_id, &tenant_id])
        .await?
        .map(|row| ScheduleResponse::from_row(&row))
        .ok_or(ApiError::NotFound("schedule"))
}

fn schedule_response(status: StatusCode, schedule: ScheduleResponse) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(schedule.version))
        .json(schedule)
}

/// Executes a schedule command as the caller, at `at`. Every schedule write (runs
/// included) goes here; it returns the schedule's version after the command.
pub async fn execute_schedule_command(
    state: &AppState,
    context: &RequestContext,
    (tenant_id, schedule_id): (Uuid, Uuid),
    command: ScheduleCommand,
    at: DateTime<Utc>,
    expected_version: Option<u64>,
) -> Result<u64, ApiError> {
    let metadata = context.metadata(at).for_tenant(tenant_id);
    let committed = state
        .schedules
        .execute(
            &schedule_id.to_string(),
            command,
            &metadata,
            expected_version,
        )
        .await?;
    Ok(committed.version)
}

fn schedule_location(tenant_id: Uuid, schedule_id: Uuid) -> String {
    format!("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}")
}

/// Runs a command on an existing schedule and answers with its new state.
async fn change(
    state: &AppState,
    context: RequestContext,
    ids: (Uuid, Uuid),
    if_match: IfMatch,
    command: ScheduleCommand,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = ids;
    find_schedule(state, tenant_id, schedule_id).await?;
    let at = state.clock.now();
    let version = execute_schedule_command(state, &context, ids, command, at, if_match.0).await?;
    let accepted = WriteAccepted::new(schedule_location(tenant_id, schedule_id), Some(version));
    Ok(answer_committed(
        state,
        find_schedule(state, tenant_id, schedule_id),
        |schedule| schedule_response(StatusCode::OK, schedule),
        accepted,
    )
    .await)
}

/// Create a backup schedule.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id")),
    request_body = CreateScheduleRequest,
    responses(
        (status = 201, description = "Created", body = ScheduleResponse,
         headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The tenant already has a schedule with this name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/backup-schedules")]
async fn create_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    request: ValidJson<CreateScheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::ManageSchedules, Some(tenant_id))?;
    let request = request.into_inner()?;
    let spec = validate_create(request)?;
    find_tenant(&state, tenant_id).await?;
    let schedule_id = Uuid::now_v7();
    let now = state.clock.now();
    let command = ScheduleCommand::Create(CreateSchedule {
        schedule_id,
        tenant_id,
        spec,
        now,
    });
    let version = execute_schedule_command(
        &state,
        &context,
        (tenant_id, schedule_id),
        command,
        now,
        None,
    )
    .await?;
    let location = schedule_location(tenant_id, schedule_id);
    let accepted = WriteAccepted::new(location.clone(), Some(version));
    Ok(answer_committed(
        &state,
        find_schedule(&state, tenant_id, schedule_id),
        |schedule| {
            HttpResponse::Created()
                .insert_header((header::LOCATION, location))
                .insert_header(etag(schedule.version))
                .json(schedule)
        },
        accepted,
    )
    .await)
}

/// List a tenant's backup schedules.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"), PageQuery),
    responses((status = 200, description = "One page of schedules", body = Page<ScheduleResponse>))
)]
#[get("/tenants/{tenant_id}/backup-schedules")]
async fn list_schedules(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let page = query.validate()?;
    find_tenant(&state, tenant_id).await?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {SCHEDULE_COLUMNS} FROM backup_schedules
         WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR id > $2)
         ORDER BY id LIMIT $3"
    );
    let rows = client
        .query(&sql, &[&tenant_id, &page.after, &(page.limit + 1)])
        .await?;
    let schedules = rows.iter().map(ScheduleResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        schedules,
        page,
        |schedule: &ScheduleResponse| schedule.id,
    )))
}

/// Get a backup schedule, now or (`as_of`) as it was at a point of its history.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"), AsOfQuery),
    responses(
        (status = 200, description = "The schedule (with `as_of`: as it was then, saying which version and time it shows)",
         body = ScheduleResponse, headers(("ETag" = String, description = "The version shown"))),
        (status = 404, description = "`not_found`: no such schedule (also of a tenant the token cannot see; without `as_of`, also a deleted one); with `as_of`: `as_of_before_creation`, `as_of_version_not_reached` or `as_of_deleted`",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/backup-schedules/{schedule_id}")]
async fn get_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let schedule = match query.into_inner()?.bound(&principal, tenant_id)? {
        None => find_schedule(&state, tenant_id, schedule_id).await?,
        Some(bound) => ScheduleResponse::replayed(
            replay::<Schedule, _>(&state, tenant_id, schedule_id, bound).await?,
        ),
    };
    Ok(schedule_response(StatusCode::OK, schedule))
}

/// Change any subset of a schedule's writable fields.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    request_body = UpdateScheduleRequest,
    responses(
        (status = 200, description = "The changed schedule", body = ScheduleResponse, headers(("ETag" = String))),
        (status = 409, description = "The tenant already has a schedule with this name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tenants/{tenant_id}/backup-schedules/{schedule_id}")]
async fn update_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    request: ValidJson<UpdateScheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let ids = schedule_path(&path)?;
    principal.authorize(Permission::ManageSchedules, Some(ids.0))?;
    let request = request.into_inner()?;
    let changes = validate_update(request)?;
    let now = state.clock.now();
    let command = ScheduleCommand::Update {
        tenant_id: ids.0,
        changes,
        now,
    };
    change(&state, context, ids, if_match, command).await
}

/// Delete a backup schedule. Its backups stay until retention or an admin removes them.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the deletion is based on")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/tenants/{tenant_id}/backup-schedules/{schedule_id}")]
async fn delete_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::ManageSchedules, Some(tenant_id))?;
    find_schedule(&state, tenant_id, schedule_id).await?;
    let command = ScheduleCommand::Delete { tenant_id };
    let at = state.clock.now();
    execute_schedule_command(
        &state,
        &context,
        (tenant_id, schedule_id),
        command,
        at,
        if_match.0,
    )
    .await?;
    if state.committed_is_visible().await {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(WriteAccepted::new(schedule_location(tenant_id, schedule_id), None).response())
}

/// Enable a schedule; its next slot is computed from now (missed slots are not caught up).
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The enabled schedule", body = ScheduleResponse, headers(("ETag" = String))))
)]
#[post("/tenants/{tenant_id}/backup-schedules/{schedule_id}/enable")]
async fn enable_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let ids = schedule_path(&path)?;
    principal.authorize(Permission::ManageSchedules, Some(ids.0))?;
    let command = ScheduleCommand::Enable {
        tenant_id: ids.0,
        now: state.clock.now(),
    };
    change(&state, context, ids, if_match, command).await
}

/// Disable a schedule; it claims no slots until enabled again.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The disabled schedule", body = ScheduleResponse, headers(("ETag" = String))))
)]
#[post("/tenants/{tenant_id}/backup-schedules/{schedule_id}/disable")]
async fn disable_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let ids = schedule_path(&path)?;
    principal.authorize(Permission::ManageSchedules, Some(ids.0))?;
    let command = ScheduleCommand::Disable { tenant_id: ids.0 };
    change(&state, context, ids, if_match, command).await
}
