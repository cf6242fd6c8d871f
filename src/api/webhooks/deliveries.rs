//! A webhook's deliveries log (every attempt), one message's state, and redelivery.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{authorize_manage, authorize_read, find_webhook};
use crate::api::context::RequestContext;
use crate::api::error::{ApiError, ErrorCode, FieldError, Problem};
use crate::api::extract::{parse_id, ValidQuery};
use crate::api::pagination::{Page, PageQuery};
use crate::api::state::AppState;
use crate::api::TAG_WEBHOOKS;
use crate::auth::Principal;
use crate::db::CachedStatements;
use crate::domain::webhook::{Webhook, WebhookCommand};
use crate::store::execute_in_transaction;
use crate::webhooks::sender::{message_key, parse_message_key};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Attempts per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (an attempt id).
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Only the attempts of this message (its `webhook-id`).
    #[param(pattern = "^msg_[0-9a-f]{32}$")]
    pub message_id: Option<String>,
}

/// One attempt of one message.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0e1-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
    "message_id": "msg_0192f0e00a1b7c2d8e3f4a5b6c7d8e9f",
    "event_type": "backup_run.failed", "attempt": 2, "trigger": "scheduled",
    "attempted_at": "2026-11-26T09:00:05Z", "duration_ms": 10001,
    "status_code": null, "error": "timeout", "outcome": "failed",
    "url": "https://hooks.example.com/tenantpilot"
}))]
pub struct DeliveryResponse {
    /// The attempt's id (newest first; `cursor` pages on).
    pub id: Uuid,
    /// The message's `webhook-id`: the same on every attempt and redelivery.
    pub message_id: String,
    pub event_type: String,
    /// 1 for the first attempt of the message, counting redeliveries.
    pub attempt: i32,
    /// `scheduled` (the retry schedule) or `manual` (a redelivery).
    pub trigger: String,
    pub attempted_at: DateTime<Utc>,
    pub duration_ms: i32,
    /// The endpoint's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why it failed: `timeout`, `connection`, `address_not_allowed`, `redirect` (3xx are
    /// not followed), `gone` (410), `status` (another non-2xx), `secret_unavailable`,
    /// `request`; null when delivered.
    pub error: Option<String>,
    /// `delivered` or `failed`.
    pub outcome: String,
    /// Where it was sent.
    pub url: String,
}

const DELIVERY_COLUMNS: &str = "a.id, a.message_id, m.event_type, a.attempt, a.trigger, \
     a.attempted_at, a.duration_ms, a.status_code, a.error, a.outcome, a.url";

impl DeliveryResponse {
    fn from_row(row: &Row) -> Self {
        Self {
            id: row.get(0),
            message_id: message_key(row.get(1)),
            event_type: row.get(2),
            attempt: row.get(3),
            trigger: row.get(4),
            attempted_at: row.get(5),
            duration_ms: row.get(6),
            status_code: row.get(7),
            error: row.get(8),
            outcome: row.get(9),
            url: row.get(10),
        }
    }
}

/// A message: one public event for one webhook.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "msg_0192f0e00a1b7c2d8e3f4a5b6c7d8e9f", "webhook_id": "0192f0d2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "event_type": "backup_run.failed", "status": "pending", "attempts": 2,
    "next_attempt_at": "2026-11-26T09:05:05Z", "created_at": "2026-11-26T09:00:00Z",
    "finished_at": null,
    "payload": {"type": "backup_run.failed", "timestamp": "2026-11-26T09:00:00Z",
                "data": {"tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f", "status": "failed"}}
}))]
pub struct MessageResponse {
    /// The `webhook-id` every attempt carries.
    pub id: String,
    pub webhook_id: Uuid,
    pub event_type: String,
    /// `pending` (an attempt is due at `next_attempt_at`), `delivered`, `failed` (no
    /// attempt left, or the endpoint is gone) or `cancelled` (the webhook was disabled).
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The body as sent (and signed).
    pub payload: serde_json::Value,
}

const MESSAGE_COLUMNS: &str =
    "id, webhook_id, event_type, status, attempts, next_attempt_at, created_at, finished_at, body";

impl MessageResponse {
    fn from_row(row: &Row) -> Self {
        let body: String = row.get(8);
        Self {
            id: message_key(row.get(0)),
            webhook_id: row.get(1),
            event_type: row.get(2),
            status: row.get(3),
            attempts: row.get(4),
            next_attempt_at: row.get(5),
            created_at: row.get(6),
            finished_at: row.get(7),
            payload: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        }
    }
}

fn message_id(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    parse_message_key(raw).ok_or_else(|| {
        ApiError::BadRequest(FieldError::new(
            field,
            ErrorCode::InvalidMessageId,
            format!("{field} must be a webhook-id (msg_ and 32 lowercase hex digits), got {raw:?}"),
        ))
    })
}

