//! `/api/v1/webhooks`: subscriptions to public events, signed as Standard Webhooks says.
//! Admins manage them; auditors whose token sees every tenant may read them and their
//! deliveries log (a webhook may span tenants).

mod deliveries;
mod lifecycle;
mod model;

pub use deliveries::{DeliveryResponse, MessageResponse};
pub use model::{
    CreateWebhookRequest, CreatedWebhookResponse, RotatedSecretResponse, UpdateWebhookRequest,
    WebhookResponse,
};

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::SubsecRound;
use uuid::Uuid;

use super::commands::Rejection;
use super::context::RequestContext;
use super::error::{ApiError, ErrorCode, FieldError, Problem};
use super::extract::{parse_id, IfMatch, ValidJson, ValidQuery};
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::written::{answer_committed, WriteAccepted};
use super::{etag, TAG_WEBHOOKS};
use crate::auth::{missing_tenants, Permission, Principal};
use crate::domain::token::TenantScope;
use crate::domain::webhook::{
    CreateWebhook, UpdateWebhook, WebhookCommand, WebhookError, WebhookUrl,
};
use crate::webhooks::guard::{check_host, HostRefused};
use crate::webhooks::{secrets, SigningSecret};
use model::{validate_create, validate_update, WEBHOOK_COLUMNS, WEBHOOK_FROM};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(lifecycle::enable_webhook)
        .service(lifecycle::disable_webhook)
        .service(lifecycle::rotate_webhook_secret)
        .service(deliveries::list_webhook_deliveries)
        .service(deliveries::get_webhook_message)
        .service(deliveries::redeliver_webhook_message);
}

impl Rejection for WebhookError {
    fn to_api_error(&self) -> ApiError {
        match self {
            WebhookError::NotFound | WebhookError::Deleted => ApiError::NotFound("webhook"),
            WebhookError::AlreadyExists => ApiError::Conflict {
                code: ErrorCode::WebhookAlreadyExists,
                detail: self.to_string(),
            },
            WebhookError::Disabled => ApiError::Conflict {
                code: ErrorCode::WebhookDisabled,
                detail: self.to_string(),
            },
        }
    }
}

/// Reading webhooks: admins, and auditors whose token sees every tenant.
fn authorize_read(principal: &Principal) -> Result<(), ApiError> {
    principal.authorize(Permission::ReadWebhooks, None)?;
    if principal.visible_tenants().is_some() {
        return Err(ApiError::Forbidden(
            "webhooks span tenants; use a token that sees every tenant".to_owned(),
        ));
    }
    Ok(())
}

fn authorize_manage(principal: &Principal) -> Result<(), ApiError> {
    Ok(principal.authorize(Permission::ManageWebhooks, None)?)
}

/// The live (not deleted) webhook, or 404.
pub async fn find_webhook(state: &AppState, id: Uuid) -> Result<WebhookResponse, ApiError> {
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {WEBHOOK_COLUMNS} FROM {WEBHOOK_FROM} WHERE w.id = $1 AND w.deleted_at IS NULL"
    );
    client
        .query_opt(&sql, &[&id])
        .await?
        .map(|row| WebhookResponse::from_row(&row))
        .ok_or(ApiError::NotFound("webhook"))
}

fn location(webhook_id: Uuid) -> String {
    format!("/api/v1/webhooks/{webhook_id}")
}

fn webhook_response(status: StatusCode, webhook: WebhookResponse) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(webhook.version))
        .json(webhook)
}

/// The URL must name a public host (unless private addresses are allowed).
async fn check_url(state: &AppState, url: &WebhookUrl) -> Result<(), ApiError> {
    check_host(&url.to_url(), state.webhook_settings.allow_private)
        .await
        .map_err(|refused| {
            let code = match refused {
                HostRefused::NotPublic { .. } => ErrorCode::WebhookUrlNotAllowed,
                HostRefused::Unresolvable { .. } => ErrorCode::WebhookUrlUnresolvable,
            };
            ApiError::validation("url", code, refused)
        })
}

