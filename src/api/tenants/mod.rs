//! `/api/v1/tenants`: the Microsoft 365 tenants under management.

mod model;

pub use model::{CreateTenantRequest, TenantResponse, UpdateTenantRequest};

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;

use super::as_of::{replay, AsOfQuery};
use super::context::RequestContext;
use super::error::{ApiError, Problem};
use super::extract::{parse_id, IfMatch, ValidJson, ValidQuery};
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::written::{answer_committed, WriteAccepted};
use super::{etag, TAG_TENANTS};
use crate::auth::{Permission, Principal};
use crate::domain::tenant::{Tenant, TenantCommand};
use crate::secrets::{discard_secret, store_secret};
use model::{validate_create, validate_update, TENANT_COLUMNS};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_tenant)
        .service(list_tenants)
        .service(get_tenant)
        .service(update_tenant)
        .service(delete_tenant)
        .service(deactivate_tenant)
        .service(reactivate_tenant);
}

/// The live (not deleted) tenant, or 404.
pub async fn find_tenant(state: &AppState, id: Uuid) -> Result<TenantResponse, ApiError> {
    let client = state.pool.get().await?;
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL");
    client
        .query_opt(&sql, &[&id])
        .await?
        .map(|row| TenantResponse::from_row(&row))
        .ok_or(ApiError::NotFound("tenant"))
}

fn tenant_response(status: actix_web::http::StatusCode, tenant: TenantResponse) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(tenant.version))
        .json(tenant)
}

/// Register a tenant.
#[utoipa::path(
    tag = TAG_TENANTS,
    request_body = CreateTenantRequest,
    responses(
        (status = 201, description = "Registered", body = TenantResponse,
         headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The Azure tenant is already registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants")]
async fn create_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    request: ValidJson<CreateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ManageTenants, None)?;
    let request = request.into_inner()?;
    let tenant_id = Uuid::now_v7();
    let mut new_tenant = validate_create(request, tenant_id)?;
    if let Some(secret) = &new_tenant.client_secret {
        new_tenant.command.client_secret_id = Some(seal(&state, tenant_id, secret).await?);
    }
    let secret_id = new_tenant.command.client_secret_id;
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    let result = state
        .tenants
        .execute(
            &tenant_id.to_string(),
            TenantCommand::Register(new_tenant.command),
            &metadata,
            None,
        )
        .await;
    let committed = match result {
        Ok(committed) => committed,
        Err(error) => {
            discard(&state, secret_id).await;
            return Err(error.into());
        }
    };
    let location = format!("/api/v1/tenants/{tenant_id}");
    let accepted = WriteAccepted::new(location.clone(), Some(committed.version));
    Ok(answer_committed(
        &state,
        find_tenant(&state, tenant_id),
        |tenant| {
            HttpResponse::Created()
                .insert_header((header::LOCATION, location))
                .insert_header(etag(tenant.version))
                .json(tenant)
        },
        accepted,
    )
    .await)
}

/// Seals and stores a new client secret, on a connection of its own that is returned
/// before the command runs (a handler never holds one connection while waiting for another).
async fn seal(state: &AppState, tenant_id: Uuid, secret: &str) -> Result<Uuid, ApiError> {
    let client = state.pool.get().await?;
    Ok(store_secret(&client, &state.secrets, tenant_id, secret).await?)
}

/// Removes a secret stored for a command that was refused (nothing refers to it).
async fn discard(state: &AppState, secret_id: Option<Uuid>) {
    let Some(secret_id) = secret_id else { return };
    let discarded = async {
        let client = state.pool.get().await?;
        discard_secret(&client, secret_id).await?;
        Ok::<_, ApiError>(())
    };
    if let Err(error) = discarded.await {
        tracing::warn!(%error, secret.id = %secret_id, "an unused sealed secret could not be removed");
    }
}

/// Answers a committed change of an existing tenant with its new state.
async fn answer_changed(state: &AppState, tenant_id: Uuid, version: u64) -> HttpResponse {
    let accepted = WriteAccepted::new(format!("/api/v1/tenants/{tenant_id}"), Some(version));
    answer_committed(
        state,
        find_tenant(state, tenant_id),
        |tenant| tenant_response(actix_web::http::StatusCode::OK, tenant),
        accepted,
    )
    .await
}