/// The webhook's deliveries log: every attempt, newest first.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"), DeliveriesQuery),
    responses((status = 200, description = "One page of attempts, newest first", body = DeliveryPage))
)]
#[get("/webhooks/{webhook_id}/deliveries")]
pub(super) async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path, "webhook_id")?;
    authorize_read(&principal)?;
    let query = query.into_inner()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .validate()?;
    let message = query
        .message_id
        .as_deref()
        .map(|raw| {
            parse_message_key(raw).ok_or_else(|| {
                ApiError::BadRequest(FieldError::new(
                    "message_id",
                    ErrorCode::InvalidQuery,
                    "message_id must be a webhook-id (msg_ and 32 lowercase hex digits)",
                ))
            })
        })
        .transpose()?;
    find_webhook(&state, webhook_id).await?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_attempts a
         JOIN webhook_messages m ON m.id = a.message_id
         WHERE a.webhook_id = $1 AND ($2::uuid IS NULL OR a.id < $2)
           AND ($3::uuid IS NULL OR a.message_id = $3)
         ORDER BY a.id DESC LIMIT $4"
    );
    let rows = client
        .query(
            &sql,
            &[&webhook_id, &page.after, &message, &(page.limit + 1)],
        )
        .await?;
    let attempts = rows.iter().map(DeliveryResponse::from_row).collect();
    let page = Page::from_rows(attempts, page, |attempt: &DeliveryResponse| attempt.id);
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One page of the deliveries log. Named (not the generic `Page`) so that `DeliveryResponse`
/// is a component of its own that clients can name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

async fn find_message(
    client: &impl CachedStatements,
    webhook_id: Uuid,
    message_id: Uuid,
) -> Result<MessageResponse, ApiError> {
    let sql =
        format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE id = $1 AND webhook_id = $2");
    client
        .query_cached(&sql, &[&message_id, &webhook_id])
        .await?
        .first()
        .map(MessageResponse::from_row)
        .ok_or(ApiError::NotFound("message"))
}

/// One message of the webhook: its state and the body it sends.
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("message_id" = String, Path, description = "The message's `webhook-id`", pattern = "^msg_[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "The message", body = MessageResponse),
        (status = 400, description = "`invalid_id` or `invalid_message_id`: a path id is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{webhook_id}/messages/{message_id}")]
pub(super) async fn get_webhook_message(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path.0, "webhook_id")?;
    let message_id = message_id(&path.1, "message_id")?;
    authorize_read(&principal)?;
    find_webhook(&state, webhook_id).await?;
    let client = state.pool.get().await?;
    let message = find_message(&client, webhook_id, message_id).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Send a message again: the same `webhook-id` and body, a new attempt (`trigger:
/// manual`), due now. A pending message's next attempt is brought forward; a delivered,
/// failed or cancelled one gets one more attempt. The request is recorded
/// (`WebhookRedeliveryRequested`).
#[utoipa::path(
    tag = TAG_WEBHOOKS,
    params(("webhook_id" = Uuid, Path, description = "The webhook's id"),
           ("message_id" = String, Path, description = "The message's `webhook-id`", pattern = "^msg_[0-9a-f]{32}$")),
    responses(
        (status = 202, description = "Queued for an attempt now", body = MessageResponse, headers(("Location" = String))),
        (status = 400, description = "`invalid_id` or `invalid_message_id`: a path id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`webhook_disabled`: enable the webhook first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{webhook_id}/messages/{message_id}/redeliver")]
pub(super) async fn redeliver_webhook_message(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = parse_id(&path.0, "webhook_id")?;
    let message_id = message_id(&path.1, "message_id")?;
    authorize_manage(&principal)?;
    find_webhook(&state, webhook_id).await?;
    let now = state.clock.now();
    let metadata = context.metadata(now);
    let steps = i32::try_from(state.webhook_settings.retry_schedule.len()).unwrap_or(i32::MAX);
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    // the message row first: it must be this webhook's, and stays put until the commit
    let found = transaction
        .query_opt(
            "SELECT 1 FROM webhook_messages WHERE id = $1 AND webhook_id = $2 FOR UPDATE",
            &[&message_id, &webhook_id],
        )
        .await?;
    if found.is_none() {
        return Err(ApiError::NotFound("message"));
    }
    execute_in_transaction::<Webhook>(
        &transaction,
        &state.upcasters,
        &webhook_id.to_string(),
        WebhookCommand::Redeliver { message_id },
        &(),
        &metadata,
    )
    .await?;
    // a finished message gets one attempt (its schedule is used up); a pending one keeps
    // its schedule, its next attempt brought forward
    transaction
        .execute_cached(
            "UPDATE webhook_messages
             SET status = 'pending', next_attempt_at = $2, manual = true, finished_at = NULL,
                 retry_step = CASE WHEN status = 'pending' THEN retry_step ELSE $3 - 1 END
             WHERE id = $1",
            &[&message_id, &now, &steps],
        )
        .await?;
    let message = find_message(&transaction, webhook_id, message_id).await?;
    transaction.commit().await?;
    // this process's consumers project the request at once
    state.appends.wake();
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/webhooks/{webhook_id}/messages/{}", message.id),
        ))
        .json(message))
}