/// Every named tenant must exist (404 `unknown_tenant`, naming each, as tokens do).
async fn check_tenants(state: &AppState, scope: &TenantScope) -> Result<(), ApiError> {
    let Some(ids) = scope.tenant_ids() else {
        return Ok(());
    };
    let missing = missing_tenants(&state.pool.get().await?, ids).await?;
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| missing.contains(id))
        .map(|(index, id)| {
            FieldError::new(
                format!("tenant_ids[{index}]"),
                ErrorCode::UnknownTenant,
                format!("no tenant {id}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Seals and stores a new secret on a connection of its own, returned before the command
/// runs (a handler never holds one connection while waiting for another).
async fn seal(
    state: &AppState,
    webhook_id: Uuid,
    secret: &SigningSecret,
) -> Result<Uuid, ApiError> {
    let client = state.pool.get().await?;
    Ok(secrets::store(&client, &state.secrets, webhook_id, secret).await?)
}

/// Removes a secret stored for a command that was refused (nothing refers to it).
async fn discard(state: &AppState, secret_id: Uuid) {
    let discarded = async {
        let client = state.pool.get().await?;
        secrets::discard(&client, secret_id).await?;
        Ok::<_, ApiError>(())
    };
    if let Err(error) = discarded.await {
        tracing::warn!(%error, secret.id = %secret_id, "an unused webhook secret could not be removed");
    }
}

/// Subscribe an endpoint. The answer carries the signing secret, once.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown in this response only", body = CreatedWebhookResponse,
         headers(("Location" = String), ("ETag" = String))),
        (status = 404, description = "`unknown_tenant`: `tenant_ids` names a tenant that does not exist; `errors` names each", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_webhook_url`, `webhook_url_not_allowed` (a loopback, private or link-local address, checked after DNS resolution), `webhook_url_unresolvable`, `unknown_event_type`, `invalid_event_types`, `invalid_tenant_ids`, `invalid_description`, or a field of the wrong type", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    request: ValidJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize_manage(&principal)?;
    let new = validate_create(request.into_inner()?)?;
    check_tenants(&state, &new.tenants).await?;
    check_url(&state, &new.url).await?;
    let webhook_id = Uuid::now_v7();
    let secret = SigningSecret::generate();
    let secret_id = seal(&state, webhook_id, &secret).await?;
    let metadata = context.metadata(state.clock.now());
    let command = WebhookCommand::Create(CreateWebhook {
        webhook_id,
        url: new.url.clone(),
        event_types: new.event_types.clone(),
        tenants: new.tenants.clone(),
        description: new.description.clone(),
        enabled: new.enabled,
        secret_id,
    });
    let committed = match state
        .webhooks
        .execute(&webhook_id.to_string(), command, &metadata, None)
        .await
    {
        Ok(committed) => committed,
        Err(error) => {
            discard(&state, secret_id).await;
            return Err(error.into());
        }
    };
    // Built from what was committed, not read back: the secret exists only in this
    // response, so it is given whatever the read models are doing.
    let at = metadata.occurred_at.trunc_subsecs(6);
    let webhook = WebhookResponse {
        id: webhook_id,
        url: new.url.as_str().to_owned(),
        event_types: new.event_types.names(),
        tenant_ids: new.tenants.tenant_ids().map(<[Uuid]>::to_vec),
        description: new.description.map(|d| d.as_str().to_owned()),
        enabled: new.enabled,
        disabled_reason: None,
        disabled_at: None,
        failing_since: None,
        secret_rotated_at: None,
        previous_secret_expires_at: None,
        version: committed.version,
        created_at: at,
        updated_at: at,
    };
    // a list right after this shows the webhook, when the consumers keep up
    state.committed_is_visible().await;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(webhook_id)))
        .insert_header(etag(committed.version))
        .json(CreatedWebhookResponse {
            webhook,
            secret: secret.expose(),
        }))
}

/// List webhooks.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(PageQuery),
    responses((status = 200, description = "One page of webhooks, oldest first", body = Page<WebhookResponse>))
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&principal)?;
    let page = query.into_inner()?.validate()?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {WEBHOOK_COLUMNS} FROM {WEBHOOK_FROM}
         WHERE w.deleted_at IS NULL AND ($1::uuid IS NULL OR w.id > $1)
         ORDER BY w.id LIMIT $2"
    );
    let rows = client
        .query(&sql, &[&page.after, &(page.limit + 1)])
        .await?;
    let webhooks = rows.iter().map(WebhookResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        webhooks,
        page,
        |webhook: &WebhookResponse| webhook.id,
    )))
}

/// Get a webhook (never its secret).
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id")),
    responses((status = 200, description = "The webhook", body = WebhookResponse, headers(("ETag" = String))))
)]
#[get("/webhooks/{webhook_id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_read(&principal)?;
    let webhook = find_webhook(&state, webhook_id).await?;
    Ok(webhook_response(StatusCode::OK, webhook))
}

/// Runs a command on an existing webhook and answers with its new state.
async fn change(
    state: &AppState,
    context: RequestContext,
    webhook_id: Uuid,
    if_match: IfMatch,
    command: WebhookCommand,
) -> Result<HttpResponse, ApiError> {
    find_webhook(state, webhook_id).await?;
    let metadata = context.metadata(state.clock.now());
    let committed = state
        .webhooks
        .execute(&webhook_id.to_string(), command, &metadata, if_match.0)
        .await?;
    let accepted = WriteAccepted::new(location(webhook_id), Some(committed.version));
    Ok(answer_committed(
        state,
        find_webhook(state, webhook_id),
        |webhook| webhook_response(StatusCode::OK, webhook),
        accepted,
    )
    .await)
}

/// Change a webhook's URL, event types, tenants or description.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The changed webhook", body = WebhookResponse, headers(("ETag" = String))),
        (status = 404, description = "`not_found`: no such webhook; or `unknown_tenant`: `tenant_ids` names a tenant that does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "As for the create request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{webhook_id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
    request: ValidJson<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_manage(&principal)?;
    let changes = validate_update(request.into_inner()?)?;
    if let Some(tenants) = &changes.tenants {
        check_tenants(&state, tenants).await?;
    }
    if let Some(url) = &changes.url {
        check_url(&state, url).await?;
    }
    let command = WebhookCommand::Update(UpdateWebhook {
        url: changes.url,
        event_types: changes.event_types,
        tenants: changes.tenants,
        description: changes.description,
    });
    change(&state, context, webhook_id, if_match, command).await
}

/// Delete a webhook: its pending messages are dropped, its deliveries log and secrets too.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the deletion is based on")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{webhook_id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_manage(&principal)?;
    find_webhook(&state, webhook_id).await?;
    let metadata = context.metadata(state.clock.now());
    state
        .webhooks
        .execute(
            &webhook_id.to_string(),
            WebhookCommand::Delete,
            &metadata,
            if_match.0,
        )
        .await?;
    if state.committed_is_visible().await {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(WriteAccepted::new(location(webhook_id), None).response())
}