/// List tenants.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(PageQuery),
    responses((status = 200, description = "One page of tenants", body = Page<TenantResponse>))
)]
#[get("/tenants")]
async fn list_tenants(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::Read, None)?;
    let query = query.into_inner()?;
    let page = query.validate()?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {TENANT_COLUMNS} FROM tenants
         WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id > $1)
           AND ($3::uuid[] IS NULL OR id = ANY($3))
         ORDER BY id LIMIT $2"
    );
    let visible = principal.visible_tenants();
    let rows = client
        .query(&sql, &[&page.after, &(page.limit + 1), &visible])
        .await?;
    let tenants = rows.iter().map(TenantResponse::from_row).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(tenants, page, |tenant: &TenantResponse| {
            tenant.id
        })),
    )
}

/// Get a tenant, now or (`as_of`) as it was at a point of its history.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"), AsOfQuery),
    responses(
        (status = 200, description = "The tenant (with `as_of`: as it was then, saying which version and time it shows)",
         body = TenantResponse, headers(("ETag" = String, description = "The version shown"))),
        (status = 404, description = "`not_found`: no such tenant (also one the token cannot see; without `as_of`, also a deleted one); with `as_of`: `as_of_before_creation`, `as_of_version_not_reached` or `as_of_deleted`",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}")]
async fn get_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let tenant = match query.into_inner()?.bound(&principal, tenant_id)? {
        None => find_tenant(&state, tenant_id).await?,
        Some(bound) => TenantResponse::replayed(
            replay::<Tenant, _>(&state, tenant_id, tenant_id, bound).await?,
        ),
    };
    Ok(tenant_response(actix_web::http::StatusCode::OK, tenant))
}

/// Change a tenant's name or credentials.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    request_body = UpdateTenantRequest,
    responses((status = 200, description = "The changed tenant", body = TenantResponse, headers(("ETag" = String))))
)]
#[patch("/tenants/{tenant_id}")]
async fn update_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
    request: ValidJson<UpdateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    let request = request.into_inner()?;
    let mut changes = validate_update(request)?;
    find_tenant(&state, tenant_id).await?;
    if let Some(secret) = &changes.client_secret {
        changes.command.client_secret_id = Some(seal(&state, tenant_id, secret).await?);
    }
    let secret_id = changes.command.client_secret_id;
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    let result = state
        .tenants
        .execute(
            &tenant_id.to_string(),
            TenantCommand::Update(changes.command),
            &metadata,
            if_match.0,
        )
        .await;
    match result {
        Ok(committed) => Ok(answer_changed(&state, tenant_id, committed.version).await),
        Err(error) => {
            discard(&state, secret_id).await;
            Err(error.into())
        }
    }
}

/// Delete a tenant. Refused while it still has schedules.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the deletion is based on")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The tenant still has schedules", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tenants/{tenant_id}")]
async fn delete_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    find_tenant(&state, tenant_id).await?;
    // whether live schedules remain is decided in the append itself (a claim that a
    // schedule created at the same moment cannot slip past), not from the read model
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    state
        .tenants
        .execute(
            &tenant_id.to_string(),
            TenantCommand::Delete,
            &metadata,
            if_match.0,
        )
        .await?;
    if state.committed_is_visible().await {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(WriteAccepted::new(format!("/api/v1/tenants/{tenant_id}"), None).response())
}

async fn set_active(
    state: &AppState,
    principal: &Principal,
    context: RequestContext,
    raw_id: &str,
    if_match: IfMatch,
    command: TenantCommand,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(raw_id, "tenant_id")?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    find_tenant(state, tenant_id).await?;
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    let committed = state
        .tenants
        .execute(&tenant_id.to_string(), command, &metadata, if_match.0)
        .await?;
    Ok(answer_changed(state, tenant_id, committed.version).await)
}

/// Deactivate a tenant: its schedules' runs fail with `tenant_inactive` until reactivated.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The tenant, now inactive", body = TenantResponse, headers(("ETag" = String))))
)]
#[post("/tenants/{tenant_id}/deactivate")]
async fn deactivate_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_active(
        &state,
        &principal,
        context,
        &path,
        if_match,
        TenantCommand::Deactivate,
    )
    .await
}

/// Reactivate a tenant.
#[utoipa::path(
    tag = TAG_TENANTS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The tenant, now active", body = TenantResponse, headers(("ETag" = String))))
)]
#[post("/tenants/{tenant_id}/reactivate")]
async fn reactivate_tenant(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_active(
        &state,
        &principal,
        context,
        &path,
        if_match,
        TenantCommand::Reactivate,
    )
    .await
}
