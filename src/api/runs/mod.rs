//! Runs: `run-now` and the runs of a schedule under `/backup-schedules/{id}`, and
//! `/tenants/{tenant_id}/backup-runs/{run_id}` (+ `/retry`).

pub mod model;

pub use model::RunResponse;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

use super::context::RequestContext;
use super::error::{ApiError, ErrorCode, Problem};
use super::extract::{parse_id, IfMatch, ValidQuery};
use super::pagination::{Page, PageQuery};
use super::schedules::{execute_schedule_command, find_schedule, schedule_path};
use super::state::AppState;
use super::written::{answer_committed, WriteAccepted};
use super::TAG_RUNS;
use crate::auth::{Permission, Principal};
use crate::domain::run::RunTrigger;
use crate::domain::schedule::{RequestRun, ScheduleCommand};
use model::RUN_COLUMNS;

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(run_now)
        .service(list_runs)
        .service(get_run)
        .service(retry_run);
}

async fn find_run(
    state: &AppState,
    tenant_id: Uuid,
    run_id: Uuid,
) -> Result<RunResponse, ApiError> {
    let client = state.pool.get().await?;
    let sql =
        format!("SELECT {RUN_COLUMNS} FROM backup_run_details WHERE id = $1 AND tenant_id = $2");
    client
        .query_opt(&sql, &[&run_id, &tenant_id])
        .await?
        .map(|row| RunResponse::from_row(&row))
        .ok_or(ApiError::NotFound("run"))
}

/// What a run request asks for: the trigger, the run it retries, and the schedule version
/// the caller based it on (`If-Match`).
struct RunRequest {
    trigger: RunTrigger,
    retry_of: Option<Uuid>,
    expected_version: Option<u64>,
}

/// Queues a manual run or a retry on the schedule and answers 202 with the queued run.
async fn request_run(
    state: &AppState,
    context: RequestContext,
    (tenant_id, schedule_id): (Uuid, Uuid),
    RunRequest {
        trigger,
        retry_of,
        expected_version,
    }: RunRequest,
) -> Result<HttpResponse, ApiError> {
    let run_id = Uuid::now_v7();
    let now = state.clock.now();
    let command = ScheduleCommand::RequestRun(RequestRun {
        tenant_id,
        run_id,
        trigger,
        retry_of,
        now,
    });
    let ids = (tenant_id, schedule_id);
    let requested =
        execute_schedule_command(state, &context, ids, command.clone(), now, expected_version)
            .await;
    match requested {
        // The schedule learns that its run ended from the run recorder, a moment after the
        // run itself shows as ended: let the consumers settle and decide once more.
        Err(ApiError::Conflict {
            code: ErrorCode::RunAlreadyActive,
            ..
        }) if state.everything_is_visible().await => {
            execute_schedule_command(state, &context, ids, command, now, expected_version).await?;
        }
        other => {
            other?;
        }
    }
    let location = format!("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}");
    let accepted = WriteAccepted::new(location.clone(), None);
    Ok(answer_committed(
        state,
        find_run(state, tenant_id, run_id),
        |run| {
            HttpResponse::Accepted()
                .insert_header((header::LOCATION, location))
                .json(run)
        },
        accepted,
    )
    .await)
}

/// Run a schedule now. Allowed for disabled schedules (a manual backup before enabling);
/// refused while another run of the schedule is queued or running. `next_run_at` stays.
/// With `If-Match` (the schedule's `ETag`), refused with 412 if the schedule changed since
/// it was read (edited, disabled, or a run queued or recorded meanwhile).
#[utoipa::path(
    tag = TAG_RUNS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The schedule's ETag the run is based on")),
    responses(
        (status = 202, description = "The queued run", body = RunResponse, headers(("Location" = String))),
        (status = 409, description = "`run_already_active`: a run of this schedule is queued or running", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/backup-schedules/{schedule_id}/run-now")]
async fn run_now(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::OperateRuns, Some(tenant_id))?;
    find_schedule(&state, tenant_id, schedule_id).await?;
    let request = RunRequest {
        trigger: RunTrigger::Manual,
        retry_of: None,
        expected_version: if_match.0,
    };
    request_run(&state, context, (tenant_id, schedule_id), request).await
}

/// List a schedule's runs, newest first.
#[utoipa::path(
    tag = TAG_RUNS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = Uuid, Path, description = "The schedule's id"), PageQuery),
    responses((status = 200, description = "One page of runs, newest first", body = Page<RunResponse>))
)]
#[get("/tenants/{tenant_id}/backup-schedules/{schedule_id}/runs")]
async fn list_runs(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let page = query.validate()?;
    find_schedule(&state, tenant_id, schedule_id).await?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM backup_run_details
         WHERE schedule_id = $1 AND tenant_id = $2 AND ($3::uuid IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4"
    );
    let rows = client
        .query(
            &sql,
            &[&schedule_id, &tenant_id, &page.after, &(page.limit + 1)],
        )
        .await?;
    let runs = rows.iter().map(RunResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(runs, page, |run: &RunResponse| run.id)))
}

/// Get a run.
#[utoipa::path(
    tag = TAG_RUNS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("run_id" = Uuid, Path, description = "The run's id")),
    responses((status = 200, description = "The run", body = RunResponse))
)]
#[get("/tenants/{tenant_id}/backup-runs/{run_id}")]
async fn get_run(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let run_id = parse_id(&path.1, "run_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    Ok(HttpResponse::Ok().json(find_run(&state, tenant_id, run_id).await?))
}

/// Retry a failed or partial run: queues a new run of its schedule, linked by `retry_of`.
/// The retry is a command on the schedule, so `If-Match` names the schedule's `ETag`:
/// two operators retrying one failed run from one screen queue it once, the second is
/// told with 412 that the schedule changed.
#[utoipa::path(
    tag = TAG_RUNS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("run_id" = Uuid, Path, description = "The run to retry"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the run's schedule the retry is based on")),
    responses(
        (status = 202, description = "The queued retry", body = RunResponse, headers(("Location" = String))),
        (status = 409, description = "`run_not_retryable` (the run is queued, running or succeeded) or `run_already_active`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/backup-runs/{run_id}/retry")]
async fn retry_run(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let run_id = parse_id(&path.1, "run_id")?;
    principal.authorize(Permission::OperateRuns, Some(tenant_id))?;
    let listed = find_run(&state, tenant_id, run_id).await?;
    // the aggregate, not the read model, decides whether the run really ended badly
    let (run, _) = state.runs.load(&run_id.to_string()).await?;
    match run.status() {
        Some(status) if status.is_retryable() => {}
        status => {
            return Err(ApiError::Conflict {
                code: ErrorCode::RunNotRetryable,
                detail: format!(
                    "only failed or partial runs can be retried; this run is {}",
                    status.map(|status| status.as_str()).unwrap_or("unknown")
                ),
            })
        }
    }
    find_schedule(&state, tenant_id, listed.schedule_id).await?;
    let request = RunRequest {
        trigger: RunTrigger::Retry,
        retry_of: Some(run_id),
        expected_version: if_match.0,
    };
    request_run(&state, context, (tenant_id, listed.schedule_id), request).await
}
