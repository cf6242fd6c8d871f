//! Enabling, disabling and rotating the signing secret of a webhook.

use actix_web::{post, web, HttpResponse};

use super::{authorize_manage, change, discard, find_webhook, location, seal};
use super::{RotatedSecretResponse, WebhookResponse};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::extract::{parse_id, IfMatch};
use crate::api::state::AppState;
use crate::api::{etag, TAG_WEBHOOKS};
use crate::auth::Principal;
use crate::domain::webhook::{DisableWebhook, WebhookCommand};
use crate::webhooks::SigningSecret;

/// Enable a webhook: it receives the events from now on (not those it missed).
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The enabled webhook", body = WebhookResponse, headers(("ETag" = String))))
)]
#[post("/webhooks/{webhook_id}/enable")]
pub(super) async fn enable_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_manage(&principal)?;
    change(
        &state,
        context,
        webhook_id,
        if_match,
        WebhookCommand::Enable,
    )
    .await
}

/// Disable a webhook (`disabled_reason: manual`): its pending messages are cancelled and
/// it receives nothing until enabled again.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "The disabled webhook", body = WebhookResponse, headers(("ETag" = String))))
)]
#[post("/webhooks/{webhook_id}/disable")]
pub(super) async fn disable_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_manage(&principal)?;
    let command = WebhookCommand::Disable(DisableWebhook::manual());
    change(&state, context, webhook_id, if_match, command).await
}

/// Rotate the signing secret. The new secret is in this response only; for an overlap
/// (24 hours) every message carries two signatures, the new secret's and the previous
/// one's, so receivers can switch without losing a message.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag the rotation is based on")),
    responses((status = 200, description = "Rotated; `secret` is shown in this response only", body = RotatedSecretResponse, headers(("ETag" = String))))
)]
#[post("/webhooks/{webhook_id}/rotate-secret")]
pub(super) async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_manage(&principal)?;
    find_webhook(&state, webhook_id).await?;
    let secret = SigningSecret::generate();
    let secret_id = seal(&state, webhook_id, &secret).await?;
    let now = state.clock.now();
    let overlap = chrono::Duration::from_std(state.webhook_settings.secret_overlap)
        .unwrap_or_else(|_| chrono::Duration::hours(24));
    let previous_expires_at = now + overlap;
    let command = WebhookCommand::RotateSecret {
        secret_id,
        previous_expires_at,
    };
    let metadata = context.metadata(now);
    let committed = match state
        .webhooks
        .execute(&webhook_id.to_string(), command, &metadata, if_match.0)
        .await
    {
        Ok(committed) => committed,
        Err(error) => {
            discard(&state, secret_id).await;
            return Err(error.into());
        }
    };
    // answered in full whatever the read models do: the secret exists only here
    state.committed_is_visible().await;
    Ok(HttpResponse::Ok()
        .insert_header(etag(committed.version))
        .insert_header((
            actix_web::http::header::CONTENT_LOCATION,
            location(webhook_id),
        ))
        .json(RotatedSecretResponse {
            id: webhook_id,
            secret: secret.expose(),
            previous_secret_expires_at: previous_expires_at,
            version: committed.version,
        }))
}
